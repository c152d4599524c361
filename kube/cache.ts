// A Cache (kube/ports.ts) of a watched collection: list once, then watch from the list's
// resourceVersion with bookmarks; a stream the server ends is opened again from the last version
// seen, 410 Gone lists again at once, and any other failure (the connection lost, no byte for too
// long, an error status) is reported and listed again after a capped exponential back-off.
// `list()` never calls the API.
import type { KubernetesListObject, KubernetesObject } from '@kubernetes/client-node';
import type { Cache } from './ports.ts';
import { wrap } from './errors.ts';
import { ApiError, type Rest, type WatchEvent } from './rest.ts';

export interface WatchOptions<T extends KubernetesObject, U> {
  /** The client the list and the watch go through. */
  readonly rest: Rest;
  /** What is watched, for error messages, e.g. "watch nodes". */
  readonly what: string;
  /** API path of the collection, e.g. /api/v1/nodes. */
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly labelSelector?: string;
  readonly fieldSelector?: string;
  readonly map: (obj: T) => U;
  /**
   * Reduces each object before the cache keeps it (listed or from a watch event): a cache of every
   * Node holds only what `map` reads. An update that leaves the reduced object as it was but for
   * its resourceVersion (a kubelet's status heartbeat, another tool's annotation) is kept without
   * telling the listeners: it changes nothing they read. Absent: objects are kept whole, and every
   * update is told.
   */
  readonly strip?: (obj: T) => T;
  /**
   * Of an update that changed the kept object (with `strip` only): true when no listener needs it
   * now. It is kept, and listeners read it at their next look; they are not told. The coordinator's
   * cache of every Node keeps quiet about an agent refreshing a request that is still alive.
   */
  readonly quiet?: (before: T, after: T) => boolean;
  /** Reports watch errors, wrapped as TransientError or TerminalError (it reconnects by itself). */
  readonly onError?: (err: unknown) => void;
  /** Called each time a watch request is answered (connected, or connected again after an error). */
  readonly onConnect?: () => void;
}

const MAX_BACKOFF_MS = 30_000;

/**
 * The server ends each watch after this long (timeoutSeconds) and the cache opens it again; a
 * stream that sends nothing for this long and half a minute more is taken as lost: a dead
 * connection is found within minutes, a quiet resource costs one request per five minutes.
 */
const WATCH_IDLE_MS = 5 * 60_000;

