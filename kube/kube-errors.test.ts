// The Kubernetes adapters' failure paths against a loopback HTTP server playing a hostile API
// server (or a closed port playing an unreachable one): what callers get must be the project's
// error classes with the API's reason, never client-node's multi-line dump.
import { afterEach, describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../policy/errors.ts';
import { closedPort, startLoopback, type Loopback, type Reply } from '../test/helpers/loopback.ts';
import { KubeEvents } from './events.ts';
import { Rest } from './rest.ts';
import { KubeNodes } from './nodes.ts';

const servers: Loopback[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function kubeConfig(server: string): Rest {
  return new Rest({
    server,
    prepare(request) {
      request.headers = { ...request.headers, Authorization: 'Bearer test-token' };
    },
  });
}

async function apiServer(reply: (index: number, path: string) => Reply): Promise<Loopback> {
  const server = await startLoopback((i, request) => reply(i, request.path));
  servers.push(server);
  return server;
}

function forbiddenBy(message: string): Reply {
  return {
    status: 403,
    body: JSON.stringify({
      kind: 'Status',
      apiVersion: 'v1',
      status: 'Failure',
      reason: 'Forbidden',
      code: 403,
      message,
    }),
  };
}
const forbidden = forbiddenBy('nodes is forbidden: User "agent" cannot list resource "nodes"');

describe('watchCache', () => {
  it('rejects a forbidden first list with a TerminalError naming the watch and the API message', async () => {
    const server = await apiServer(() => forbidden);
    const failure = await new KubeNodes(kubeConfig(server.url)).watchAll().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(TerminalError);
    expect((failure as Error).message).toBe(
      'watch nodes: nodes is forbidden: User "agent" cannot list resource "nodes"',
    );
  });

  it('reports a forbidden watch after a good list to onError as a TerminalError', async () => {
    const errors: unknown[] = [];
    let reported: () => void = () => undefined;
    const firstError = new Promise<void>((resolve) => (reported = resolve));
    const server = await apiServer((_, path) =>
      path.includes('watch=true')
        ? forbidden
        : {
            status: 200,
            body: JSON.stringify({ kind: 'NodeList', apiVersion: 'v1', metadata: { resourceVersion: '7' }, items: [] }),
          },
    );
    const nodes = new KubeNodes(kubeConfig(server.url), {
      onWatchError: (err) => {
        errors.push(err);
        reported();
      },
    });
    const cache = await nodes.watchOne('n1');
    try {
      await firstError;
      expect(errors[0]).toBeInstanceOf(TerminalError);
      expect((errors[0] as Error).message).toBe(
        'watch node n1: nodes is forbidden: User "agent" cannot list resource "nodes"',
      );
    } finally {
      cache.stop();
    }
  });

  it('rejects an unreachable API server with a TransientError', async () => {
    const port = await closedPort();
    const failure = await new KubeNodes(kubeConfig(`http://127.0.0.1:${port}`)).watchAll().then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(failure).toBeInstanceOf(TransientError);
    expect((failure as Error).message).toMatch(/^watch nodes: /);
  });
});

describe('KubeEvents', () => {
  it('never throws: an unreachable API server resolves record and reports the reason and node', async () => {
    const port = await closedPort();
    const messages: string[] = [];
    const events = new KubeEvents(kubeConfig(`http://127.0.0.1:${port}`), { onError: (m) => messages.push(m) });
    await expect(
      events.record('aks-gpu-10', { type: 'Normal', reason: 'PatchwindowDrain', message: 'draining' }),
    ).resolves.toBeUndefined();
    expect(messages).toHaveLength(1);
    expect(messages[0]).toMatch(/^event PatchwindowDrain on node aks-gpu-10 not recorded: /);
    expect(messages[0]).not.toContain('\n');
  });

  it('reports the API server message, not the client dump, when an event is refused', async () => {
    const server = await apiServer(() =>
      forbiddenBy('events is forbidden: User "agent" cannot create resource "events"'),
    );
    const messages: string[] = [];
    const events = new KubeEvents(kubeConfig(server.url), { onError: (m) => messages.push(m) });
    await events.record('n1', { type: 'Warning', reason: 'PatchwindowFailed', message: 'boom' });
    expect(messages).toEqual([
      'event PatchwindowFailed on node n1 not recorded: events is forbidden: User "agent" cannot create resource "events"',
    ]);
  });
});
