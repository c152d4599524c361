// Real agents on a real control plane (test/testenv, kwok nodes): what an idle fleet of agents costs
// the API server, what a rollout costs, how fast a freed grant is given again, and how much memory an agent
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
//    window just before, with the same nodes and no agents (the baseline). An idle agent is its
//    supervisor alone (no worker, no watch); a worker's watch that ends and is opened again counts as
//    one WATCH request.
//    Cross-check: APF's apiserver_flowcontrol_dispatched_requests_total of flow schema
//    "service-accounts" counts the agents' requests alone (every other client here is system:masters).
//  - Slot hand-off: for each slot group, each time a slot Lease is released while nodes wait, the
//    time until the next Lease of that group is taken, both as the bench's own Lease watch receives them.
//  - Memory: VmRSS of every agent process (the supervisor; its worker has exited) after the idle
//    window, during which the bench asks every agent's /healthz and /metrics every 10 s as the
//    kubelet and Prometheus would, against a bare `node -e 'setInterval(()=>{},1e9)'` of the same Node binary. The image
//    runs the compiled dist/ (Dockerfile), so the agents measured idle and during the rollout run a
//    build of tsconfig.build.json (into .cache/, not dist/); the RSS of agents running the
//    TypeScript sources through Node's type stripping (as the tests do) is given too. During the
//    rollout, every 250 ms: VmRSS and VmHWM (peak) of each worker, and supervisor + worker RSS.
//  - Sentinel to action: from writing the sentinel files to the supervisor's line starting a worker,
//    and to the node's RebootRequired Event as its worker logs it (its first decision): for the 20
//    nodes of the rollout at once, and after it for one node alone (one more reboot).
import { spawn } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { E2eFleet } from '../test/helpers/e2e-fleet.ts';
import { startCluster, type Cluster } from '../test/testenv/cluster.ts';
import type { Sample } from '../test/testenv/metrics.ts';
import { measureLimit } from './rollout-limit.ts';
import { buildCompiledCli, DAEMONSET_NODE_OPTIONS } from './compile.ts';
import { IDLE_ANEW } from '../agent/supervisor.ts';
import { percentile } from './stats.ts';

// `node bench/cluster-bench.ts limit [NODES] [BUDGET] [IDLE_SECONDS]` (defaults 10 1 120): the
// rollout against its physical limit alone (bench/rollout-limit.ts); with budget 1, each node alone
// first (sentinel -> cordon) and the idle agents' CPU.
const limitOnly = process.argv[2] === 'limit';
const args = limitOnly ? process.argv.slice(3) : process.argv.slice(2);
const nodeCount = Number(args[0] ?? (limitOnly ? 10 : 20));
const limitBudget = Number(args[1] ?? 1);
const idleSeconds = Number((limitOnly ? args[2] : args[1]) ?? (limitOnly ? 120 : 60));
const command = limitOnly
  ? `node bench/cluster-bench.ts limit ${nodeCount} ${limitBudget} ${idleSeconds}`
  : `node bench/cluster-bench.ts ${nodeCount} ${idleSeconds}`;
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
    if (s.name === 'apiserver_flowcontrol_dispatched_requests_total' && s.labels.flow_schema === 'service-accounts')
      agentsApf += s.value;
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
  return Object.fromEntries(
    Object.entries(out)
      .filter(([, v]) => v !== 0)
      .sort(),
  );
}

function sum(c: Counts): number {
  return Object.values(c).reduce((a, b) => a + b, 0);
}

async function rssKiB(pid: number): Promise<number> {
  return (await memoryKiB(pid)).rss;
}

/** VmRSS and VmHWM (its peak) of `pid`, in KiB. */
async function memoryKiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const rss = /^VmRSS:\s+(\d+) kB$/m.exec(status)?.[1];
  const peak = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1];
  // A process that has exited but not been reaped yet (a zombie) has no memory lines.
  if (rss === undefined || peak === undefined) throw new Error(`process ${pid} has exited`);
  return { rss: Number(rss), peak: Number(peak) };
}

/** Asks every agent's /healthz and /metrics every 10 s until `stop` aborts; returns how many answered 200. */
async function probeAgents(f: E2eFleet, stop: AbortSignal): Promise<{ ok: number; failed: number }> {
  const count = { ok: 0, failed: 0 };
  while (!stop.aborted) {
    for (const n of f.nodes) {
      for (const path of ['/healthz', '/metrics']) {
        const res = await fetch(`http://127.0.0.1:${f.agent(n)!.metricsPort()!}${path}`).catch(() => undefined);
        await res?.text();
        count[res?.status === 200 ? 'ok' : 'failed']++;
      }
    }
    await sleep(10_000, undefined, { signal: stop }).catch(() => undefined);
  }
  return count;
}

