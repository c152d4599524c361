// Test kit: a real HTTP server on 127.0.0.1 speaking the part of Alertmanager's v2 API that the
// agent's silences use (POST /api/v2/silences; GET /api/v2/silences to look), with Alertmanager's
// rules for an update: an active silence keeps its id when only its end moves (same matchers and
// start); otherwise the old one is expired and a new id is given. It records every write.
import { randomUUID } from 'node:crypto';
import { startLoopback, type Loopback } from './loopback.ts';

export interface StoredSilence {
  readonly id: string;
  readonly matchers: readonly { name: string; value: string; isRegex: boolean; isEqual: boolean }[];
  readonly startsAtMs: number;
  endsAtMs: number;
  readonly createdBy: string;
  readonly comment: string;
}

/** One accepted write: created (no id sent), updated (an id sent and kept) or replaced (a new id). */
export interface SilenceWriteLog {
  readonly kind: 'created' | 'updated' | 'replaced';
  readonly id: string;
  readonly atMs: number;
  readonly endsAtMs: number;
}

export interface FakeAlertmanager {
  readonly url: string;
  readonly silences: Map<string, StoredSilence>;
  readonly writes: SilenceWriteLog[];
  /** The next `n` writes are answered with HTTP 503. */
  failNext(n: number): void;
  close(): Promise<void>;
}

const same = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Starts the server; `now` is the server's clock (real time by default). */
export async function startAlertmanager(now: () => number = Date.now): Promise<FakeAlertmanager> {
  const silences = new Map<string, StoredSilence>();
  const writes: SilenceWriteLog[] = [];
  let failing = 0;
  const server: Loopback = await startLoopback((_i, req) => {
    if (req.method === 'GET' && req.path === '/api/v2/silences') {
      const list = [...silences.values()].map((s) => ({
        id: s.id,
        matchers: s.matchers,
        startsAt: new Date(s.startsAtMs).toISOString(),
        endsAt: new Date(s.endsAtMs).toISOString(),
        createdBy: s.createdBy,
        comment: s.comment,
        status: { state: s.endsAtMs <= now() ? 'expired' : s.startsAtMs > now() ? 'pending' : 'active' },
      }));
      return { status: 200, body: JSON.stringify(list) };
    }
    if (req.method !== 'POST' || req.path !== '/api/v2/silences') return { status: 404, body: 'not found' };
    if (failing > 0) {
      failing--;
      return { status: 503, body: 'unavailable' };
    }
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(req.body) as Record<string, unknown>;
    } catch {
      return { status: 400, body: '"body is not JSON"' };
    }
    const startsAtMs = Date.parse(String(body.startsAt));
    const endsAtMs = Date.parse(String(body.endsAt));
    const matchers = body.matchers as StoredSilence['matchers'];
    if (!Array.isArray(matchers) || matchers.length === 0) return { status: 400, body: '"at least one matcher"' };
    if (Number.isNaN(startsAtMs) || Number.isNaN(endsAtMs) || endsAtMs < startsAtMs)
      return { status: 400, body: '"start time must be before end time"' };
    const t = now();
    const id = typeof body.id === 'string' && body.id !== '' ? body.id : undefined;
    const prev = id === undefined ? undefined : silences.get(id);
    if (id !== undefined && prev === undefined) return { status: 404, body: `"silence ${id} not found"` };
    const active = prev !== undefined && prev.startsAtMs <= t && prev.endsAtMs > t;
    if (prev !== undefined && active && prev.startsAtMs === startsAtMs && same(prev.matchers, matchers)) {
      if (endsAtMs < t) return { status: 400, body: '"end time cannot be in the past"' };
      prev.endsAtMs = endsAtMs;
      writes.push({ kind: 'updated', id: prev.id, atMs: t, endsAtMs });
      return { status: 200, body: JSON.stringify({ silenceID: prev.id }) };
    }
    if (prev !== undefined && prev.endsAtMs > t) prev.endsAtMs = t;
    const created: StoredSilence = {
      id: randomUUID(),
      matchers,
      startsAtMs,
      endsAtMs,
      createdBy: String(body.createdBy),
      comment: String(body.comment),
    };
    silences.set(created.id, created);
    writes.push({ kind: prev === undefined ? 'created' : 'replaced', id: created.id, atMs: t, endsAtMs });
    return { status: 200, body: JSON.stringify({ silenceID: created.id }) };
  });
  return {
    url: server.url,
    silences,
    writes,
    failNext: (n) => {
      failing = n;
    },
    close: () => server.close(),
  };
}
