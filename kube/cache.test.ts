// The watch cache and the REST client on a loopback API server that answers from a script: a watch
// the server ends is opened again from the last version seen (a bookmark's included), 410 Gone lists
// again at once without an error, a list again tells only what changed, and a server that never
// answers fails a request at its deadline instead of hanging the step that made it.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TransientError } from '../policy/errors.ts';
import { startLoopback, type Loopback, type Reply } from '../test/helpers/loopback.ts';
import { KubeNodes } from './nodes.ts';
import { Rest } from './rest.ts';

const servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function node(resourceVersion: string, o: { unschedulable?: boolean; labels?: Record<string, string> } = {}) {
  return {
    metadata: { name: 'n1', uid: 'u1', resourceVersion, labels: o.labels ?? {} },
    spec: { unschedulable: o.unschedulable ?? false },
    status: { conditions: [{ type: 'Ready', status: 'True' }] },
  };
}

const list = (resourceVersion: string, items: unknown[]): Reply => ({
  status: 200,
  body: JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion }, items }),
});
const events = (...lines: unknown[]): Reply => ({
  status: 200,
  body: lines.map((l) => JSON.stringify(l)).join('\n') + '\n',
});

async function server(replies: Reply[]): Promise<Loopback> {
  const s = await startLoopback((i) => replies[i] ?? 'hang');
  servers.push(s);
  return s;
}

function rest(url: string, timeoutMs?: number): Rest {
  return new Rest({ server: url, prepare: () => undefined }, timeoutMs === undefined ? {} : { timeoutMs });
}

describe('watchCache on kube/rest.ts', () => {
  it('opens an ended watch again from the last version, and lists again after 410 Gone', async () => {
    const s = await server([
      list('10', [node('10')]),
      events(
        { type: 'MODIFIED', object: node('11', { unschedulable: true }) },
        { type: 'BOOKMARK', object: { metadata: { resourceVersion: '12' } } },
      ),
      events({ type: 'ERROR', object: { kind: 'Status', code: 410, reason: 'Expired', message: 'too old' } }),
      list('20', [node('20', { unschedulable: true, labels: { pool: 'a' } })]),
    ]);
    const errors: unknown[] = [];
    const cache = await new KubeNodes(rest(s.url), { onWatchError: (e) => errors.push(e) }).watchOne('n1');
    let told = 0;
    cache.onChange(() => void told++);
    try {
      await vi.waitFor(() => expect(s.requests).toHaveLength(5), { timeout: 5_000 });
      const query = (i: number) => new URL(s.requests[i]!.path, s.url).searchParams;
      expect(query(0).get('watch')).toBeNull();
      expect(query(0).get('fieldSelector')).toBe('metadata.name=n1');
      expect([1, 2, 4].map((i) => query(i).get('resourceVersion'))).toEqual(['10', '12', '20']);
      expect(query(1).get('allowWatchBookmarks')).toBe('true');
      expect(query(3).get('watch')).toBeNull();
      // The watch's change, then the list's: two, and nothing for the bookmark or the 410.
      expect(told).toBe(2);
      expect(cache.list()).toMatchObject([{ name: 'n1', unschedulable: true, labels: { pool: 'a' } }]);
      expect(errors).toEqual([]);
    } finally {
      cache.stop();
    }
  });

  it('reports a lost watch, lists again after the back-off, and tells the node it no longer has', async () => {
    const s = await server([
      list('10', [node('10')]),
      { status: 500, body: JSON.stringify({ kind: 'Status', code: 500, message: 'etcd is down' }) },
      list('30', []),
    ]);
    const errors: unknown[] = [];
    const cache = await new KubeNodes(rest(s.url), { onWatchError: (e) => errors.push(e) }).watchOne('n1');
    let told = 0;
    cache.onChange(() => void told++);
    try {
      await vi.waitFor(() => expect(told).toBe(1), { timeout: 5_000 });
      expect(cache.list()).toEqual([]);
      expect(errors).toHaveLength(1);
      expect(errors[0]).toBeInstanceOf(TransientError);
      expect((errors[0] as Error).message).toBe('watch node n1: etcd is down');
    } finally {
      cache.stop();
    }
  });
});

describe('Rest', () => {
  it('fails a request the server never answers at its deadline, as a TransientError of the step', async () => {
    const s = await server(['hang']);
    const started = Date.now();
    const failure = await new KubeNodes(rest(s.url, 300)).get('n1').then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toBe('read node n1: no answer within 300 ms');
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it('sends a merge patch with its content type and the precondition, and maps 409 to a lost race', async () => {
    const s = await server([{ status: 409, body: JSON.stringify({ kind: 'Status', code: 409, message: 'conflict' }) }]);
    const cordoned = await new KubeNodes(rest(s.url)).cordon('n1', { owner: 'agent', resourceVersion: '7' });
    expect(cordoned).toBe(false);
    const r = s.requests[0]!;
    expect(r.method).toBe('PATCH');
    expect(r.path).toBe('/api/v1/nodes/n1');
    expect(r.headers['content-type']).toBe('application/merge-patch+json');
    expect(JSON.parse(r.body)).toMatchObject({ metadata: { resourceVersion: '7' }, spec: { unschedulable: true } });
  });
});