/**
 * Samples the memory of every agent process while a worker runs in it (its log says the worker
 * started and not yet that it is idle; decision 10: one process per node) until `stop` aborts.
 */
async function sampleWorkers(
  f: E2eFleet,
  stop: AbortSignal,
): Promise<{ workerPeakKiB: Map<number, number>; workerRssKiB: number[]; podRssKiB: number[] }> {
  const workerPeakKiB = new Map<number, number>();
  const workerRssKiB: number[] = [];
  const podRssKiB: number[] = [];
  while (!stop.aborted) {
    for (const n of f.nodes) {
      const agent = f.agent(n);
      const pid = agent?.child.pid;
      if (agent === undefined || pid === undefined) continue;
      const logs = agent.logs();
      const started = logs.findLastIndex((l) => l.process === 'supervisor' && l.msg === 'agent worker started');
      const idle = logs.findLastIndex((l) => l.process === 'supervisor' && l.idle === true);
      if (started < 0 || started < idle) continue;
      try {
        const m = await memoryKiB(pid);
        workerPeakKiB.set(pid, Math.max(workerPeakKiB.get(pid) ?? 0, m.peak));
        workerRssKiB.push(m.rss);
        podRssKiB.push(m.rss);
      } catch {
        // The process ended between listing and reading: a reboot.
      }
    }
    await sleep(250);
  }
  return { workerPeakKiB, workerRssKiB, podRssKiB };
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
function buildCompiledAgent(): Promise<string> {
  return buildCompiledCli('cluster-bench-dist');
}

/** The rollout against its physical limit: NODES nodes with budget BUDGET. */
async function limitMain(): Promise<void> {
  const agentBin = await buildCompiledAgent();
  process.env.NODE_OPTIONS = DAEMONSET_NODE_OPTIONS;
  const cluster = await startCluster({ log });
  try {
    const figures = await measureLimit(cluster, {
      podsPerNode: 3,
      rebootMs: 10_000,
      idleSeconds,
      agentBin,
      log,
      nodes: nodeCount,
      budget: limitBudget,
      sequential: limitBudget === 1,
    });
    console.log(JSON.stringify({ bench: 'cluster-limit', command, ...figures }));
  } finally {
    await cluster.stop();
  }
}

async function main(): Promise<void> {
  const compiledBin = await buildCompiledAgent();
  const cluster = await startCluster({ log });
  let fleet: E2eFleet | undefined;
  try {
    const half = Math.ceil(nodeCount / 2);
    const nodes = Object.fromEntries(
      Array.from({ length: nodeCount }, (_, i) => [
        i < half ? `a${i}` : `b${i - half}`,
        { pool: i < half ? 'a' : 'b', sentinel: false },
      ]),
    );
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

    // Idle: the worker decided there is nothing to do, and the process executed itself anew without
    // the worker's code (decision 10): the supervisor alone remains.
    const idleAgents = async (): Promise<void> => {
      await f.until(
        'every agent idle, executed anew',
        () =>
          f.nodes.every((n) =>
            (f.agent(n)?.logs() ?? []).some(
              (l) => l.process === 'supervisor' && l.idle === true && l.msg === IDLE_ANEW,
            ),
          ),
        120_000,
      );
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
    const probing = new AbortController();
    const probes = probeAgents(f, probing.signal);
    await sleep(idleSeconds * 1_000);
    probing.abort();
    const probed = await probes;
    const i1 = await snapshot(cluster);
    const agentRss = await Promise.all(f.nodes.map((n) => rssKiB(f.agent(n)!.child.pid!)));
    const bareRss = await bareNodeRssKiB();

    log('rollout: every node needs a reboot');
    const r0 = await snapshot(cluster);
    const sampling = new AbortController();
    const samples = sampleWorkers(f, sampling.signal);
    const sentinelAtMs = Date.now();
    await Promise.all(f.nodes.map((n) => f.host(n).setSentinel(true)));
    await f.until('every node rebooted and done', () => f.nodes.every((n) => f.rebootedAndDone(n)), 30 * 60_000);
    const r1 = await snapshot(cluster);
    sampling.abort();
    const { workerPeakKiB, workerRssKiB, podRssKiB } = await samples;
    const workerPeaks = [...workerPeakKiB.values()];
    const sentinelToWorkerMs = f.nodes.map((n) =>
      msAfter(f, n, sentinelAtMs, (l) => l.process === 'supervisor' && l.rebootRequired === true),
    );
    const sentinelToMarkMs = f.nodes.map((n) => msAfter(f, n, sentinelAtMs, (l) => l.event === 'RebootRequired'));

    // One node alone on an otherwise idle machine: the same path without 20 workers loading at once.
    log('one more reboot of one node, alone');
    const single = f.nodes[0]!;
    await f.until(
      'every agent idle again',
      () => f.nodes.every((n) => (f.agent(n)?.logs() ?? []).some((l) => l.msg === IDLE_ANEW)),
      120_000,
    );
    await sleep(5_000);
    const singleAtMs = Date.now();
    f.watcher.expectAnotherReboot(f.node(single));
    await f.host(single).setSentinel(true);
    await f.until(
      `${single} marked`,
      () => f.logs(single).some((l) => l.event === 'RebootRequired' && Date.parse(String(l.time)) >= singleAtMs),
      60_000,
    );
    const singleToWorkerMs = msAfter(
      f,
      single,
      singleAtMs,
      (l) => l.process === 'supervisor' && l.rebootRequired === true,
    );
    const singleToMarkMs = msAfter(f, single, singleAtMs, (l) => l.event === 'RebootRequired');
    await f.until(`${single} rebooted again and done`, () => f.host(single).boots === 2 && f.idle(single), 120_000);
    const violations = await f.watcher.settledViolations();
    if (violations.length > 0) throw new Error(`invariant violations:\n${violations.join('\n')}`);

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
        probes: probed,
      },
      rollout: {
        seconds: Math.round((r1.atMs - r0.atMs) / 1000),
        agentRequests: sum(rolling),
        agentRequestsPerNode: round(sum(rolling) / nodeCount, 1),
        byVerb: byVerb(rolling),
        byVerbAndResource: rolling,
        apfServiceAccounts: r1.agentsApf - r0.agentsApf,
        maxGrantsHeld: { alpha: f.watcher.maxGrantsHeld('alpha'), beta: f.watcher.maxGrantsHeld('beta') },
      },
      grantHandoffMs: {
        count: handoffs.length,
        p50: percentile(handoffs, 50),
        p95: percentile(handoffs, 95),
        max: percentile(handoffs, 100),
      },
      sentinel: {
        allAtOnce: {
          toWorkerStartMs: { p50: percentile(sentinelToWorkerMs, 50), max: percentile(sentinelToWorkerMs, 100) },
          toMarkMs: { p50: percentile(sentinelToMarkMs, 50), max: percentile(sentinelToMarkMs, 100) },
        },
        oneNode: { toWorkerStartMs: singleToWorkerMs, toMarkMs: singleToMarkMs },
      },
      memory: {
        agentRssMiB: {
          median: round(percentile(agentRss, 50)! / 1024, 1),
          max: round(percentile(agentRss, 100)! / 1024, 1),
        },
        agentFromSourcesRssMiB: {
          median: round(percentile(sourceRss, 50)! / 1024, 1),
          max: round(percentile(sourceRss, 100)! / 1024, 1),
        },
        bareNodeRssMiB: round(bareRss / 1024, 1),
        workers: workerPeaks.length,
        workerPeakRssMiB: {
          median: round(percentile(workerPeaks, 50)! / 1024, 1),
          max: round(percentile(workerPeaks, 100)! / 1024, 1),
        },
        workerRssMiB: { median: round(percentile(workerRssKiB, 50)! / 1024, 1) },
        supervisorPlusWorkerRssMiB: {
          median: round(percentile(podRssKiB, 50)! / 1024, 1),
          max: round(percentile(podRssKiB, 100)! / 1024, 1),
        },
      },
    };
    console.log(JSON.stringify(result));
    console.log(markdown(result));
  } finally {
    await fleet?.close();
    await cluster.stop();
  }
}

