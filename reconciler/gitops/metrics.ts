// The reconciler's Prometheus metrics (prom-client). Alert on `patchwindow_reconcile_last_success_timestamp_seconds`
// growing old, or on `increase(patchwindow_reconcile_total{outcome!="applied"}[10m]) > 0`. Every series
// exists from the start (at 0), so `absent()` and `== 0` alerts mean what they say.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import type { CoverageFindingKind } from '../plan/coverage-check.ts';
import type { CycleResult } from './cycle.ts';

/** What a cycle ended as: `applied`, `invalid` (policies refused, nothing changed) or `failed`. */
const OUTCOMES: readonly CycleResult['outcome'][] = ['applied', 'invalid', 'failed'];
const ACTIONS = ['created', 'configured', 'pruned'] as const;
// Exhaustive by type: a new kind of finding without a series here does not compile.
const COVERAGE_KINDS = Object.keys({
  'no-pool-label': null,
  'pool-on-no-node': null,
  'pool-to-default': null,
  'policy-no-node': null,
} satisfies Record<CoverageFindingKind, null>) as CoverageFindingKind[];

// Seconds. A cycle is a git fetch plus a few dozen API requests; the git timeout bounds it at minutes.
const DURATION_BUCKETS = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300];

export interface ReconcilerMetrics {
  readonly registry: Registry;
  /** Records one cycle and how long it took. */
  observeCycle(result: CycleResult, durationMs: number, endMs: number): void;
  /** A scheduled cycle was skipped because the previous one still ran. */
  countSkipped(): void;
  setLeader(leading: boolean): void;
}

export function createReconcilerMetrics(
  options: { readonly registry?: Registry; readonly processMetrics?: boolean } = {},
): ReconcilerMetrics {
  const registry = options.registry ?? new Registry();
  const registers = [registry];
  const duration = new Histogram({
    name: 'patchwindow_reconcile_duration_seconds',
    help: 'Duration of a reconcile cycle (fetch, validate, render, apply, prune), by outcome.',
    labelNames: ['outcome'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  const total = new Counter({
    name: 'patchwindow_reconcile_total',
    help: 'Reconcile cycles by outcome: applied, invalid (policies refused, nothing changed), failed (git or API error).',
    labelNames: ['outcome'],
    registers,
  });
  const lastSuccess = new Gauge({
    name: 'patchwindow_reconcile_last_success_timestamp_seconds',
    help: 'Unix time of the last cycle that applied a commit (0: none yet).',
    registers,
  });
  const lastAttempt = new Gauge({
    name: 'patchwindow_reconcile_last_attempt_timestamp_seconds',
    help: 'Unix time of the last cycle, whatever its outcome (0: none yet).',
    registers,
  });
  const changes = new Counter({
    name: 'patchwindow_reconcile_objects_total',
    help: 'Objects created, configured (changed) or pruned by reconcile cycles.',
    labelNames: ['action'],
    registers,
  });
  const skipped = new Counter({
    name: 'patchwindow_reconcile_skipped_total',
    help: 'Scheduled cycles skipped because the previous cycle was still running.',
    registers,
  });
  const policies = new Gauge({
    name: 'patchwindow_policies',
    help: 'Reboot policies in the last applied commit.',
    registers,
  });
  const pools = new Gauge({
    name: 'patchwindow_pools',
    help: 'Node pools named by the policies of the last applied commit (a selector or default policy counts as one).',
    registers,
  });
  const leader = new Gauge({
    name: 'patchwindow_reconciler_leader',
    help: 'This replica holds the leader Lease and runs the cycles: 1, else 0.',
    registers,
  });
  const policyNodes = new Gauge({
    name: 'patchwindow_policy_nodes',
    help: 'Nodes each policy of the last applied commit runs an agent on (0: the policy matches no node; alert on it).',
    labelNames: ['policy'],
    registers,
  });
  const coverageProblems = new Gauge({
    name: 'patchwindow_coverage_problems',
    help: 'Coverage problems of the last applied commit, by kind: no-pool-label, pool-on-no-node, pool-to-default, policy-no-node.',
    labelNames: ['kind'],
    registers,
  });

  for (const outcome of OUTCOMES) {
    total.inc({ outcome }, 0);
    duration.zero({ outcome });
  }
  for (const action of ACTIONS) changes.inc({ action }, 0);
  for (const kind of COVERAGE_KINDS) coverageProblems.set({ kind }, 0);
  for (const g of [lastSuccess, lastAttempt, policies, pools, leader]) g.set(0);
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });

  return {
    registry,
    observeCycle(result, durationMs, endMs) {
      total.inc({ outcome: result.outcome });
      duration.observe({ outcome: result.outcome }, durationMs / 1000);
      lastAttempt.set(endMs / 1000);
      if (result.outcome !== 'applied') return;
      lastSuccess.set(endMs / 1000);
      policies.set(result.policies);
      pools.set(result.pools);
      changes.inc({ action: 'created' }, result.result.created.length);
      changes.inc({ action: 'configured' }, result.result.configured.length);
      changes.inc({ action: 'pruned' }, result.result.pruned.length);
      if (result.coverage?.checked) {
        // Policies of an earlier commit disappear from the series instead of staying at their last count.
        policyNodes.reset();
        for (const [policy, count] of result.coverage.nodesPerPolicy) policyNodes.set({ policy }, count);
        for (const kind of COVERAGE_KINDS)
          coverageProblems.set({ kind }, result.coverage.findings.filter((f) => f.kind === kind).length);
      }
    },
    countSkipped: () => skipped.inc(),
    setLeader: (leading) => leader.set(leading ? 1 : 0),
  };
}
