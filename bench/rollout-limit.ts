// A rollout against its physical limit (issue 19), on the real control plane: how far the time a
// rollout takes is from the time its nodes' drains and reboots take by themselves. Used by
// cluster-bench.ts (`node bench/cluster-bench.ts limit [NODES] [BUDGET] [IDLE_SECONDS]`).
//
// Setup: one policy over N kwok nodes with budget B, a Deployment of 3 pods per node (ReplicaSet
// pods, terminationGracePeriodSeconds 1), hosts simulated as in the e2e scenarios with a reboot of
// `rebootMs` (agent killed, node NotReady, back after rebootMs, agent started, node Ready), the
// agent's default checkInterval (1m). Every time is taken from the bench's own watch of the cluster
// (test/helpers/cluster-watcher.ts timeline), so the two designs are measured the same way:
//  - sentinel -> cordon: the sentinel file written on one node alone (others idle) until its
//    cordon, once per node, one node after another;
//  - drain: the node's cordon until the last of its pods is gone (and until the reboot command: the
//    drain as the agent sees it, plus writing its record);
//  - reboot: the reboot command run on the host until the node is Ready again;
//  - Ready -> uncordon -> released: the node Ready until its uncordon and until its record is
//    cleared (the last step of an attempt, after the slot or grant is given back);
//  - rollout: every sentinel written at once until the last node is done; against the limit
//    sum(drain + reboot) / B, where drain and reboot are those of the rollout's own nodes;
//  - idle CPU: utime + stime of every idle agent (its supervisor) over a window in which the bench
//    probes it as the kubelet does the rendered probes (readiness: a TCP connect every 10 s;
//    liveness: GET /healthz every 20 s, a new connection each) and Prometheus asks /metrics every
//    30 s, scaled to an hour; each request is made once before the window, so the one-time cost of
//    a process's first request (its code compiled) is not counted as if paid every minute.
import { IDLE_ANEW } from '../agent/supervisor.ts';
import { readFile } from 'node:fs/promises';
import { get } from 'node:http';
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { E2eFleet, POOL_LABEL } from '../test/helpers/e2e-fleet.ts';
import { createDeployment } from '../test/helpers/workloads.ts';
import type { Cluster } from '../test/testenv/cluster.ts';
import type { GrantEvent, TimelineEntry } from '../test/helpers/cluster-watcher.ts';
import { percentile } from './stats.ts';
import { sentinelPath, type SentinelPath } from './sentinel-path.ts';

export interface LimitOptions {
  readonly nodes: number;
  readonly budget: number;
  readonly podsPerNode: number;
  readonly rebootMs: number;
  /** Measure sentinel -> cordon one node at a time first (and idle CPU for `idleSeconds`). */
  readonly sequential: boolean;
  readonly idleSeconds: number;
  /** Entry script of the agents (the compiled CLI, as the image runs it). */
  readonly agentBin: string;
  readonly log: (m: string) => void;
}

/** What happened to one node in one attempt, in ms from the bench's clock. */
export interface NodeSteps {
  readonly node: string;
  readonly pods: number;
  readonly cordonMs: number;
  readonly drainMs: number;
  /** The cordon until the reboot command: the drain as the agent does it, and what follows it. */
  readonly cordonToCommandMs: number;
  readonly rebootMs: number;
  readonly readyToUncordonMs: number;
  readonly readyToDoneMs: number;
  readonly doneAtMs: number;
}

type Stat = { p50: number | null; p95: number | null; max: number | null };

const stat = (v: readonly number[]): Stat => ({
  p50: percentile(v, 50),
  p95: percentile(v, 95),
  max: percentile(v, 100),
});

