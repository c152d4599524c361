// A loopback TCP proxy between one agent process and kube-apiserver, so a test can take that one
// agent's API access away while the node, the control plane and every other agent carry on (the
// agent's own network failing, not the cluster's). TLS passes through untouched: the proxy listens
// on 127.0.0.1 like the apiserver, so the serving certificate still matches.
//  - cut('reset'): every open connection is reset and new ones are closed at once (connection refused
//    quickly: the client sees errors);
//  - cut('blackhole'): open connections are reset and new ones are accepted but never answered
//    (a partition: the client waits for its own timeouts);
//  - restore(): new connections are forwarded again;
//  - hold() / release(): what the apiserver sends is kept back (not lost) until release(): a
//    stream that lags behind the cluster.
import { connect, createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { readFile, writeFile } from 'node:fs/promises';
import { parse, stringify } from 'yaml';

export type CutMode = 'reset' | 'blackhole';

export interface ApiProxy {
  /** https://127.0.0.1:<port>, to put into the agent's kubeconfig. */
  readonly url: string;
  /** Connections forwarded so far (accepted while open). */
  readonly forwarded: () => number;
  /** Connections refused or swallowed while cut. */
  readonly refused: () => number;
  /** Bytes the apiserver sent to the agent so far (TLS records as on the wire). */
  readonly bytesToClient: () => number;
  cut(mode?: CutMode): void;
  restore(): void;
  hold(): void;
  release(): void;
  readonly state: () => 'open' | CutMode;
  close(): Promise<void>;
}

/** Starts a proxy to `target` (the apiserver's https://127.0.0.1:<port>). */
export async function startApiProxy(target: string): Promise<ApiProxy> {
  const { hostname, port } = new URL(target);
  let state: 'open' | CutMode = 'open';
  let forwarded = 0;
  let refused = 0;
  let toClient = 0;
  const open = new Set<Socket>();
  const upstreams = new Set<Socket>();
  let holding = false;
  const track = (s: Socket): void => {
    open.add(s);
    s.on('close', () => open.delete(s));
    s.on('error', () => s.destroy());
  };
  const server: Server = createServer((client) => {
    track(client);
    if (state === 'reset') {
      refused++;
      client.resetAndDestroy();
      return;
    }
    if (state === 'blackhole') {
      refused++;
      client.pause(); // read nothing, answer nothing
      return;
    }
    forwarded++;
    const upstream = connect({ host: hostname, port: Number(port) });
    track(upstream);
    upstreams.add(upstream);
    upstream.on('close', () => upstreams.delete(upstream));
    if (holding) upstream.pause();
    client.pipe(upstream);
    upstream.pipe(client);
    upstream.on('data', (chunk: Buffer) => void (toClient += chunk.length));
    const end = (): void => {
      client.destroy();
      upstream.destroy();
    };
    client.on('close', end);
    upstream.on('close', end);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address() as AddressInfo;
  const resetAll = (): void => {
    for (const s of [...open]) s.resetAndDestroy();
  };
  return {
    url: `https://127.0.0.1:${address.port}`,
    forwarded: () => forwarded,
    refused: () => refused,
    bytesToClient: () => toClient,
    state: () => state,
    cut(mode = 'reset') {
      state = mode;
      resetAll();
    },
    restore() {
      state = 'open';
      // Connections swallowed by a blackhole stay dead: the client gives up on them by its own timeouts.
      resetAll();
    },
    hold() {
      holding = true;
      for (const s of upstreams) s.pause();
    },
    release() {
      holding = false;
      for (const s of upstreams) s.resume();
    },
    close: () =>
      new Promise((resolve) => {
        resetAll();
        server.close(() => resolve());
      }),
  };
}

/** Writes a copy of kubeconfig `from` to `to` whose every cluster points at `server`. */
export async function retargetKubeconfig(from: string, to: string, server: string): Promise<string> {
  const doc = parse(await readFile(from, 'utf8')) as { clusters: { cluster: { server: string } }[] };
  for (const c of doc.clusters) c.cluster.server = server;
  await writeFile(to, stringify(doc), { mode: 0o600 });
  return to;
}
