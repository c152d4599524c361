// A min-heap of timed entries for the simulators' virtual clocks. Ties on time go to the lower
// tie-break key, then to the entry pushed first, so a simulation is deterministic and events of
// one instant keep their cause order.

interface Entry<T> {
  readonly atMs: number;
  readonly tie: number;
  readonly seq: number;
  readonly value: T;
}

/** Entries ordered by time, then by tie-break key (default 0), then by insertion. */
export class TimeQueue<T> {
  #heap: Entry<T>[] = [];
  #seq = 0;

  get size(): number {
    return this.#heap.length;
  }

  push(atMs: number, value: T, tie = 0): void {
    const heap = this.#heap;
    heap.push({ atMs, tie, seq: this.#seq++, value });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  /** Time of the earliest entry (Infinity when empty). */
  peekMs(): number {
    return this.#heap[0]?.atMs ?? Infinity;
  }

  /** Removes and returns the earliest entry. */
  pop(): { readonly atMs: number; readonly value: T } | undefined {
    const heap = this.#heap;
    const top = heap[0];
    if (top === undefined) return undefined;
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let m = i;
        if (l < heap.length && before(heap[l]!, heap[m]!)) m = l;
        if (r < heap.length && before(heap[r]!, heap[m]!)) m = r;
        if (m === i) break;
        [heap[i], heap[m]] = [heap[m]!, heap[i]!];
        i = m;
      }
    }
    return top;
  }
}

function before<T>(a: Entry<T>, b: Entry<T>): boolean {
  return a.atMs < b.atMs || (a.atMs === b.atMs && (a.tie < b.tie || (a.tie === b.tie && a.seq < b.seq)));
}
