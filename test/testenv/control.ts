// Test files run in vitest workers, the shared cluster's processes belong to the global setup. A
// loopback HTTP endpoint of the global setup lets a test crash and restart kube-apiserver of that
// one cluster (same port, same etcd), so fault scenarios need no control plane of their own.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ControlTarget {
  restartApiserver(opts: { downMs?: number }): Promise<{ downMs: number }>;
}

/** Serves POST /restart-apiserver?downMs=N on 127.0.0.1; resolves with its URL and a close(). */
export async function serveControl(target: ControlTarget): Promise<{ url: string; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (req.method !== 'POST' || url.pathname !== '/restart-apiserver') {
      res.writeHead(404).end('testenv control: only POST /restart-apiserver?downMs=N\n');
      return;
    }
    const downMs = Number(url.searchParams.get('downMs') ?? '0');
    target.restartApiserver({ downMs }).then(
      (r) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(r)),
      (err: unknown) => res.writeHead(500).end(err instanceof Error ? err.message : String(err)),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

/** Asks the global setup at `controlUrl` to restart kube-apiserver; resolves once it is ready again. */
export async function requestApiserverRestart(controlUrl: string, downMs: number): Promise<{ downMs: number }> {
  const res = await fetch(`${controlUrl}/restart-apiserver?downMs=${downMs}`, { method: 'POST' });
  const body = await res.text();
  if (res.status !== 200) throw new Error(`testenv: restarting kube-apiserver failed (${res.status}): ${body}`);
  return JSON.parse(body) as { downMs: number };
}
