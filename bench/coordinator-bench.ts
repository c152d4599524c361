// The coordinator design's costs on a real control plane (issue 14): what a waiting agent receives
// as the fleet grows, what the coordinator holds and burns, and how fast a freed grant reaches the
// next node.
//
//   node bench/coordinator-bench.ts [N...] [--window SECONDS] [--agents A] [--until UNIX_SECONDS]
//   npm run bench -- coordinator                          # defaults: 20 200 1000 5000, 120 s, 10 agents
//   npm run bench -- coordinator -- 20 200 --window 60    # a subset (bench/run.ts passes what follows --)
//
// Agents and coordinator run compiled as in the image (tsc + the bundled worker, the DaemonSet's
// NODE_OPTIONS for the agents) at log level info, as rendered by default.
//
// Method (one control plane; the fleet grows from one N to the next):
//  - Policy `p` (budget 1): A (default 10) nodes with a real agent each, every one needing a reboot, plus one
//    node without an agent whose request is the oldest: the coordinator grants it first and, never
//    renewed, its grant stalls and holds the budget, so the A agents wait for a grant the whole time.
//  - Policy `bulk` (budget 1): the other N - 11 kwok nodes, each with a request written as an agent
//    writes it (its `acquiring` record); its first grant stalls the same way.
//  - Kubelet-rate status updates: every node of the cluster is written once per 300 s, spread evenly
//    (an annotation; a watch event carries the whole Node whichever field changed), paced by the
//    clock with up to 32 writes in flight; the rate reached is reported (statusWritesPerSecond).
//    The write of a `bulk` node also refreshes its request (renewedMs), as its agent would every
//    third of the grant TTL: one write per node per 5 min carries both. The agents' nodes are
//    spread evenly over the round, so a window shorter than 5 min sees the same share of them
//    written at every N.
//  - Per waiting agent, over the window: watch events of its own Node and its own grant Lease (the
//    bench watches exactly what the agent watches) and bytes the apiserver sent it (a loopback proxy
//    per agent counts them, TLS included, and the connections it opened), supervisor + worker RSS at the end, and supervisor +
//    worker CPU over the window.
//  - The coordinator: VmRSS at the end, CPU (utime + stime of /proc/PID/stat) over the window.
//  - The 1-minute load average at the start and the end of every window (2 cores: above 2, every
//    figure includes waiting for a core). The bench's own invariant watcher lists and watches the
//    Nodes of pool `a` (the agents' own) and runs on the same machine.
//  - Hand-off at the largest N: the stalled grant of `p` is freed and its request withdrawn; the A
//    agents reboot one after another; for each release while nodes wait, the time to the next grant
//    and to the next node's cordon, as the bench's watches see them.
import { CoreV1Api, PatchStrategy, setHeaderOptions, Watch, CoordinationV1Api } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { STATE_ANNOTATION } from '../policy/keys.ts';
import { buildCompiledCli, DAEMONSET_NODE_OPTIONS } from './compile.ts';
import { stableName } from '../policy/names.ts';
import { encodeState } from '../policy/state.ts';
import { proxyAgents } from '../test/helpers/agent-faults.ts';
import type { ApiProxy } from '../test/helpers/api-proxy.ts';
import { childPids } from '../test/helpers/agent-process.ts';
import { E2eFleet, POOL_LABEL } from '../test/helpers/e2e-fleet.ts';
import { startCluster, type Cluster } from '../test/testenv/cluster.ts';
import { waitFor } from '../test/testenv/wait.ts';
import { percentile } from './stats.ts';
import { startStatusWriter, type StatusWriter } from './status-writer.ts';

