// The coordinator's health gates (shell): before it gives a grant in a policy with health checks,
// it reads the objects the checks name (with its own, rendered read access) and lets the pure core
// (core/health.ts) judge them. Each check is read at most once per decision round and only for a
// policy about to be granted: health objects are not watched, so while a gate holds the loop comes
// back every `recheckMs` to read them again. A read that fails or times out holds (fail closed).
import { Gauge, type Registry } from 'prom-client';
import type { ObjectReader } from '../kube/objects.ts';
import { messageOf } from '../policy/errors.ts';
import type { AgentConfig, HealthCheck } from '../policy/model.ts';
import { evaluateGate, healthGuard, selectorText, type GateVerdict, type HealthRead } from './core/health.ts';
import { decideGrants } from './core/grants.ts';
import type { CoreInput, CoreOutput, GuardHold } from './core/model.ts';

/** How the loop reads and reports health gates. */
export interface GateOptions {
  /** Absent: every check holds (nothing can read the objects). */
  readonly reader?: ObjectReader;
  readonly metrics: GateMetrics;
  /** While a gate holds, read its objects again after this long (default 10 s). */
  readonly recheckMs?: number;
}

export const DEFAULT_GATE_RECHECK_MS = 10_000;

export interface GateMetrics {
  passing(policy: string, check: string, passing: boolean): void;
}

/** `patchwindow_health_gate_passing{policy,check}`: the last evaluation of each check. */
export function createGateMetrics(registry: Registry): GateMetrics {
  const gauge = new Gauge({
    name: 'patchwindow_health_gate_passing',
    help: "A policy's health check passed at its last evaluation (before a grant): 1, else 0 (the pool waits).",
    labelNames: ['policy', 'check'],
    registers: [registry],
  });
  return { passing: (policy, check, passing) => gauge.set({ policy, check }, passing ? 1 : 0) };
}

/** The decision with the health gates of every policy it would grant in, and the gates' verdicts. */
export async function decideWithGates(
  input: CoreInput,
  configs: readonly AgentConfig[],
  gates: GateOptions,
): Promise<{ out: CoreOutput; verdicts: ReadonlyMap<string, readonly GateVerdict[]> }> {
  const checks = new Map(configs.map((c) => [c.policy.name, c.policy.healthChecks ?? []]));
  const verdicts = new Map<string, GateVerdict[]>();
  const reads = new Map<string, Promise<HealthRead>>();
  let guards: GuardHold[] = [...(input.guards ?? [])];
  // Each pass judges the gates of the policies it would grant in and decides again with their holds
  // (a held policy's budget share may go to another under the fleet cap): at most one pass more
  // than there are gated policies.
  for (;;) {
    const out = decideGrants({ ...input, guards });
    const unjudged = [...new Set(out.grant.map((g) => g.policy))].filter(
      (p) => !verdicts.has(p) && (checks.get(p)?.length ?? 0) > 0,
    );
    if (unjudged.length === 0) return { out, verdicts };
    for (const policy of unjudged) {
      const judged = await judgeChecks(checks.get(policy)!, gates.reader, reads);
      verdicts.set(policy, judged);
      for (const v of judged) gates.metrics.passing(policy, v.check, v.passing);
      const guard = healthGuard(policy, judged);
      if (guard !== null) guards = [...guards, guard];
    }
  }
}

/** The verdicts of `checks` on their objects as read now (`reads`: the round's reads, shared). */
export function judgeChecks(
  checks: readonly HealthCheck[],
  reader: ObjectReader | undefined,
  reads = new Map<string, Promise<HealthRead>>(),
): Promise<GateVerdict[]> {
  return Promise.all(checks.map(async (c) => evaluateGate(c, await readOnce(reads, reader, c))));
}

/** A check's objects, read once per round even when several checks name the same ones. */
function readOnce(
  reads: Map<string, Promise<HealthRead>>,
  reader: ObjectReader | undefined,
  c: HealthCheck,
): Promise<HealthRead> {
  const query = {
    apiVersion: c.apiVersion,
    resource: c.resource,
    namespace: c.namespace,
    name: c.name,
    labelSelector: c.selector === null ? '' : selectorText(c.selector),
    timeoutMs: c.timeoutMs,
  };
  const key = JSON.stringify(query);
  let read = reads.get(key);
  if (read === undefined) {
    read =
      reader === undefined
        ? Promise.resolve({ kind: 'error', message: 'this coordinator has no object reader' })
        : reader.read(query).then(
            (items): HealthRead => ({ kind: 'objects', items }),
            (err: unknown): HealthRead => ({ kind: 'error', message: messageOf(err) }),
          );
    reads.set(key, read);
  }
  return read;
}

/** Whether any gate judged now holds (the loop then comes back after `recheckMs`). */
export function anyGateHolds(verdicts: ReadonlyMap<string, readonly GateVerdict[]>): boolean {
  for (const list of verdicts.values()) if (list.some((v) => !v.passing)) return true;
  return false;
}
