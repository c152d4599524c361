// POST /sync is guarded by the webhook secret, over real HTTP on loopback: GitHub's HMAC signature
// and GitLab's token, a bare 401 for everything else, and a forwarding follower keeps the check.
import { createHmac } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { forwardSync, FORWARDED_HEADER, SYNC_URL_ANNOTATION, type SyncReply, type SyncRequest } from './forward.ts';
import { reconcilerHttpServer, type ReconcilerHttpServer } from './http.ts';
import { createReconcilerMetrics } from './metrics.ts';
import { sameSecret, type WebhookGuard } from './webhook-auth.ts';

const SECRET = 'webhook-s3cret';
const servers: ReconcilerHttpServer[] = [];
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close();
});

interface Served {
  readonly base: string;
  readonly received: SyncRequest[];
  readonly refusals: string[];
}

async function serve(guard: WebhookGuard, sync?: (r: SyncRequest) => Promise<SyncReply>): Promise<Served> {
  const received: SyncRequest[] = [];
  const refusals: string[] = [];
  const server = reconcilerHttpServer({
    registry: createReconcilerMetrics({ processMetrics: false }).registry,
    live: () => ({ ok: true }),
    ready: () => ({ ok: true }),
    guard,
    refused: (why) => refusals.push(why),
    sync: (r) => {
      received.push(r);
      return sync ? sync(r) : Promise.resolve({ status: 202, body: { cycle: 'started' } });
    },
  });
  servers.push(server);
  return { base: `http://127.0.0.1:${await server.listen(0, '127.0.0.1')}`, received, refusals };
}

const withSecret: WebhookGuard = { kind: 'secret', secret: () => Promise.resolve(Buffer.from(SECRET)) };
const sign = (body: string, secret = SECRET) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
const push = JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40) });

async function post(base: string, body: string, headers: Record<string, string> = {}): Promise<[number, unknown]> {
  const res = await fetch(`${base}/sync`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', ...headers },
  });
  return [res.status, await res.json()];
}

describe('POST /sync with a webhook secret', () => {
  it("runs a cycle for GitHub's valid X-Hub-Signature-256 and passes body and proof on", async () => {
    const s = await serve(withSecret);
    expect(await post(s.base, push, { 'x-hub-signature-256': sign(push) })).toEqual([202, { cycle: 'started' }]);
    expect(s.received).toHaveLength(1);
    expect(s.received[0]!.body.toString()).toBe(push);
    expect(s.received[0]!.headers['x-hub-signature-256']).toBe(sign(push));
  });

  it("runs a cycle for GitLab's X-Gitlab-Token", async () => {
    const s = await serve(withSecret);
    expect(await post(s.base, push, { 'x-gitlab-token': SECRET })).toEqual([202, { cycle: 'started' }]);
  });

  it('answers a bare 401 to a missing, wrong, truncated or replayed proof, and logs why', async () => {
    const s = await serve(withSecret);
    const other = JSON.stringify({ ref: 'refs/heads/main', after: 'b'.repeat(40) });
    const cases: Record<string, string>[] = [
      {},
      { 'x-hub-signature-256': sign(push, 'guessed') },
      { 'x-hub-signature-256': sign(push).slice(0, 20) },
      { 'x-hub-signature-256': 'sha256=' },
      { 'x-gitlab-token': 'webhook-s3cre' },
      { 'x-gitlab-token': `${SECRET}x` },
    ];
    for (const headers of cases) expect(await post(s.base, push, headers)).toEqual([401, { error: 'unauthorized' }]);
    // A captured request replayed with another body keeps a signature that no longer matches.
    expect(await post(s.base, other, { 'x-hub-signature-256': sign(push) })).toEqual([401, { error: 'unauthorized' }]);
    expect(s.received).toHaveLength(0);
    expect(s.refusals[0]).toContain('no X-Hub-Signature-256 or X-Gitlab-Token');
    expect(s.refusals[1]).toContain('x-hub-signature-256 does not match');
  });

  it('does not let the forwarded marker stand in for the proof', async () => {
    const s = await serve(withSecret);
    expect(await post(s.base, push, { [FORWARDED_HEADER]: '1' })).toEqual([401, { error: 'unauthorized' }]);
  });

  it('refuses everything when no secret is configured and openness was not chosen; open only when chosen', async () => {
    const closed = await serve({ kind: 'closed' });
    expect(await post(closed.base, push, { 'x-hub-signature-256': sign(push) })).toEqual([
      401,
      { error: 'unauthorized' },
    ]);
    expect(closed.refusals[0]).toContain('--webhook-unauthenticated');
    const open = await serve({ kind: 'open' });
    expect(await post(open.base, push)).toEqual([202, { cycle: 'started' }]);
  });

  it('refuses when the secret cannot be read, saying why only in the log', async () => {
    const s = await serve({ kind: 'secret', secret: () => Promise.reject(new Error('ENOENT')) });
    expect(await post(s.base, push, { 'x-gitlab-token': SECRET })).toEqual([401, { error: 'unauthorized' }]);
    expect(s.refusals).toEqual(['the webhook secret cannot be read: ENOENT']);
  });
});

describe('a follower forwarding /sync', () => {
  it('passes the body and the proof on, and the leader checks them again', async () => {
    const leader = await serve(withSecret);
    const holder = { identity: 'leader-0', annotations: { [SYNC_URL_ANNOTATION]: `${leader.base}/sync` } };
    const follower = await serve(withSecret, (r) => forwardSync(holder, r));
    expect(await post(follower.base, push, { 'x-hub-signature-256': sign(push) })).toEqual([
      202,
      { cycle: 'started', leader: 'leader-0' },
    ]);
    expect(leader.received.map((r) => [r.forwarded, r.body.toString()])).toEqual([[true, push]]);
    // Whoever reaches the leader's address directly with a forged marker gets no further.
    expect(
      await post(leader.base, push, { [FORWARDED_HEADER]: '1', 'x-hub-signature-256': sign(push, 'guessed') }),
    ).toEqual([401, { error: 'unauthorized' }]);
    expect(leader.received).toHaveLength(1);
  });

  it('is checked by the leader even when the follower is open', async () => {
    const leader = await serve(withSecret);
    const holder = { identity: 'leader-0', annotations: { [SYNC_URL_ANNOTATION]: `${leader.base}/sync` } };
    const follower = await serve({ kind: 'open' }, (r) => forwardSync(holder, r));
    const [status, body] = await post(follower.base, push);
    expect([status, body]).toEqual([401, { error: 'unauthorized', leader: 'leader-0' }]);
  });
});

describe('sameSecret', () => {
  it('compares contents of any lengths without throwing', () => {
    expect(sameSecret('abc', 'abc')).toBe(true);
    expect(sameSecret('abc', 'abd')).toBe(false);
    expect(sameSecret('abc', 'abcd')).toBe(false);
    expect(sameSecret('', Buffer.alloc(1000))).toBe(false);
  });
});
