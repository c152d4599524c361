// Real agents on a real control plane (test/testenv, kwok nodes): what an idle fleet of agents costs
// the API server, what a rollout costs, how fast a freed slot is taken, and how much memory an agent
// process holds. `node bench/cluster-bench.ts [NODES] [IDLE_SECONDS]` (default 20 nodes, 60 s).
//
// Method:
//  - Two policies, half the nodes each: `alpha` with maxUnavailable 2, `beta` with "30%". One real
//    `patchwindow agent` process per node, hosts simulated as in the e2e scenarios
//    (test/helpers/e2e-fleet.ts: reboot = agent killed, node NotReady, new boot id, agent started,
//    node Ready; drain poll 2 s as in production).
//  - API requests: deltas of kube-apiserver's apiserver_request_total by verb and resource. That
//    counter has no client label and kwok, the controller manager and the scheduler talk to the same
//    API server, so the agents' share is the delta with agents minus the delta of an equally long
//    window just before, with the same nodes and no agents (the baseline). A watch that ends and is
//    opened again counts as one WATCH request (the agent ends a watch that saw nothing for 5 minutes).
//    Cross-check: APF's apiserver_flowcontrol_dispatched_requests_total of flow schema
//    "service-accounts" counts the agents' requests alone (every other client here is system:masters).
//  - Slot hand-off: for each slot group, each time a slot Lease is released while nodes wait, the
//    time until the next Lease of that group is taken, both as the bench's own Lease watch receives them.
//  - Memory: VmRSS of every agent process after the idle window, against a bare
//    `node -e 'setInterval(()=>{},1e9)'` of the same Node binary. The image runs the compiled
//    dist/ (Dockerfile), so the agents measured idle and during the rollout run a build of
//    tsconfig.build.json (into .cache/, not dist/); the RSS of agents running the TypeScript sources
//    through Node's type stripping (as the tests do) is given too.
import { spawn, spawnSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { E2eFleet } from '../test/helpers/e2e-fleet.ts';
import { startCluster, type Cluster } from '../test/testenv/cluster.ts';
import type { Sample } from '../test/testenv/metrics.ts';

const nodeCount = Number(process.argv[2] ?? 20);
const idleSeconds = Number(process.argv[3] ?? 60);
const command = `node bench/cluster-bench.ts ${nodeCount} ${idleSeconds}`;
const log = (m: string): void => void process.stderr.write(`cluster-bench: ${m}\n`);

type Counts = Record<string, number>;

/** apiserver_request_total summed by `verb resource[/subresource]`, and the agents' APF count. */
async function snapshot(cluster: Cluster): Promise<{ atMs: number; requests: Counts; agentsApf: number }> {
  const samples: Sample[] = await cluster.scrapeMetrics();
  const requests: Counts = {};
  let agentsApf = 0;
  for (const s of samples) {
    if (s.name === 'apiserver_request_total') {
      const resource = `${s.labels.resource ?? ''}${s.labels.subresource ? `/${s.labels.subresource}` : ''}`;
      const key = `${s.labels.verb ?? '?'} ${resource}`;
      requests[key] = (requests[key] ?? 0) + s.value;
    }
    if (s.name === 'apiserver_flowcontrol_dispatched_requests_total' && s.labels.flow_schema === 'service-accounts') agentsApf += s.value;
  }
  return { atMs: Date.now(), requests, agentsApf };
}

function delta(a: Counts, b: Counts): Counts {
  const out: Counts = {};
  for (const k of new Set([...Object.keys(a), ...Object.keys(b)])) out[k] = (b[k] ?? 0) - (a[k] ?? 0);
  return out;
}

/** `withAgents` minus `baseline` scaled to the same duration; only entries that are not ~0. */
function agentsShare(withAgents: Counts, withMs: number, baseline: Counts, baselineMs: number): Counts {
  const out: Counts = {};
  for (const k of Object.keys(withAgents)) {
    const v = (withAgents[k] ?? 0) - ((baseline[k] ?? 0) * withMs) / baselineMs;
    if (Math.abs(v) >= 0.5) out[k] = Math.round(v);
  }
  return out;
}

function byVerb(counts: Counts): Counts {
  const out: Counts = {};
  for (const [k, v] of Object.entries(counts)) out[k.split(' ')[0]!] = (out[k.split(' ')[0]!] ?? 0) + v;
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== 0).sort());
}

function sum(c: Counts): number {
  return Object.values(c).reduce((a, b) => a + b, 0);
}

function percentile(values: readonly number[], p: number): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

async function rssKiB(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  return Number(/^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1]);
}

async function bareNodeRssKiB(): Promise<number> {
  const child = spawn(process.execPath, ['-e', 'setInterval(()=>{},1e9)'], { stdio: 'ignore' });
  try {
    await sleep(1_000);
    return await rssKiB(child.pid!);
  } finally {
    child.kill('SIGKILL');
  }
}