/** Time from `sinceMs` to the first log line of node `n` at or after it that matches `which`. */
function msAfter(f: E2eFleet, n: string, sinceMs: number, which: (l: Record<string, unknown>) => boolean): number {
  const line = f.logs(n).find((l) => typeof l.time === 'string' && Date.parse(l.time) >= sinceMs && which(l));
  if (line === undefined) throw new Error(`no such log line of ${n} after ${new Date(sinceMs).toISOString()}`);
  return Date.parse(line.time as string) - sinceMs;
}

/**
 * Release → next grant of the same policy, for the releases at which some other node had recorded
 * that it asks for a grant (phase acquiring). A release while the others' workers are still
 * starting is not a hand-off: nobody waits yet.
 */
function handoffLatencies(f: E2eFleet): number[] {
  const out: number[] = [];
  const released = new Map<string, number[]>();
  for (const e of f.watcher.grantEvents) {
    const queue = released.get(e.policy) ?? [];
    released.set(e.policy, queue);
    if (e.kind === 'released') {
      if ((e.waiting?.length ?? 0) > 0) queue.push(e.atMs);
    } else if (queue.length > 0) out.push(e.atMs - queue.shift()!);
  }
  return out;
}

function round(v: number, digits: number): number {
  return Math.round(v * 10 ** digits) / 10 ** digits;
}