const argv = process.argv.slice(2);
const option = (name: string): string | undefined => {
  const at = argv.indexOf(name);
  return at >= 0 ? argv[at + 1] : undefined;
};
const windowSeconds = Number(option('--window') ?? 120);
/** --until UNIX_SECONDS: grow no further when less than 10 minutes are left (the hand-off still runs). */
const untilMs = option('--until') === undefined ? Infinity : Number(option('--until')) * 1_000;
const sizes = argv.filter((a, i) => !a.startsWith('--') && !argv[i - 1]?.startsWith('--')).map(Number);
const targets = sizes.length > 0 ? sizes : [20, 200, 1_000, 5_000];
const AGENTS = Number(option('--agents') ?? 10);
if (!Number.isInteger(AGENTS) || AGENTS < 1 || targets.some((n) => !Number.isInteger(n) || n < AGENTS + 1)) {
  process.stderr.write(
    'usage: node bench/coordinator-bench.ts [N...] [--window SECONDS] [--agents A] [--until UNIX_SECONDS] (each N > A)\n',
  );
  process.exit(2);
}
const HEARTBEAT_MS = 300_000;
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const log = (m: string): void => void process.stderr.write(`coordinator-bench: ${m}\n`);
const command = `node bench/coordinator-bench.ts ${targets.join(' ')} --window ${windowSeconds} --agents ${AGENTS}`;

function request(policy: string, sinceMs: number, nowMs: number): string {
  return encodeState({
    phase: 'acquiring',
    policy,
    attempt: 1,
    bootId: 'bench',
    cordoned: false,
    labels: {},
    startedMs: sinceMs,
    sinceMs,
    renewedMs: nowMs,
  });
}

/** Runs `fn` over `items`, `width` at a time. */
async function pooled<T>(items: readonly T[], width: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: width }, async () => {
      while (next < items.length) await fn(items[next++]!);
    }),
  );
}

/** `few` spread evenly among `many`: one of `few` before each equal share of `many`. */
function interleave(few: readonly string[], many: readonly string[]): string[] {
  const out: string[] = [];
  const share = many.length / few.length;
  few.forEach((name, i) => out.push(name, ...many.slice(Math.round(i * share), Math.round((i + 1) * share))));
  return out;
}

/** `call`, tried again a second later while it fails, for up to 10 s (testenv's waitFor). */
function again(what: string, call: () => Promise<unknown>): Promise<true> {
  return waitFor(what, async () => (await call(), true as const), { timeoutMs: 10_000, intervalMs: 1_000 });
}

async function kib(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1] ?? 0);
}