/** Compiles the agent like the image does; returns an entry script running the compiled CLI. */
/** The NODE_OPTIONS of the rendered agent container (reconciler/daemonset.ts). */
const DAEMONSET_NODE_OPTIONS = '--max-semi-space-size=1';

async function buildCompiledAgent(): Promise<string> {
  const root = new URL('..', import.meta.url).pathname;
  const outDir = join(root, '.cache', 'cluster-bench-dist');
  const tsc = spawnSync(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir], { encoding: 'utf8' });
  if (tsc.status !== 0) throw new Error(`tsc failed: ${tsc.stdout}${tsc.stderr}`);
  await mkdir(outDir, { recursive: true });
  const entry = join(outDir, 'patchwindow.mjs');
  await writeFile(entry, "import { main } from './reconciler/cli/main.js';\nprocess.exitCode = await main(process.argv.slice(2));\n");
  return entry;
}

async function main(): Promise<void> {
  const compiledBin = await buildCompiledAgent();
  const cluster = await startCluster({ log });
  let fleet: E2eFleet | undefined;
  try {
    const half = Math.ceil(nodeCount / 2);
    const nodes = Object.fromEntries(Array.from({ length: nodeCount }, (_, i) => [i < half ? `a${i}` : `b${i - half}`, { pool: i < half ? 'a' : 'b', sentinel: false }]));
    fleet = await E2eFleet.create(cluster, {
      policies: [
        { name: 'alpha', pools: ['a'], maxUnavailable: 2 },
        { name: 'beta', pools: ['b'], maxUnavailable: '30%' },
      ],
      nodes,
    });
    const f = fleet;
    log(`${nodeCount} nodes ready; baseline without agents for ${idleSeconds} s`);
    await sleep(5_000);
    const b0 = await snapshot(cluster);
    await sleep(idleSeconds * 1_000);
    const b1 = await snapshot(cluster);

    const idleAgents = async (): Promise<void> => {
      await f.until('every agent idle', () => f.nodes.every((n) => (f.agent(n)?.logs() ?? []).some((l) => l.waiting === 'not-required')), 120_000);
    };
    // First the agents as the tests run them (TypeScript sources), for their memory only.
    f.startAgents();
    await idleAgents();
    await sleep(10_000);
    const sourceRss = await Promise.all(f.nodes.map((n) => rssKiB(f.agent(n)!.child.pid!)));
    for (const n of f.nodes) await f.killAgent(n, 'SIGTERM');
    // Then as the image runs them: compiled, with the NODE_OPTIONS the rendered DaemonSet sets.
    f.agentBin = compiledBin;
    process.env.NODE_OPTIONS = DAEMONSET_NODE_OPTIONS;
    for (const n of f.nodes) f.startAgent(n);
    await idleAgents();
    log(`agents idle; measuring for ${idleSeconds} s`);
    await sleep(5_000);
    const i0 = await snapshot(cluster);
    await sleep(idleSeconds * 1_000);
    const i1 = await snapshot(cluster);
    const agentRss = await Promise.all(f.nodes.map((n) => rssKiB(f.agent(n)!.child.pid!)));
    const bareRss = await bareNodeRssKiB();

    log('rollout: every node needs a reboot');
    const r0 = await snapshot(cluster);
    await Promise.all(f.nodes.map((n) => f.host(n).setSentinel(true)));
    await f.until('every node rebooted and done', () => f.nodes.every((n) => f.rebootedAndDone(n)), 30 * 60_000);
    const r1 = await snapshot(cluster);
    if (f.watcher.violations.length > 0) throw new Error(`invariant violations:\n${f.watcher.violations.join('\n')}`);

    const baseline = delta(b0.requests, b1.requests);
    const baselineMs = b1.atMs - b0.atMs;
    const idle = agentsShare(delta(i0.requests, i1.requests), i1.atMs - i0.atMs, baseline, baselineMs);
    const rolling = agentsShare(delta(r0.requests, r1.requests), r1.atMs - r0.atMs, baseline, baselineMs);
    const handoffs = handoffLatencies(f);
    const idleMinutes = (i1.atMs - i0.atMs) / 60_000;
    const result = {
      bench: 'cluster',
      command,
      nodes: nodeCount,
      policies: { alpha: { nodes: half, maxUnavailable: 2 }, beta: { nodes: nodeCount - half, maxUnavailable: '30%' } },
      idle: {
        seconds: Math.round((i1.atMs - i0.atMs) / 1000),
        agentRequests: sum(idle),
        agentRequestsPerNodePerMinute: round(sum(idle) / nodeCount / idleMinutes, 2),
        byVerb: byVerb(idle),
        byVerbAndResource: idle,
        apfServiceAccounts: i1.agentsApf - i0.agentsApf,
        baselineRequestsPerMinute: Math.round(sum(baseline) / (baselineMs / 60_000)),
      },
      rollout: {
        seconds: Math.round((r1.atMs - r0.atMs) / 1000),
        agentRequests: sum(rolling),
        agentRequestsPerNode: round(sum(rolling) / nodeCount, 1),
        byVerb: byVerb(rolling),
        byVerbAndResource: rolling,
        apfServiceAccounts: r1.agentsApf - r0.agentsApf,
        maxSlotsHeld: { alpha: f.watcher.maxSlotsHeld('alpha'), beta: f.watcher.maxSlotsHeld('beta') },
      },
      slotHandoffMs: { count: handoffs.length, p50: percentile(handoffs, 50), p95: percentile(handoffs, 95), max: percentile(handoffs, 100) },
      memory: {
        agentRssMiB: { median: round(percentile(agentRss, 50)! / 1024, 1), max: round(percentile(agentRss, 100)! / 1024, 1) },
        agentFromSourcesRssMiB: { median: round(percentile(sourceRss, 50)! / 1024, 1), max: round(percentile(sourceRss, 100)! / 1024, 1) },
        bareNodeRssMiB: round(bareRss / 1024, 1),
      },
    };
    console.log(JSON.stringify(result));
    console.log(markdown(result));
  } finally {
    await fleet?.close();
    await cluster.stop();
  }
}

