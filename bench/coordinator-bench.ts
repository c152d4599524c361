// The coordinator design's costs on a real control plane (issue 14): what a waiting agent receives
// as the fleet grows, what the coordinator holds and burns, and how fast a freed grant reaches the
// next node. `node bench/coordinator-bench.ts [N...] [--window SECONDS]` (default 20 200 1000 5000,
// 120 s); `npm run bench -- coordinator` runs it with the defaults.
//
// Method (one control plane; the fleet grows from one N to the next):
//  - Policy `p` (budget 1): 10 nodes with a real agent each, every one needing a reboot, plus one
//    node without an agent whose request is the oldest: the coordinator grants it first and, never
//    renewed, its grant stalls and holds the budget, so the 10 agents wait for a grant the whole time.
//  - Policy `bulk` (budget 1): the other N - 11 kwok nodes, each with a request written as an agent
//    writes it (its `acquiring` record); its first grant stalls the same way.
//  - Kubelet-rate status updates: every node of the cluster is written once per 300 s, spread evenly
//    (an annotation; a watch event carries the whole Node whichever field changed).
//  - Per waiting agent, over the window: watch events of its own Node and its own grant Lease (the
//    bench watches exactly what the agent watches) and bytes the apiserver sent it (a loopback proxy
//    per agent counts them, TLS included), and supervisor + worker RSS at the end.
//  - The coordinator: VmRSS at the end, CPU (utime + stime of /proc/PID/stat) over the window.
//  - Hand-off at the largest N: the stalled grant of `p` is freed and its request withdrawn; the 10
//    agents reboot one after another; for each release while nodes wait, the time to the next grant
//    and to the next node's cordon, as the bench's watches see them.
import { CoreV1Api, PatchStrategy, setHeaderOptions, Watch, CoordinationV1Api } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { STATE_ANNOTATION } from '../policy/keys.ts';
import { stableName } from '../policy/names.ts';
import { encodeState } from '../policy/state.ts';
import { proxyAgents } from '../test/helpers/agent-faults.ts';
import { childPids } from '../test/helpers/agent-process.ts';
import { E2eFleet, POOL_LABEL } from '../test/helpers/e2e-fleet.ts';
import { startCluster, type Cluster } from '../test/testenv/cluster.ts';
import { percentile } from './stats.ts';

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
const AGENTS = 10;
const HEARTBEAT_MS = 300_000;
const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);
const log = (m: string): void => void process.stderr.write(`coordinator-bench: ${m}\n`);
const command = `node bench/coordinator-bench.ts ${targets.join(' ')} --window ${windowSeconds}`;

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

/** Counts the events of one watch until stopped. */
async function countEvents(
  cluster: Cluster,
  path: string,
  fieldSelector: string,
): Promise<{ count: () => number; stop: () => void }> {
  let n = 0;
  const req = await new Watch(cluster.kubeConfig()).watch(
    path,
    { fieldSelector },
    () => void n++,
    () => {},
  );
  return { count: () => n, stop: () => req.abort() };
}

async function main(): Promise<void> {
  const cluster = await startCluster({ log });
  // Stopped from outside: take the control plane down before exiting.
  process.once('SIGINT', () => void cluster.stop().finally(() => process.exit(130)));
  const core = cluster.kubeConfig().makeApiClient(CoreV1Api);
  let fleet: E2eFleet | undefined;
  const stopHeartbeats = new AbortController();
  try {
    const shorts = Array.from({ length: AGENTS }, (_, i) => `w${i}`);
    const f = await E2eFleet.create(cluster, {
      policies: [
        { name: 'p', pools: ['a'], maxUnavailable: 1 },
        { name: 'bulk', pools: ['bulk'], maxUnavailable: 1 },
      ],
      nodes: Object.fromEntries([...shorts, 'blk'].map((s) => [s, { pool: 'a' }])),
    });
    fleet = f;
    const proxies = await proxyAgents(f);
    const t0 = Date.now();
    await core.patchNode(
      {
        name: f.node('blk'),
        body: { metadata: { annotations: { [STATE_ANNOTATION]: request('p', t0 - 3_600_000, t0) } } },
      },
      MERGE_PATCH,
    );
    const coordinator = f.startCoordinator();
    await f.until(
      'the oldest request granted',
      () => f.watcher.grants().some((g) => g.node === f.node('blk')),
      120_000,
    );
    f.startAgents(shorts);
    await f.until(
      'every agent asking',
      () => shorts.every((s) => f.watcher.state(f.node(s))?.phase === 'acquiring'),
      300_000,
    );

    // Every node of the cluster written once per HEARTBEAT_MS, spread evenly.
    const all: string[] = [...f.nodes.map((s) => f.node(s))];
    void (async () => {
      for (let i = 0; !stopHeartbeats.signal.aborted; i++) {
        const name = all[i % all.length]!;
        await core
          .patchNode(
            { name, body: { metadata: { annotations: { 'bench.patchwindow.dev/heartbeat': String(Date.now()) } } } },
            MERGE_PATCH,
          )
          .catch(() => undefined);
        await sleep(HEARTBEAT_MS / all.length, undefined, { signal: stopHeartbeats.signal }).catch(() => undefined);
      }
    })();

    let made = f.nodes.length;
    for (const target of targets) {
      if (Date.now() > untilMs - 600_000) {
        log(`stopping at ${made} nodes: the time given (--until) is nearly over`);
        break;
      }
      const more = Math.max(0, target - made);
      const names = Array.from({ length: more }, (_, i) => `${f.id}-bulk-${made + i}`);
      log(`growing to ${target} nodes (+${more})`);
      for (let i = 0; i < names.length; i += 250) {
        await cluster.createNodes(
          names.slice(i, i + 250).map((name) => ({ name, labels: { [POOL_LABEL]: f.pool('bulk') } })),
          { settle: false },
        );
      }
      const now = Date.now();
      await pooled(names, 16, (name) =>
        core.patchNode(
          { name, body: { metadata: { annotations: { [STATE_ANNOTATION]: request('bulk', now - 7_200_000, now) } } } },
          MERGE_PATCH,
        ),
      );
      all.push(...names);
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
      const bytes0 = shorts.map((s) => proxies.get(s)!.bytesToClient());
      const cpu0 = await cpuSeconds(pid);
      const load0 = (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' ');
      await sleep(windowSeconds * 1_000);
      const cpu1 = await cpuSeconds(pid);
      const seen = watches.map((w, i) => w.count() - events0[i]!);
      const events = shorts.map((_, i) => seen[2 * i]! + seen[2 * i + 1]!);
      const bytes = shorts.map((s, i) => proxies.get(s)!.bytesToClient() - bytes0[i]!);
      for (const w of watches) w.stop();
      const agentRss = await Promise.all(
        shorts.map(async (s) => {
          const sup = f.agent(s)!.child.pid!;
          const kids = await childPids(sup);
          return (await kib(sup)) + (await Promise.all(kids.map(kib))).reduce((a, b) => a + b, 0);
        }),
      );
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
          agentRssMiB: {
            median: Math.round((percentile(agentRss, 50) ?? 0) / 1024),
            max: Math.round(Math.max(...agentRss) / 1024),
          },
          coordinatorRssMiB: Math.round((await kib(pid)) / 1024),
          coordinatorCpuCores: Number(((cpu1 - cpu0) / windowSeconds).toFixed(4)),
          loadAverage: load0,
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
        loadAverage: (await readFile('/proc/loadavg', 'utf8')).split(' ').slice(0, 3).join(' '),
      }),
    );
  } finally {
    stopHeartbeats.abort();
    await fleet?.close();
    await cluster.stop();
  }
}

await main();
