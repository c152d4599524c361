// A watch cache over an in-memory source: `list()` reads the source as it is now, listeners hear
// about changes one microtask later (like a watch event arriving after the write returned).
import type { Cache } from '../../kube/ports.ts';

export class Topic {
  #listeners = new Set<() => void>();

  subscribe(listener: () => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  publish(): void {
    if (this.#listeners.size === 0) return;
    queueMicrotask(() => {
      for (const l of [...this.#listeners]) l();
    });
  }
}

export function fakeCache<T>(list: () => readonly T[], topic: Topic, alive: () => boolean = () => true): Cache<T> {
  const offs = new Set<() => void>();
  let stopped = false;
  return {
    list: () => (stopped ? [] : list()),
    onChange(listener) {
      const off = topic.subscribe(() => {
        if (!stopped && alive()) listener();
      });
      offs.add(off);
      return () => {
        off();
        offs.delete(off);
      };
    },
    stop() {
      stopped = true;
      for (const off of offs) off();
      offs.clear();
    },
  };
}
