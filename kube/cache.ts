// A Cache (agent/ports.ts) over client-node's ListWatch: list once, then watch, reconnecting on
// watch timeouts and 410 Gone (ListWatch does that) and, unlike ListWatch, also after any other
// error, with capped exponential back-off. `list()` never calls the API.
import {
  ListWatch,
  Watch,
  type KubeConfig,
  type KubernetesListObject,
  type KubernetesObject,
} from '@kubernetes/client-node';
import type { Cache } from './ports.ts';
import { wrap } from './errors.ts';

export interface WatchOptions<T extends KubernetesObject, U> {
  readonly kc: KubeConfig;
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
 * client-node's Watch ends a watch after 30 s without data and ListWatch reopens it: on a quiet
 * resource that is two requests a minute per agent. The API server itself ends watches after
 * 30-60 minutes; five minutes of silence still catches a dead connection well before that.
 */
export const WATCH_IDLE_MS = 5 * 60_000;

/** A Watch with the longer idle limit (the field is not public API: when it is missing, the default stays). */
function quietWatch(kc: KubeConfig): Watch {
  const watch = new Watch(kc);
  if ('requestTimeoutMs' in watch) Object.assign(watch, { requestTimeoutMs: WATCH_IDLE_MS });
  return watch;
}

/** `watch`, handing its callback each object of an ADDED/MODIFIED/DELETED event stripped (ERROR and BOOKMARK as they are). */
function strippingWatch<T>(watch: Watch, strip: (obj: T) => T): Watch {
  const inner = watch.watch.bind(watch);
  const wrapped: Watch['watch'] = (path, params, callback, done) =>
    inner(
      path,
      params,
      (phase: string, obj: unknown, raw?: unknown) =>
        callback(phase, phase === 'ADDED' || phase === 'MODIFIED' || phase === 'DELETED' ? strip(obj as T) : obj, raw),
      done,
    );
  return Object.assign(Object.create(watch) as Watch, { watch: wrapped });
}

/** `watch`, calling `onConnect` once a watch request was answered (the request did not end at once with an error). */
function connectingWatch(watch: Watch, onConnect: () => void): Watch {
  const inner = watch.watch.bind(watch);
  const wrapped: Watch['watch'] = async (path, params, callback, done) => {
    let ended = false;
    const controller = await inner(path, params, callback, (err: unknown) => {
      ended = true;
      done(err);
    });
    if (!ended) onConnect();
    return controller;
  };
  return Object.assign(Object.create(watch) as Watch, { watch: wrapped });
}

/**
 * Starts a watch; resolves once the first list has arrived, or rejects with a TransientError or
 * TerminalError if it cannot be listed.
 */
export async function watchCache<T extends KubernetesObject, U>(opts: WatchOptions<T, U>): Promise<Cache<U>> {
  const listeners = new Set<() => void>();
  let stopped = false;
  let backoffMs = 1_000;
  let timer: NodeJS.Timeout | undefined;
  let listed: ((err?: unknown) => void) | undefined;
  const firstList = new Promise<void>((resolve, reject) => {
    listed = (err) => (err === undefined ? resolve() : reject(wrap(opts.what, err)));
  });
  const list = async () => {
    const report = listed;
    listed = undefined;
    try {
      const listedResult = await opts.list();
      const strip = opts.strip;
      const result =
        strip === undefined ? listedResult : { ...listedResult, items: listedResult.items.map((o) => strip(o)) };
      // Resolve only after ListWatch has stored the items, which it does right after this returns.
      if (report) setImmediate(report);
      return result;
    } catch (err: unknown) {
      report?.(err);
      throw err;
    }
  };
  const stripped = opts.strip === undefined ? quietWatch(opts.kc) : strippingWatch(quietWatch(opts.kc), opts.strip);
  const informer = new ListWatch<T>(
    opts.path,
    opts.onConnect === undefined ? stripped : connectingWatch(stripped, opts.onConnect),
    list,
    false,
    opts.labelSelector,
    opts.fieldSelector,
  );
  // The mapped items, kept until the next change: an agent waiting for a slot lists every Node
  // at each decision, and decides again on every change of any of them. Each object is mapped once:
  // the informer replaces only the objects that changed, so a change of one of 5,000 Nodes maps one.
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
  if (opts.strip === undefined) {
    informer.on('add', notify);
    informer.on('update', notify);
    informer.on('delete', notify);
  } else {
    // What each kept object was, but for its resourceVersion (and apiVersion and kind, which watch
    // events carry and listed items do not), and the object itself (the informer holds it too).
    const seen = new Map<string, { fingerprint: string; object: T }>();
    const keyOf = (o: T) => `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
    const fingerprint = (o: T) =>
      JSON.stringify({
        ...o,
        apiVersion: undefined,
        kind: undefined,
        metadata: { ...o.metadata, resourceVersion: undefined },
      });
    informer.on('add', (o) => {
      seen.set(keyOf(o), { fingerprint: fingerprint(o), object: o });
      notify();
    });
    informer.on('update', (o) => {
      const key = keyOf(o);
      const now = fingerprint(o);
      mapped = undefined;
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
    });
    informer.on('delete', (o) => {
      seen.delete(keyOf(o));
      notify();
    });
  }
  informer.on('error', (err: unknown) => {
    mapped = undefined;
    if (stopped) return;
    opts.onError?.(wrap(opts.what, err));
    timer = setTimeout(() => {
      if (!stopped) informer.start().catch((e: unknown) => opts.onError?.(wrap(opts.what, e)));
    }, backoffMs);
    backoffMs = Math.min(backoffMs * 2, MAX_BACKOFF_MS);
  });
  const stop = () => {
    stopped = true;
    if (timer) clearTimeout(timer);
    listeners.clear();
    void informer.stop();
  };

  // The first list must succeed: callers need a complete view before they decide anything.
  void informer.start();
  try {
    await firstList;
  } catch (err: unknown) {
    stop();
    throw err;
  }
  return {
    list: () => (mapped ??= informer.list().map(mapOnce)),
    onChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    stop,
  };
}

/** The cache of objects `map` made something of: those it mapped to undefined are left out. */
export function definedOnly<U>(cache: Cache<U | undefined>): Cache<U> {
  return {
    list: () => cache.list().filter((u): u is U => u !== undefined),
    onChange: (l) => cache.onChange(l),
    stop: () => cache.stop(),
  };
}