/** Release → next take of the same group, while some node of the group still waits. */
function handoffLatencies(f: E2eFleet): number[] {
  const out: number[] = [];
  const released = new Map<string, number[]>();
  for (const e of f.watcher.slotEvents) {
    const queue = released.get(e.group) ?? [];
    released.set(e.group, queue);
    if (e.kind === 'released') queue.push(e.atMs);
    else if (queue.length > 0) out.push(e.atMs - queue.shift()!);
  }
  return out;
}

function round(v: number, digits: number): number {
  return Math.round(v * 10 ** digits) / 10 ** digits;
}

function markdown(r: {
  command: string;
  nodes: number;
  idle: { seconds: number; agentRequests: number; agentRequestsPerNodePerMinute: number; byVerb: Counts; apfServiceAccounts: number; baselineRequestsPerMinute: number };
  rollout: { seconds: number; agentRequests: number; agentRequestsPerNode: number; byVerb: Counts; apfServiceAccounts: number };
  slotHandoffMs: { count: number; p50: number | null; p95: number | null; max: number | null };
  memory: { agentRssMiB: { median: number; max: number }; agentFromSourcesRssMiB: { median: number; max: number }; bareNodeRssMiB: number };
}): string {
  const verbs = (c: Counts) => Object.entries(c).map(([k, v]) => `${k} ${v}`).join(', ');
  return [
    '',
    `Produced by \`${r.command}\` (${r.nodes} kwok nodes, one agent process each; Node ${process.version}).`,
    '',
    '| measurement | value |',
    '|---|---|',
    `| idle: agent requests over ${r.idle.seconds} s (baseline-subtracted) | ${r.idle.agentRequests} (${verbs(r.idle.byVerb)}) |`,
    `| idle: per node per minute | ${r.idle.agentRequestsPerNodePerMinute} |`,
    `| idle: APF flow schema service-accounts (agents only) | ${r.idle.apfServiceAccounts} |`,
    `| idle: API server baseline without agents | ${r.idle.baselineRequestsPerMinute} requests/min |`,
    `| rollout: duration | ${r.rollout.seconds} s |`,
    `| rollout: agent requests (baseline-subtracted) | ${r.rollout.agentRequests} (${verbs(r.rollout.byVerb)}) |`,
    `| rollout: per node | ${r.rollout.agentRequestsPerNode} |`,
    `| rollout: APF flow schema service-accounts (agents only) | ${r.rollout.apfServiceAccounts} |`,
    `| slot hand-off (release → next take), ${r.slotHandoffMs.count} hand-offs | p50 ${r.slotHandoffMs.p50} ms, p95 ${r.slotHandoffMs.p95} ms, max ${r.slotHandoffMs.max} ms |`,
    `| agent RSS at idle (compiled dist/ and NODE_OPTIONS=${DAEMONSET_NODE_OPTIONS}, as in the image) | median ${r.memory.agentRssMiB.median} MiB, max ${r.memory.agentRssMiB.max} MiB |`,
    `| agent RSS at idle (TypeScript sources, type stripping) | median ${r.memory.agentFromSourcesRssMiB.median} MiB, max ${r.memory.agentFromSourcesRssMiB.max} MiB |`,
    `| bare \`node -e 'setInterval(()=>{},1e9)'\` RSS | ${r.memory.bareNodeRssMiB} MiB |`,
    '',
    'A watch that ends (the agent closes a watch that saw nothing for 5 minutes; the API server ends them after 30-60 minutes) and is opened again counts as one WATCH request.',
    "Baseline-subtracted figures are apiserver_request_total deltas minus an equally long window without agents; during the rollout they also hold what the reboots make others do (kwok reporting NotReady/Ready: PATCH nodes/status; the controllers' Events). APF's service-accounts count is the agents' requests alone.",
  ].join('\n');
}

await main();