/** Runs the measurement on `cluster`; the fleet is removed afterwards. */
export async function measureLimit(cluster: Cluster, o: LimitOptions): Promise<Record<string, unknown>> {
  const shorts = Array.from({ length: o.nodes }, (_, i) => `n${i}`);
  const f = await E2eFleet.create(cluster, {
    policies: [{ name: 'lane', pools: ['p'], maxUnavailable: o.budget }],
    nodes: Object.fromEntries(shorts.map((s) => [s, { pool: 'p', sentinel: false }])),
    fleetSpec: { agent: { checkInterval: '1m', logLevel: 'info' } },
    bootMs: o.rebootMs,
  });
  f.agentBin = o.agentBin;
  try {
    const kc = cluster.kubeConfig();
    const pods = o.nodes * o.podsPerNode;
    await createDeployment(kc, f.id, 'web', { replicas: pods, nodeSelector: { [POOL_LABEL]: f.pool('p') } });
    await f.until(
      'every pod scheduled',
      () => f.watcher.pods().filter((p) => p.spec?.nodeName).length === pods,
      120_000,
    );
    f.startAgents();
    const allIdle = () =>
      f.until(
        'every agent idle',
        // Idle, and executed anew without the worker's code (decision 10).
        () => shorts.every((n) => f.logs(n).some((l) => l.msg === IDLE_ANEW) && f.idle(n)),
        900_000,
      );
    await allIdle();
    const result: Record<string, unknown> = { nodes: o.nodes, budget: o.budget, podsPerNode: o.podsPerNode };
    if (o.sequential) {
      result.idleCpuSecondsPerHour = await idleCpu(f, shorts, o.idleSeconds, o.log);
      const alone: NodeSteps[] = [];
      const toCordon: number[] = [];
      const paths: SentinelPath[] = [];
      for (const n of shorts) {
        // The supervisors' sentinel polls are in every phase, as they would be on a real node.
        await sleep(1_000 + Math.random() * 2_000);
        const atMs = Date.now();
        if (f.host(n).boots > 0) f.watcher.expectAnotherReboot(f.node(n));
        await f.host(n).setSentinel(true);
        await f.until(`${n} done`, () => doneSince(f, n, atMs), 300_000);
        const steps = nodeSteps(f.watcher.timeline, f.node(n), atMs);
        toCordon.push(steps.cordonMs - atMs);
        alone.push(steps);
        const path = sentinelPath(f.logs(n), f.watcher.timeline, f.node(n), atMs);
        paths.push(path);
        o.log(`${n}: cordon after ${steps.cordonMs - atMs} ms, drain ${steps.drainMs} ms (${steps.pods} pods)`);
        o.log(`${n}: sentinel path ${JSON.stringify(path)}`);
      }
      await allIdle();
      result.sentinelToCordonMs = stat(toCordon);
      result.sentinelPathMs = Object.fromEntries(
        (Object.keys(paths[0] ?? {}) as (keyof SentinelPath)[]).map((k) => [
          k,
          stat(paths.map((p) => p[k]).filter((v): v is number => v !== null)),
        ]),
      );
      result.aloneDrainMs = stat(alone.map((s) => s.drainMs));
      result.aloneCordonToCommandMs = stat(alone.map((s) => s.cordonToCommandMs));
      result.alonePods = stat(alone.map((s) => s.pods));
      result.aloneReadyToUncordonMs = stat(alone.map((s) => s.readyToUncordonMs));
      result.aloneReadyToDoneMs = stat(alone.map((s) => s.readyToDoneMs));
    }
    o.log(`rollout: ${o.nodes} nodes, budget ${o.budget}`);
    const atMs = Date.now();
    for (const n of shorts) if (f.host(n).boots > 0) f.watcher.expectAnotherReboot(f.node(n));
    await Promise.all(shorts.map((n) => f.host(n).setSentinel(true)));
    await f.until('every node done', () => shorts.every((n) => doneSince(f, n, atMs)), 60 * 60_000);
    const steps = shorts.map((n) => nodeSteps(f.watcher.timeline, f.node(n), atMs));
    const totalMs = Math.max(...steps.map((s) => s.doneAtMs)) - atMs;
    const limitMs = steps.reduce((sum, s) => sum + s.drainMs + s.rebootMs, 0) / o.budget;
    const violations = await f.watcher.settledViolations();
    if (violations.length > 0) throw new Error(`invariant violations:\n${violations.join('\n')}`);
    return {
      ...result,
      rollout: {
        totalMs,
        limitMs: Math.round(limitMs),
        ratio: Math.round((totalMs / limitMs) * 100) / 100,
        firstCordonMs: Math.min(...steps.map((s) => s.cordonMs)) - atMs,
        drainMs: stat(steps.map((s) => s.drainMs)),
        cordonToCommandMs: stat(steps.map((s) => s.cordonToCommandMs)),
        rebootMs: stat(steps.map((s) => s.rebootMs)),
        readyToUncordonMs: stat(steps.map((s) => s.readyToUncordonMs)),
        readyToDoneMs: stat(steps.map((s) => s.readyToDoneMs)),
        ...handoffs(
          f.watcher.grantEvents.filter((e) => e.atMs >= atMs),
          steps,
        ),
      },
    };
  } catch (err: unknown) {
    o.log(f.report());
    throw err;
  } finally {
    await f.close();
  }
}

/**
 * The gaps between one node's attempt and the next one's cordon: its grant released → the next
 * grant given (the coordinator's reaction), and a grant given → that node's cordon (the agent's).
 */
function handoffs(events: readonly GrantEvent[], steps: readonly NodeSteps[]): Record<string, Stat> {
  const releaseToGrant: number[] = [];
  const grantToCordon: number[] = [];
  let lastReleaseMs: number | undefined;
  for (const e of events) {
    if (e.kind === 'released') lastReleaseMs = e.atMs;
    if (e.kind !== 'given') continue;
    const s = steps.find((x) => x.node === e.node && x.cordonMs >= e.atMs);
    if (s === undefined) continue;
    grantToCordon.push(s.cordonMs - e.atMs);
    if (lastReleaseMs !== undefined) releaseToGrant.push(e.atMs - lastReleaseMs);
  }
  return { releaseToNextGrantMs: stat(releaseToGrant), grantToCordonMs: stat(grantToCordon) };
}