function markdown(r: {
  command: string;
  nodes: number;
  idle: {
    seconds: number;
    agentRequests: number;
    agentRequestsPerNodePerMinute: number;
    byVerb: Counts;
    apfServiceAccounts: number;
    baselineRequestsPerMinute: number;
    probes: { ok: number; failed: number };
  };
  rollout: {
    seconds: number;
    agentRequests: number;
    agentRequestsPerNode: number;
    byVerb: Counts;
    apfServiceAccounts: number;
  };
  grantHandoffMs: { count: number; p50: number | null; p95: number | null; max: number | null };
  sentinel: {
    allAtOnce: {
      toWorkerStartMs: { p50: number | null; max: number | null };
      toMarkMs: { p50: number | null; max: number | null };
    };
    oneNode: { toWorkerStartMs: number; toMarkMs: number };
  };
  memory: {
    agentRssMiB: { median: number; max: number };
    agentFromSourcesRssMiB: { median: number; max: number };
    bareNodeRssMiB: number;
    workers: number;
    workerPeakRssMiB: { median: number; max: number };
    workerRssMiB: { median: number };
    supervisorPlusWorkerRssMiB: { median: number; max: number };
  };
}): string {
  const verbs = (c: Counts) =>
    Object.entries(c)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ');
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
    `| idle: /healthz and /metrics asked every 10 s, answered 200 | ${r.idle.probes.ok} of ${r.idle.probes.ok + r.idle.probes.failed} |`,
    `| rollout: duration | ${r.rollout.seconds} s |`,
    `| rollout: agent requests (baseline-subtracted) | ${r.rollout.agentRequests} (${verbs(r.rollout.byVerb)}) |`,
    `| rollout: per node | ${r.rollout.agentRequestsPerNode} |`,
    `| rollout: APF flow schema service-accounts (agents only) | ${r.rollout.apfServiceAccounts} |`,
    `| grant hand-off (release → next grant), ${r.grantHandoffMs.count} hand-offs | p50 ${r.grantHandoffMs.p50} ms, p95 ${r.grantHandoffMs.p95} ms, max ${r.grantHandoffMs.max} ms |`,
    `| rollout: sentinel written → supervisor starts a worker (check every 1 s) | p50 ${r.sentinel.allAtOnce.toWorkerStartMs.p50} ms, max ${r.sentinel.allAtOnce.toWorkerStartMs.max} ms |`,
    `| rollout: sentinel written → RebootRequired Event (20 workers starting at once) | p50 ${r.sentinel.allAtOnce.toMarkMs.p50} ms, max ${r.sentinel.allAtOnce.toMarkMs.max} ms |`,
    `| one node alone: sentinel written → worker started / → RebootRequired Event | ${r.sentinel.oneNode.toWorkerStartMs} ms / ${r.sentinel.oneNode.toMarkMs} ms |`,
    `| agent RSS at idle: the supervisor, no worker (compiled dist/ and NODE_OPTIONS=${DAEMONSET_NODE_OPTIONS}, as in the image) | median ${r.memory.agentRssMiB.median} MiB, max ${r.memory.agentRssMiB.max} MiB |`,
    `| agent RSS at idle (TypeScript sources, type stripping) | median ${r.memory.agentFromSourcesRssMiB.median} MiB, max ${r.memory.agentFromSourcesRssMiB.max} MiB |`,
    `| bare \`node -e 'setInterval(()=>{},1e9)'\` RSS | ${r.memory.bareNodeRssMiB} MiB |`,
    `| rollout: worker peak RSS (VmHWM), ${r.memory.workers} workers | median ${r.memory.workerPeakRssMiB.median} MiB, max ${r.memory.workerPeakRssMiB.max} MiB |`,
    `| rollout: worker RSS, all samples | median ${r.memory.workerRssMiB.median} MiB |`,
    `| rollout: supervisor + worker RSS (the pod) | median ${r.memory.supervisorPlusWorkerRssMiB.median} MiB, max ${r.memory.supervisorPlusWorkerRssMiB.max} MiB |`,
    '',
    'An idle agent is its supervisor alone: no worker, no watch, no API request. A worker watches while it runs; a watch that ends and is opened again counts as one WATCH request.',
    "Baseline-subtracted figures are apiserver_request_total deltas minus an equally long window without agents; during the rollout they also hold what the reboots make others do (kwok reporting NotReady/Ready: PATCH nodes/status; the controllers' Events). APF's service-accounts count is the agents' requests alone.",
  ].join('\n');
}

await (limitOnly ? limitMain() : main());
