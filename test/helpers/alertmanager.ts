// Test kit: Alertmanager's silences, with its rules for an update: an active silence keeps its id
// when only its end moves (same matchers and start); otherwise the old one is expired and a new id
// is given. `SilenceStore` holds them and records every write; `startAlertmanager` serves it on
// 127.0.0.1 as the v2 API (POST /api/v2/silences, GET to look); `FakeSilences` is the in-memory
// Silences port over the same store, for the fake-clock loop tests (both pass one contract suite).
import { randomUUID } from 'node:crypto';
import type { SilenceWrite, Silences } from '../../agent/ports.ts';
import { startLoopback, type Loopback } from './loopback.ts';

export interface StoredSilence extends Omit<SilenceWrite, 'id'> {
  readonly id: string;
  endsAtMs: number;
}

/** One accepted write: created (no id sent), updated (an id sent and kept) or replaced (a new id). */
export interface SilenceWriteLog {
  readonly kind: 'created' | 'updated' | 'replaced';
  readonly id: string;
  readonly atMs: number;
  readonly endsAtMs: number;
}

/** Alertmanager's refusal: HTTP status and message. */
export class Refused extends Error {
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.status = status;
  }
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

export class SilenceStore {
  readonly silences = new Map<string, StoredSilence>();
  readonly writes: SilenceWriteLog[] = [];
  #failing = 0;

  readonly now: () => number;
  constructor(now: () => number) {
    this.now = now;
  }

  /** The next `n` writes are refused with HTTP 503. */
  failNext(n: number): void {
    this.#failing = n;
  }

  /** Creates or updates; the id, or Refused. */
  put(w: SilenceWrite): string {
    if (this.#failing > 0) {
      this.#failing--;
      throw new Refused(503, 'unavailable');
    }
    if (w.matchers.length === 0) throw new Refused(400, 'at least one matcher');
    if (Number.isNaN(w.startsAtMs) || Number.isNaN(w.endsAtMs) || w.endsAtMs < w.startsAtMs)
      throw new Refused(400, 'start time must be before end time');
    const t = this.now();
    const prev = w.id === undefined ? undefined : this.silences.get(w.id);
    if (w.id !== undefined && prev === undefined) throw new Refused(404, `silence ${w.id} not found`);
    const active = prev !== undefined && prev.startsAtMs <= t && prev.endsAtMs > t;
    if (prev !== undefined && active && prev.startsAtMs === w.startsAtMs && same(prev.matchers, w.matchers)) {
      if (w.endsAtMs < t) throw new Refused(400, 'end time cannot be in the past');
      prev.endsAtMs = w.endsAtMs;
      this.writes.push({ kind: 'updated', id: prev.id, atMs: t, endsAtMs: w.endsAtMs });
      return prev.id;
    }
    if (prev !== undefined && prev.endsAtMs > t) prev.endsAtMs = t;
    const { id: _id, ...rest } = w;
    const created: StoredSilence = { ...rest, id: randomUUID() };
    this.silences.set(created.id, created);
    this.writes.push({
      kind: prev === undefined ? 'created' : 'replaced',
      id: created.id,
      atMs: t,
      endsAtMs: w.endsAtMs,
    });
    return created.id;
  }

  /** Alertmanager's state of a silence now. */
  state(s: StoredSilence): 'active' | 'pending' | 'expired' {
    const t = this.now();
    return s.endsAtMs <= t ? 'expired' : s.startsAtMs > t ? 'pending' : 'active';
  }
}

/** The in-memory Silences port over a store (a fake clock's `now`). */
export class FakeSilences implements Silences {
  readonly store: SilenceStore;
  constructor(store: SilenceStore) {
    this.store = store;
  }
  put(w: SilenceWrite): Promise<string> {
    try {
      return Promise.resolve(this.store.put(w));
    } catch (err: unknown) {
      return Promise.reject(err instanceof Error ? err : new Error(String(err)));
    }
  }
}

export interface FakeAlertmanager {
  readonly url: string;
  readonly store: SilenceStore;
  close(): Promise<void>;
}

/** Serves a store on 127.0.0.1 as Alertmanager's v2 silences API; `now` is its clock (real time by default). */
export async function startAlertmanager(now: () => number = Date.now): Promise<FakeAlertmanager> {
  const store = new SilenceStore(now);
  const server: Loopback = await startLoopback((_i, req) => {
    if (req.method === 'GET' && req.path === '/api/v2/silences') {
      const list = [...store.silences.values()].map((s) => ({
        ...s,
        startsAt: new Date(s.startsAtMs).toISOString(),
        endsAt: new Date(s.endsAtMs).toISOString(),
        status: { state: store.state(s) },
      }));
      return { status: 200, body: JSON.stringify(list) };
    }
    if (req.method !== 'POST' || req.path !== '/api/v2/silences') return { status: 404, body: 'not found' };
    try {
      const b = JSON.parse(req.body) as Record<string, unknown>;
      const id = store.put({
        ...(typeof b.id === 'string' && b.id !== '' ? { id: b.id } : {}),
        matchers: Array.isArray(b.matchers) ? (b.matchers as SilenceWrite['matchers']) : [],
        startsAtMs: Date.parse(String(b.startsAt)),
        endsAtMs: Date.parse(String(b.endsAt)),
        createdBy: String(b.createdBy),
        comment: String(b.comment),
      });
      return { status: 200, body: JSON.stringify({ silenceID: id }) };
    } catch (err: unknown) {
      if (err instanceof Refused) return { status: err.status, body: err.message };
      return { status: 400, body: 'body is not JSON' };
    }
  });
  return { url: server.url, store, close: () => server.close() };
}