/** utime + stime of `pid`, in seconds. */
async function cpuSeconds(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

/**
 * Counts the events of one watch until stopped. client-node's Watch ends a watch after 30 s without
 * data, which undercounted every window longer than that (the figures before 2026-12-05 23:00 UTC):
 * this one has no idle limit, and a watch the API server ends is opened again from the last
 * resourceVersion seen (an error there, e.g. 410 Gone, fails the bench rather than miscount).
 */
async function countEvents(
  cluster: Cluster,
  path: string,
  fieldSelector: string,
): Promise<{ count: () => number; stop: () => void }> {
  let n = 0;
  let stopped = false;
  let resourceVersion: string | undefined;
  let req: AbortController | undefined;
  const open = async (): Promise<void> => {
    const watch = new Watch(cluster.kubeConfig());
    if (!('requestTimeoutMs' in watch)) throw new Error('client-node Watch has no requestTimeoutMs');
    Object.assign(watch, { requestTimeoutMs: 3_600_000 });
    const again = resourceVersion !== undefined;
    req = await watch.watch(
      path,
      { fieldSelector, ...(again ? { resourceVersion, allowWatchBookmarks: false } : {}) },
      (phase: string, obj: { metadata?: { resourceVersion?: string } }) => {
        if (phase === 'ERROR') throw new Error(`the counting watch of ${fieldSelector} failed: ${JSON.stringify(obj)}`);
        resourceVersion = obj.metadata?.resourceVersion ?? resourceVersion;
        n++;
      },
      (err: unknown) => {
        if (stopped) return;
        log(`the counting watch of ${fieldSelector} ended (${String(err)}); opening it again`);
        void open();
      },
    );
  };
  await open();
  return {
    count: () => n,
    stop: () => {
      stopped = true;
      req?.abort();
    },
  };
}

async function loadAverage(): Promise<string> {
  return (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
}

/** The supervisor of `pid` and its workers: RSS in KiB, CPU in seconds. */
async function agentUsage(pid: number): Promise<{ rssKiB: number; cpuSeconds: number }> {
  const pids = [pid, ...(await childPids(pid))];
  let rssKiB = 0;
  let cpu = 0;
  for (const p of pids) {
    rssKiB += await kib(p);
    cpu += await cpuSeconds(p).catch(() => 0);
  }
  return { rssKiB, cpuSeconds: cpu };
}

async function main(): Promise<void> {
  const bin = await buildCompiledCli('coordinator-bench-dist');
  // Simulated kubelets renew their Node Lease every 5 minutes instead of every 10 s: at 5,000 nodes
  // the 10 s renewals alone (500 writes/s) saturated two cores and the node lifecycle controller
  // marked thousands of nodes NotReady. The coordinator watches no Lease of kube-node-lease.
  const cluster = await startCluster({ log, nodeLeaseSeconds: 1_200 });
  // Stopped from outside: take the control plane down before exiting.
  process.once('SIGINT', () => void cluster.stop().finally(() => process.exit(130)));
  const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  let fleet: E2eFleet | undefined;
  let writer: StatusWriter | undefined;
  let proxies = new Map<string, ApiProxy>();
  try {
    const shorts = Array.from({ length: AGENTS }, (_, i) => `w${i}`);
    const f = await E2eFleet.create(cluster, {
      policies: [
        { name: 'p', pools: ['a'], maxUnavailable: 1 },
        { name: 'bulk', pools: ['bulk'], maxUnavailable: 1 },
      ],
      nodes: Object.fromEntries([...shorts, 'blk'].map((s) => [s, { pool: 'a' }])),
      // As rendered by default: log level info (the e2e fleet logs at debug); the sentinel is
      // watched, so the check interval does not matter here.
      fleetSpec: { agent: { logLevel: 'info' } },
      // The bench's invariant watcher follows the agents' pool only: watching every Node (as the
      // old design's agents did) cost this process more CPU than the coordinator and, at 5,000
      // nodes, more than 3.5 GiB of heap.
      watchPools: ['a'],
    });
    fleet = f;
    f.agentBin = bin;
    f.coordinatorBin = bin;
    proxies = await proxyAgents(f);
    const t0 = Date.now();
    await core.patchNode(
      {
        name: f.node('blk'),
        body: { metadata: { annotations: { [STATE_ANNOTATION]: request('p', t0 - 3_600_000, t0) } } },
      },
      MERGE_PATCH,
    );
    const coordinator = f.startCoordinator(['--log-level', 'info']);
    await f.until(
      'the oldest request granted',
      () => f.watcher.grants().some((g) => g.node === f.node('blk')),
      120_000,
    );
    // The agents run with the DaemonSet's NODE_OPTIONS (the coordinator's Deployment sets none).
    process.env.NODE_OPTIONS = DAEMONSET_NODE_OPTIONS;
    f.startAgents(shorts);
    await f.until(
      'every agent asking',
      () => shorts.every((s) => f.watcher.state(f.node(s))?.phase === 'acquiring'),
      300_000,
    );

    // Every node of the cluster written once per HEARTBEAT_MS; a bulk node's write refreshes its request.
    const own = f.nodes.map((s) => f.node(s));
    const bulk: string[] = [];
    const all: string[] = [...own];
    const bulkSince = new Map<string, number>();
    writer = startStatusWriter({
      names: all,
      periodMs: HEARTBEAT_MS,
      write: (name) => {
        const since = bulkSince.get(name);
        const annotations: Record<string, string> = { 'bench.patchwindow.dev/heartbeat': String(Date.now()) };
        if (since !== undefined) annotations[STATE_ANNOTATION] = request('bulk', since, Date.now());
        return core.patchNode({ name, body: { metadata: { annotations } } }, MERGE_PATCH);
      },
    });

    let made = f.nodes.length;
    for (const target of targets) {
      if (Date.now() > untilMs - 600_000) {
        log(`stopping at ${made} nodes: the time given (--until) is nearly over`);
        break;
      }
      const more = Math.max(0, target - made);
      const names = Array.from({ length: more }, (_, i) => `${f.id}-bulk-${made + i}`);
      log(`growing to ${target} nodes (+${more})`);
      // A few of thousands of calls meet a connection the API server closes (HTTP/2 GOAWAY): each is
      // retried (an AlreadyExists on a retried create means the first one went through).
      await pooled(names, 16, (name) =>
        again(`create node ${name}`, () =>
          cluster
            .createNodes([{ name, labels: { [POOL_LABEL]: f.pool('bulk') } }], { settle: false })
            .catch((err: unknown) => {
              if ((err as { code?: number }).code !== 409) throw err;
            }),
        ),
      );
      const now = Date.now();
      for (const name of names) bulkSince.set(name, now - 7_200_000);
      await pooled(names, 16, (name) =>
        again(`write the request of ${name}`, () =>
          core.patchNode(
            {
              name,
              body: { metadata: { annotations: { [STATE_ANNOTATION]: request('bulk', now - 7_200_000, now) } } },
            },
            MERGE_PATCH,
          ),
        ),
      );
      // The agents' nodes spread evenly over the writer's round, so that a window shorter than the
      // round sees the same share of them written at every N.
      bulk.push(...names);
      all.splice(0, all.length, ...interleave(own, bulk));
      made += more;
      log(`${made} nodes; settling 30 s`);
      await sleep(30_000);

      const watches = await Promise.all(
        shorts.flatMap((s) => [
          countEvents(cluster, '/api/v1/nodes', `metadata.name=${f.node(s)}`),
          countEvents(
            cluster,
            `/apis/coordination.k8s.io/v1/namespaces/${f.id}/leases`,
            `metadata.name=${stableName(['patchwindow', 'grant', f.node(s)])}`,
          ),
        ]),
      );
      // A watch opens with the object as it is (ADDED): counted from after that.
      await sleep(2_000);
      const events0 = watches.map((w) => w.count());
      const pid = coordinator.child.pid!;
      const agentPids = shorts.map((s) => f.agent(s)!.child.pid!);
      const bytes0 = shorts.map((s) => proxies.get(s)!.bytesToClient());
      const conns0 = shorts.map((s) => proxies.get(s)!.forwarded());
      const cpu0 = await cpuSeconds(pid);
      const agents0 = await Promise.all(agentPids.map(agentUsage));
      const writes0 = writer.done();
      const skipped0 = writer.skipped();
      const load0 = await loadAverage();
      await sleep(windowSeconds * 1_000);
      const cpu1 = await cpuSeconds(pid);
      const load1 = await loadAverage();
      const writes = writer.done() - writes0;
      const skipped = writer.skipped() - skipped0;
      const seen = watches.map((w, i) => w.count() - events0[i]!);
      const events = shorts.map((_, i) => seen[2 * i]! + seen[2 * i + 1]!);
      const bytes = shorts.map((s, i) => proxies.get(s)!.bytesToClient() - bytes0[i]!);
      const conns = shorts.map((s, i) => proxies.get(s)!.forwarded() - conns0[i]!);
      for (const w of watches) w.stop();
      const agents1 = await Promise.all(agentPids.map(agentUsage));
      const agentRss = agents1.map((u) => u.rssKiB);
      const agentCpuPerMin = agents1.map((u, i) => ((u.cpuSeconds - agents0[i]!.cpuSeconds) * 60) / windowSeconds);
      const waiting = shorts.filter((s) => f.watcher.state(f.node(s))?.phase === 'acquiring').length;
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      console.log(
        JSON.stringify({
          bench: 'coordinator-fleet',
          command,
          nodes: made,
          windowSeconds,
          waitingAgents: waiting,
          eventsPerAgentPerSecond: Number((mean(events) / windowSeconds).toFixed(4)),
          bytesPerAgentPerSecond: Math.round(mean(bytes) / windowSeconds),
          // New connections (each a TLS handshake with the server's certificates) per agent.
          connectionsPerAgentPerMinute: Number(((mean(conns) * 60) / windowSeconds).toFixed(2)),
          agentRssMiB: {
            median: Math.round((percentile(agentRss, 50) ?? 0) / 1024),
            max: Math.round(Math.max(...agentRss) / 1024),
          },
          agentCpuSecondsPerMinute: {
            median: Number((percentile(agentCpuPerMin, 50) ?? 0).toFixed(3)),
            max: Number(Math.max(...agentCpuPerMin).toFixed(3)),
          },
          coordinatorRssMiB: Math.round((await kib(pid)) / 1024),
          coordinatorCpuCores: Number(((cpu1 - cpu0) / windowSeconds).toFixed(4)),
          statusWritesPerSecond: {
            asked: Number((made / (HEARTBEAT_MS / 1_000)).toFixed(2)),
            made: Number((writes / windowSeconds).toFixed(2)),
            skippedAtCap: skipped,
          },
          loadAverage: { start: load0, end: load1 },
        }),
      );
    }

    // Hand-off: free the stalled grant of `p` and withdraw its request; the agents go one by one.
    const cordonedAt = new Map<string, number>();
    const nodeNames = new Set(shorts.map((s) => f.node(s)));
    const cordons = await new Watch(cluster.kubeConfig()).watch(
      '/api/v1/nodes',
      { labelSelector: `${POOL_LABEL}=${f.pool('a')}` },
      (_type: string, obj: { metadata?: { name?: string }; spec?: { unschedulable?: boolean } }) => {
        const name = obj.metadata?.name ?? '';
        if (nodeNames.has(name) && obj.spec?.unschedulable === true && !cordonedAt.has(name))
          cordonedAt.set(name, Date.now());
      },
      () => {},
    );
    const mark = f.watcher.grantEvents.length;
    await core.patchNode(
      { name: f.node('blk'), body: { metadata: { annotations: { [STATE_ANNOTATION]: null } } } },
      MERGE_PATCH,
    );
    await cluster
      .kubeConfig()
      .makeApiClient(CoordinationV1Api)
      .deleteNamespacedLease({ namespace: f.id, name: stableName(['patchwindow', 'grant', f.node('blk')]) });
    await f.until('every agent rebooted', () => shorts.every((s) => f.rebootedAndDone(s)), 1_800_000);
    cordons.abort();
    const evs = f.watcher.grantEvents.slice(mark);
    const toGrant: number[] = [];
    const toCordon: number[] = [];
    for (const r of evs.filter((e) => e.kind === 'released' && e.policy === 'p')) {
      const given = evs.find((e) => e.kind === 'given' && e.atMs >= r.atMs && e.policy === 'p');
      if (given === undefined) continue;
      toGrant.push(given.atMs - r.atMs);
      const c = cordonedAt.get(given.node);
      if (c !== undefined) toCordon.push(c - r.atMs);
    }
    const ms = (xs: number[], p: number) => {
      const v = percentile(xs, p);
      return v === null ? null : Math.round(v);
    };
    console.log(
      JSON.stringify({
        bench: 'coordinator-handoff',
        command,
        nodes: made,
        handoffs: toCordon.length,
        releaseToGrantMs: { median: ms(toGrant, 50), p95: ms(toGrant, 95), max: ms(toGrant, 100) },
        releaseToCordonMs: { median: ms(toCordon, 50), p95: ms(toCordon, 95), max: ms(toCordon, 100) },
        loadAverage: await loadAverage(),
      }),
    );
  } finally {
    writer?.stop();
    await fleet?.close();
    // The agents' loopback proxies keep the process alive until closed.
    await Promise.all([...proxies.values()].map((p) => p.close()));
    await cluster.stop();
  }
}

await main();
