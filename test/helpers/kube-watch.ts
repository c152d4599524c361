// A test-side list + watch of one collection that reports every change with the object before and
// after it, for watchers that check transitions (a cordon undone, a phase entered). Reconnects from
// the last resourceVersion when a watch ends (client-node closes quiet watches after 30 s), and
// lists again (reporting the difference) after 410 Gone or any error.
import { Watch, type KubeConfig, type KubernetesListObject, type KubernetesObject } from '@kubernetes/client-node';

export type ChangeType = 'ADDED' | 'MODIFIED' | 'DELETED';

/** One change: `before` undefined for ADDED, `after` undefined for DELETED. */
export interface Change<T> {
  readonly type: ChangeType;
  readonly key: string;
  readonly before: T | undefined;
  readonly after: T | undefined;
  /** Part of the first list (the state when the watch started), not a change seen happening. */
  readonly initial: boolean;
}

export interface ListWatchOptions<T extends KubernetesObject> {
  readonly kc: KubeConfig;
  /** API path of the collection, e.g. /api/v1/nodes. */
  readonly path: string;
  readonly list: () => Promise<KubernetesListObject<T>>;
  readonly labelSelector?: string;
  readonly onChange: (change: Change<T>) => void;
  /** Told about watch errors (the watch recovers by itself). */
  readonly onError?: (err: unknown) => void;
}

export interface ObjectWatch<T> {
  /** The objects as last seen, by `namespace/name`. */
  readonly objects: ReadonlyMap<string, T>;
  stop(): void;
}

function keyOf(o: KubernetesObject): string {
  return `${o.metadata?.namespace ?? ''}/${o.metadata?.name ?? ''}`;
}

/** Lists, reports every object as an initial ADDED change, then watches until stopped. */
export async function listWatch<T extends KubernetesObject>(o: ListWatchOptions<T>): Promise<ObjectWatch<T>> {
  const objects = new Map<string, T>();
  const watch = new Watch(o.kc);
  let stopped = false;
  let resourceVersion = '';
  let request: AbortController | undefined;
  let retryTimer: NodeJS.Timeout | undefined;

  const relist = async (initial: boolean): Promise<void> => {
    const list = await o.list();
    const seen = new Set<string>();
    for (const item of list.items) {
      const key = keyOf(item);
      seen.add(key);
      const before = objects.get(key);
      objects.set(key, item);
      if (before?.metadata?.resourceVersion !== item.metadata?.resourceVersion)
        o.onChange({ type: before === undefined ? 'ADDED' : 'MODIFIED', key, before, after: item, initial });
    }
    for (const [key, before] of [...objects]) {
      if (seen.has(key)) continue;
      objects.delete(key);
      o.onChange({ type: 'DELETED', key, before, after: undefined, initial });
    }
    resourceVersion = list.metadata?.resourceVersion ?? '';
  };

  const onEvent = (type: string, obj: T): void => {
    if (type === 'BOOKMARK') {
      resourceVersion = obj.metadata?.resourceVersion ?? resourceVersion;
      return;
    }
    if (type === 'ERROR') {
      // 410 Gone: the resourceVersion is too old; list again when the watch ends.
      resourceVersion = '';
      return;
    }
    if (type !== 'ADDED' && type !== 'MODIFIED' && type !== 'DELETED') return;
    const key = keyOf(obj);
    const before = objects.get(key);
    if (type === 'DELETED') objects.delete(key);
    else objects.set(key, obj);
    resourceVersion = obj.metadata?.resourceVersion ?? resourceVersion;
    o.onChange({ type, key, before, after: type === 'DELETED' ? undefined : obj, initial: false });
  };

  const connect = async (): Promise<void> => {
    if (stopped) return;
    try {
      if (resourceVersion === '') await relist(false);
      if (stopped) return;
      const query = {
        resourceVersion,
        allowWatchBookmarks: true,
        ...(o.labelSelector !== undefined ? { labelSelector: o.labelSelector } : {}),
      };
      request = await watch.watch(o.path, query, onEvent, (err: unknown) => {
        request = undefined;
        if (stopped) return;
        const timedOut = err instanceof Error && err.name === 'TimeoutError';
        if (err && !timedOut) {
          o.onError?.(err);
          resourceVersion = '';
        }
        retryTimer = setTimeout(() => void connect(), err && !timedOut ? 500 : 0);
      });
    } catch (err: unknown) {
      if (stopped) return;
      o.onError?.(err);
      resourceVersion = '';
      retryTimer = setTimeout(() => void connect(), 500);
    }
  };

  await relist(true);
  await connect();
  return {
    objects,
    stop() {
      stopped = true;
      if (retryTimer) clearTimeout(retryTimer);
      request?.abort();
    },
  };
}
