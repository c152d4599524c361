// The coordinator's shell for health gates right after a node returns (core/returns.ts): on each
// decision, the returns due are judged by reading their policy's checks; a check still false is
// noted on the halt Lease (kube/halts.ts) before it counts — the coordinator may not write Nodes —
// and told by a Warning Event on the returned node. The notes are read once when it starts leading
// (it is their only writer) and name the return they judged, so a restart counts none twice; a
// return judged clean is remembered in process only (after a restart within its judging time it may
// be judged again, then still by a check false "right after" it).
import type { Halts } from '../kube/halts.ts';
import type { Events, Grant, NodeInfo } from '../kube/ports.ts';
import type { Log } from '../io/log.ts';
import { keepGateFailures, type GateFailure } from '../policy/gate-failures.ts';
import { LAST_REBOOT_ANNOTATION } from '../policy/keys.ts';
import type { HealthCheck } from '../policy/model.ts';
import { decodeLastReboot } from '../policy/state.ts';
import { dueReturns, judgeDeadline, judgeReturn, returnKey, type ReturnPolicy } from './core/returns.ts';
import type { HealthRead } from './core/health.ts';
import { DEFAULT_GATE_RECHECK_MS, judgeChecks, type GateOptions } from './gates.ts';
import { policyOf, type FleetConfig } from './view.ts';

export interface ReturnWatch {
  /** Judges the returns due now; every policy's noted failures, and when to look again at the latest. */
  judge(
    nodes: readonly NodeInfo[],
    grants: readonly Grant[],
    nowMs: number,
  ): Promise<{ noted: ReadonlyMap<string, readonly GateFailure[]>; nextMs: number }>;
}

interface Gated extends ReturnPolicy {
  readonly withinMs: number;
  readonly checks: readonly HealthCheck[];
}

export function createReturnWatch(o: {
  readonly fleet: FleetConfig;
  readonly halts: Halts;
  readonly gates: GateOptions;
  readonly events: Events;
  readonly log: Log;
}): ReturnWatch {
  const policies: Gated[] = o.fleet.configs.flatMap((c) =>
    c.policy.halt === undefined || (c.policy.healthChecks ?? []).length === 0
      ? []
      : [
          {
            name: c.policy.name,
            graceMs: c.policy.halt.healthGraceMs,
            withinMs: c.policy.halt.withinMs,
            checks: c.policy.healthChecks!,
          },
        ],
  );
  const recheckMs = o.gates.recheckMs ?? DEFAULT_GATE_RECHECK_MS;
  let noted: Map<string, GateFailure[]> | undefined;
  /** Returns judged (returnKey), until their judging time is over. */
  const judged = new Map<string, number>();
  return {
    async judge(nodes, grants, nowMs) {
      if (policies.length === 0) return { noted: new Map(), nextMs: Infinity };
      if (noted === undefined) {
        noted = await o.halts.readNoted();
        for (const [policy, list] of noted) {
          const graceMs = policies.find((p) => p.name === policy)?.graceMs ?? 0;
          for (const f of list) judged.set(returnKey(f.node, f.returnedMs), judgeDeadline(f.returnedMs, graceMs));
        }
      }
      for (const [key, untilMs] of judged) if (untilMs < nowMs) judged.delete(key);
      const { due, nextMs } = dueReturns({
        policies,
        nodes: nodes.map((n) => ({
          name: n.name,
          policy: policyOf(o.fleet, n.labels),
          lastReboot: decodeLastReboot(n.annotations[LAST_REBOOT_ANNOTATION]),
        })),
        busy: new Set(grants.map((g) => g.policy)),
        judged: new Set(judged.keys()),
        nowMs,
      });
      let next = nextMs ?? Infinity;
      const reads = new Map<string, Promise<HealthRead>>();
      for (const r of due) {
        const p = policies.find((x) => x.name === r.policy)!;
        const verdict = judgeReturn(r, p.graceMs, await judgeChecks(p.checks, o.gates.reader, reads), nowMs);
        const key = returnKey(r.node, r.returnedMs);
        if (verdict.kind === 'unknown') {
          next = Math.min(next, nowMs + recheckMs);
          continue;
        }
        if (verdict.kind === 'failed') {
          const list = keepGateFailures(noted.get(p.name) ?? [], [verdict.failure], p.withinMs, nowMs);
          // Kept before it counts: a restart finds it, and judges this return no more.
          await o.halts.writeNoted(p.name, list);
          noted.set(p.name, list);
          const message = `policy ${p.name}: ${verdict.failure.reason}; counts as a failure toward spec.halt`;
          o.log.warn({ policy: p.name, node: r.node }, message);
          void o.events.record(r.node, { type: 'Warning', reason: 'HealthGateFailedAfterReboot', message });
        } else
          o.log.info({ policy: p.name, node: r.node }, `policy ${p.name}: health checks pass after ${r.node} returned`);
        judged.set(key, judgeDeadline(r.returnedMs, p.graceMs));
      }
      return { noted, nextMs: next };
    },
  };
}