function doneSince(f: E2eFleet, n: string, sinceMs: number): boolean {
  const name = f.node(n);
  const entries = f.watcher.timeline.filter((e) => e.node === name && e.atMs >= sinceMs);
  const ready = entries.findIndex((e) => e.text === 'host: reboot command run; going down');
  return ready >= 0 && entries.slice(ready).some((e) => e.text === 'state cleared') && f.idle(n);
}

/** The steps of the first attempt of `node` after `sinceMs`, from the watcher's timeline. */
export function nodeSteps(timeline: readonly TimelineEntry[], node: string, sinceMs: number): NodeSteps {
  const own = timeline.filter((e) => e.node === node && e.atMs >= sinceMs);
  const at = (text: string | RegExp, after = sinceMs): number => {
    const e = own.find((x) => x.atMs >= after && (typeof text === 'string' ? x.text === text : text.test(x.text)));
    if (e === undefined) throw new Error(`${node}: no "${String(text)}" after ${new Date(after).toISOString()}`);
    return e.atMs;
  };
  const cordonMs = at('cordoned');
  const commandMs = at('host: reboot command run; going down', cordonMs);
  const gone = own.filter((e) => e.atMs >= cordonMs && e.atMs <= commandMs && /^pod .* gone$/.test(e.text));
  const drainEndMs = gone.length > 0 ? gone.at(-1)!.atMs : cordonMs;
  const readyMs = at('Ready', at('NotReady', commandMs));
  const uncordonMs = at('uncordoned', commandMs);
  const doneMs = at('state cleared', commandMs);
  return {
    node,
    pods: gone.length,
    cordonMs,
    drainMs: drainEndMs - cordonMs,
    cordonToCommandMs: commandMs - cordonMs,
    rebootMs: readyMs - commandMs,
    readyToUncordonMs: uncordonMs - readyMs,
    readyToDoneMs: doneMs - readyMs,
    doneAtMs: doneMs,
  };
}

/**
 * CPU seconds per hour of every idle agent (its supervisor): over `seconds` without a request, then
 * over `seconds` probed as the kubelet and Prometheus would, so that the probes' share shows.
 */
async function idleCpu(
  f: E2eFleet,
  shorts: readonly string[],
  seconds: number,
  log: (m: string) => void,
): Promise<{ quiet: Stat; probed: Stat }> {
  log(`idle CPU: ${shorts.length} agents, ${seconds} s quiet, then ${seconds} s probed`);
  const pids = shorts.map((n) => f.agent(n)!.child.pid!);
  for (const path of ['tcp', '/healthz', '/metrics'])
    await Promise.all(shorts.map((n) => probe(f.agent(n)!.metricsPort()!, path)));
  const window = async (probed: boolean): Promise<Stat> => {
    const before = await Promise.all(pids.map(cpuTicks));
    const startMs = Date.now();
    const stop = new AbortController();
    const ask = async (path: string, everyMs: number): Promise<void> => {
      while (!stop.signal.aborted) {
        await Promise.all(shorts.map((n) => probe(f.agent(n)!.metricsPort()!, path)));
        await sleep(everyMs, undefined, { signal: stop.signal }).catch(() => undefined);
      }
    };
    const probes = probed ? [ask('tcp', 10_000), ask('/healthz', 20_000), ask('/metrics', 30_000)] : [];
    await sleep(seconds * 1_000);
    stop.abort();
    await Promise.all(probes);
    const after = await Promise.all(pids.map(cpuTicks));
    const hours = (Date.now() - startMs) / 3_600_000;
    // /proc/PID/stat counts in clock ticks of 1/100 s (USER_HZ on Linux).
    return stat(after.map((a, i) => Math.round(((a - before[i]!) / 100 / hours) * 100) / 100));
  };
  const quiet = await window(false);
  return { quiet, probed: await window(true) };
}

/** One probe on its own connection, as the kubelet makes it: a TCP connect (`tcp`), or a GET of `path`. */
function probe(port: number, path: string): Promise<void> {
  return new Promise((resolve) => {
    if (path === 'tcp') {
      const socket = createConnection(port, '127.0.0.1', () => socket.end());
      socket.on('error', () => resolve()).on('close', () => resolve());
      return;
    }
    get({ host: '127.0.0.1', port, path, agent: false }, (res) => res.resume().on('end', resolve)).on('error', () =>
      resolve(),
    );
  });
}

async function cpuTicks(pid: number): Promise<number> {
  const text = await readFile(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state: utime and stime are 12 and 13 of them.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}
