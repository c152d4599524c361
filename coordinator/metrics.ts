// The coordinator's Prometheus metrics (prom-client): the fleet's counters and histograms, which
// outlive agent processes (each restarts with its node), and gauges of what the coordinator holds
// now. Alert on `patchwindow_coordinator_stalled_grants > 0` (a holder stopped renewing; its pool
// waits) and `patchwindow_coordinator_held_by_unavailable > 0` (a pool held at its budget by nodes
// patchwindow did not take down). Every series of a known policy exists from the start at 0.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CoreOutput } from './core/model.ts';
import type { Transition } from './transitions.ts';

// Seconds. Waits may span windows; drains are bounded by drain.timeout; reboots take minutes.
const WAIT_BUCKETS = [1, 5, 15, 30, 60, 120, 300, 600, 1800, 3600, 7200, 14400, 43200, 86400, 259200];
const DRAIN_BUCKETS = [5, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200];
const REBOOT_BUCKETS = [10, 30, 60, 120, 300, 600, 900, 1800, 3600];

export interface CoordinatorMetrics {
  readonly registry: Registry;
  setLeader(leading: boolean): void;
  /** A grant was given after the node waited `waitedMs` since its request. */
  granted(policy: string, waitedMs: number): void;
  /** What happened on nodes, from their records. */
  observe(t: Transition): void;
  /** The gauges of one decision: grants held, nodes waiting, stalled holders, pools held by others. */
  decided(out: CoreOutput, held: ReadonlyMap<string, number>): void;
  /** The policies halted now (spec.halt). */
  halted(policies: ReadonlySet<string>): void;
  /** A hook Job ended (spec.hooks): its result as written on the grant. */
  hookRun(policy: string, hook: 'preReboot' | 'postReboot', result: 'succeeded' | 'failed'): void;
}

export function createCoordinatorMetrics(options: {
  readonly policies: readonly string[];
  readonly processMetrics?: boolean;
}): CoordinatorMetrics {
  const registry = new Registry();
  const registers = [registry];
  const leader = new Gauge({
    name: 'patchwindow_coordinator_leader',
    help: 'This replica is the leader that grants reboots: 1, else 0.',
    registers,
  });
  const grants = new Gauge({
    name: 'patchwindow_coordinator_grants',
    help: 'Grants held now (nodes allowed to cordon, drain and reboot), by policy.',
    labelNames: ['policy'],
    registers,
  });
  const waiting = new Gauge({
    name: 'patchwindow_coordinator_waiting',
    help: 'Nodes that asked for a grant and wait, by policy.',
    labelNames: ['policy'],
    registers,
  });
  const stalled = new Gauge({
    name: 'patchwindow_coordinator_stalled_grants',
    help: 'Grants whose holder stopped renewing them (kept; the pool waits until the node is deleted, its agent releases, or an operator frees it), by policy.',
    labelNames: ['policy'],
    registers,
  });
  const heldByOthers = new Gauge({
    name: 'patchwindow_coordinator_held_by_unavailable',
    help: 'Nodes unavailable without a reboot by patchwindow (admin cordon, NotReady) that hold a pool at its budget, by policy.',
    labelNames: ['policy'],
    registers,
  });
  const given = new Counter({
    name: 'patchwindow_grants_total',
    help: 'Grants given, by policy.',
    labelNames: ['policy'],
    registers,
  });
  const reboots = new Counter({
    name: 'patchwindow_reboots_total',
    help: 'Reboots completed in the fleet (the boot id changed), by policy.',
    labelNames: ['policy'],
    registers,
  });
  const failures = new Counter({
    name: 'patchwindow_failures_total',
    help: 'Reboot attempts that failed, by policy and reason (drain, reboot, pre-hook, grant-lost).',
    labelNames: ['policy', 'reason'],
    registers,
  });
  const loopGuards = new Counter({
    name: 'patchwindow_loop_guards_total',
    help: 'Reboots after which the sentinel was still there (the loop guard holds the node off), by policy.',
    labelNames: ['policy'],
    registers,
  });
  const wait = new Histogram({
    name: 'patchwindow_wait_seconds',
    help: 'Time from a node asking for a grant to getting one, by policy.',
    labelNames: ['policy'],
    buckets: WAIT_BUCKETS,
    registers,
  });
  const drain = new Histogram({
    name: 'patchwindow_drain_duration_seconds',
    help: 'Duration of drains that ended in a reboot, by policy.',
    labelNames: ['policy'],
    buckets: DRAIN_BUCKETS,
    registers,
  });
  const reboot = new Histogram({
    name: 'patchwindow_reboot_duration_seconds',
    help: 'From the reboot command until the node is back with a new boot id, by policy.',
    labelNames: ['policy'],
    buckets: REBOOT_BUCKETS,
    registers,
  });
  const poolHalted = new Gauge({
    name: 'patchwindow_pool_halted',
    help: 'The pool halted itself after repeated failures (spec.halt): 1 until resumed (patchwindow resume, or paused in git), else 0, by policy.',
    labelNames: ['policy'],
    registers,
  });
  const hookRuns = new Counter({
    name: 'patchwindow_coordinator_hook_runs_total',
    help: 'Hook Jobs that ended (spec.hooks), by policy, hook (preReboot, postReboot) and result (succeeded, failed).',
    labelNames: ['policy', 'hook', 'result'],
    registers,
  });
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  leader.set(0);
  for (const policy of options.policies) {
    for (const g of [grants, waiting, stalled, heldByOthers, poolHalted]) g.set({ policy }, 0);
    for (const c of [given, reboots, loopGuards]) c.inc({ policy }, 0);
    for (const reason of ['drain', 'reboot', 'pre-hook', 'grant-lost']) failures.inc({ policy, reason }, 0);
    for (const h of [wait, drain, reboot]) h.zero({ policy });
  }

  return {
    registry,
    setLeader: (leading) => leader.set(leading ? 1 : 0),
    granted(policy, waitedMs) {
      given.inc({ policy });
      wait.observe({ policy }, waitedMs / 1000);
    },
    observe(t) {
      const policy = t.policy;
      switch (t.kind) {
        case 'drained':
          return drain.observe({ policy }, t.durationMs / 1000);
        case 'rebooted':
          reboots.inc({ policy });
          if (t.durationMs !== null) reboot.observe({ policy }, t.durationMs / 1000);
          return;
        case 'failed':
          return failures.inc({ policy, reason: t.reason });
        case 'lost':
          return failures.inc({ policy, reason: 'grant-lost' });
        case 'loop-guard':
          return loopGuards.inc({ policy });
      }
    },
    hookRun: (policy, hook, result) => hookRuns.inc({ policy, hook, result }),
    halted(policies) {
      for (const policy of options.policies) poolHalted.set({ policy }, policies.has(policy) ? 1 : 0);
    },
    decided(out, held) {
      for (const policy of options.policies) {
        grants.set({ policy }, held.get(policy) ?? 0);
        waiting.set(
          { policy },
          out.holds.filter((h) => h.policy === policy).reduce((n, h) => n + h.waiting, 0),
        );
        stalled.set({ policy }, out.stalled.filter((s) => s.policy === policy).length);
        heldByOthers.set(
          { policy },
          out.holds.find((h) => h.policy === policy && h.reason === 'held-by-unavailable')?.nodes.length ?? 0,
        );
      }
    },
  };
}