/** An object's key in the cache. */
function keyOf(o: KubernetesObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

interface Handlers<T> {
  add(o: T): void;
  update(o: T): void;
  delete(o: T): void;
}

/** Lists and watches `opts.path` into a cache; resolves after the first list (its failure rejects). */
export async function watchCache<T extends KubernetesObject, U>(opts: WatchOptions<T, U>): Promise<Cache<U>> {
  const listeners = new Set<() => void>();
  const store = new Map<string, T>();
  const stopping = new AbortController();
  let backoffMs = 1_000;
  // The mapped items, kept until the next change: a coordinator decides over every Node at each
  // decision. Each object is mapped once: a change of one of 5,000 Nodes maps one.
  let mapped: U[] | undefined;
  const mappedOf = new WeakMap<T, U>();
  const mapOnce = (o: T): U => {
    let u = mappedOf.get(o);
    if (u === undefined && !mappedOf.has(o)) mappedOf.set(o, (u = opts.map(o)));
    return u as U;
  };
  const notify = () => {
    mapped = undefined;
    backoffMs = 1_000;
    for (const l of [...listeners]) l();
  };
  const on = handlers(opts, notify, () => (mapped = undefined));
  const strip = opts.strip ?? ((o: T) => o);
  const selectors = {
    ...(opts.labelSelector === undefined ? {} : { labelSelector: opts.labelSelector }),
    ...(opts.fieldSelector === undefined ? {} : { fieldSelector: opts.fieldSelector }),
  };

  let version = '';
  /** Lists, and tells the handlers what differs from the store (all of it the first time). */
  const relist = async () => {
    const listed = await opts.list();
    const fresh = new Map(listed.items.map((o) => [keyOf(o), strip(o)] as const));
    for (const [key, old] of [...store]) {
      if (fresh.has(key)) continue;
      store.delete(key);
      on.delete(old);
    }
    for (const [key, o] of fresh) {
      const old = store.get(key);
      store.set(key, o);
      if (old === undefined) on.add(o);
      else if (old.metadata?.resourceVersion !== o.metadata?.resourceVersion) on.update(o);
    }
    version = listed.metadata?.resourceVersion ?? '';
  };
  const onEvent = (e: WatchEvent) => {
    const o = e.object as T;
    if (e.type === 'ERROR') {
      const status = e.object as { code?: number; message?: string };
      throw new ApiError(status.code ?? 500, JSON.stringify(status), `watch ${opts.path}`);
    }
    version = o.metadata?.resourceVersion ?? version;
    if (e.type === 'BOOKMARK') return;
    const key = keyOf(o);
    if (e.type === 'DELETED') {
      const old = store.get(key);
      store.delete(key);
      if (old !== undefined) on.delete(strip(o));
      return;
    }
    const kept = strip(o);
    const had = store.has(key);
    store.set(key, kept);
    if (had) on.update(kept);
    else on.add(kept);
  };

  const run = async () => {
    let listNeeded = false;
    while (!stopping.signal.aborted) {
      try {
        if (listNeeded) await relist();
        listNeeded = false;
        await opts.rest.watch(
          opts.path,
          { ...selectors, resourceVersion: version, timeoutSeconds: WATCH_IDLE_MS / 1000 },
          onEvent,
          {
            signal: stopping.signal,
            idleMs: WATCH_IDLE_MS + 30_000,
            ...(opts.onConnect === undefined ? {} : { onConnect: opts.onConnect }),
          },
        );
      } catch (err: unknown) {
        if (stopping.signal.aborted) return;
        listNeeded = true;
        // The version is too old for the server's history: list again at once (not an error).
        if (err instanceof ApiError && err.code === 410) continue;
        mapped = undefined;
        opts.onError?.(wrap(opts.what, err));
        await pause(backoffMs, stopping.signal);
        backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
      }
    }
  };

  const stop = () => {
    stopping.abort();
    listeners.clear();
  };
  // The first list must succeed: callers need a complete view before they decide anything.
  try {
    await relist();
  } catch (err: unknown) {
    stop();
    throw wrap(opts.what, err);
  }
  void run();
  return {
    list: () => (mapped ??= [...store.values()].map(mapOnce)),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop,
  };
}

/**
 * What the cache does with an added, updated or deleted object. Without `strip` every change is
 * told. With it, an update that leaves the stripped object as it was but for its resourceVersion
 * (and apiVersion and kind, which watch events carry and listed items do not) is kept quietly, and
 * so is one that `quiet` says nobody needs now.
 */
function handlers<T extends KubernetesObject, U>(
  opts: WatchOptions<T, U>,
  notify: () => void,
  forget: () => void,
): Handlers<T> {
  if (opts.strip === undefined) return { add: notify, update: notify, delete: notify };
  const seen = new Map<string, { fingerprint: string; object: T }>();
  const fingerprint = (o: T) =>
    JSON.stringify({
      ...o,
      apiVersion: undefined,
      kind: undefined,
      metadata: { ...o.metadata, resourceVersion: undefined },
    });
  return {
    add(o) {
      seen.set(keyOf(o), { fingerprint: fingerprint(o), object: o });
      notify();
    },
    update(o) {
      const key = keyOf(o);
      const now = fingerprint(o);
      forget();
      const kept = seen.get(key);
      if (kept === undefined) {
        seen.set(key, { fingerprint: now, object: o });
        return notify();
      }
      const before = kept.object;
      kept.object = o;
      if (kept.fingerprint === now) return;
      kept.fingerprint = now;
      if (opts.quiet?.(before, o) !== true) notify();
    },
    delete(o) {
      seen.delete(keyOf(o));
      notify();
    },
  };
}

/** Waits `ms`, or less when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

/** The cache of objects `map` made something of: those it mapped to undefined are left out. */
export function definedOnly<U>(cache: Cache<U | undefined>): Cache<U> {
  return {
    list: () => cache.list().filter((u): u is U => u !== undefined),
    onChange: (l) => cache.onChange(l),
    stop: () => cache.stop(),
  };
}
