// The coordinator's shell for spec.halt: read the halt records kept on the cluster (re-read every
// few seconds, so `patchwindow resume` is seen without a restart), ask the pure core which pools are
// halted, write the record of a pool that halts now (before any grant is decided with it), and say
// why: a Warning Event on each failed node, a log line, the metric patchwindow_pool_halted. The
// failures counted are the agents' notes on their Nodes and the coordinator's own (returns.ts).
//
// Notifications: the policies' chat and webhook URLs live in Secrets only the agents may read (the
// coordinator holds no Secret rights), so a halt is announced by Event, metric and the bundled
// PrometheusRule (PatchwindowPoolHalted), and each failure that led to it was already notified by
// the agent of its node (event `failed`).
import type { Halts } from '../kube/halts.ts';
import type { Events, NodeInfo } from '../kube/ports.ts';
import type { Log } from '../io/log.ts';
import { decodeFailures } from '../policy/failures.ts';
import { describeEvidence, type HaltEvidence, type HaltRecord } from '../policy/halt.ts';
import { FAILURES_ANNOTATION, STATE_ANNOTATION } from '../policy/keys.ts';
import { decodeState } from '../policy/state.ts';
import { decideHalts, haltGuard, type HaltPolicy } from './core/halt.ts';
import type { GuardHold } from './core/model.ts';
import type { CoordinatorMetrics } from './metrics.ts';
import { policyOf, type FleetConfig } from './view.ts';

/** How often the records are read again (a resume is seen within this, or the next change). */
const REREAD_MS = 5_000;

export interface Halting {
  /**
   * The guard holds of the halted pools now; writes and tells new halts first. `noted`: the
   * failures the coordinator noted itself (returns.ts), by policy.
   */
  guards(
    nodes: readonly NodeInfo[],
    nowMs: number,
    noted?: ReadonlyMap<string, readonly HaltEvidence[]>,
  ): Promise<GuardHold[]>;
}

export function createHalting(o: {
  readonly fleet: FleetConfig;
  readonly halts: Halts;
  readonly events: Events;
  readonly log: Log;
  readonly metrics: CoordinatorMetrics;
}): Halting {
  const policies: HaltPolicy[] = o.fleet.configs.flatMap((c) =>
    c.policy.halt === undefined
      ? []
      : [{ name: c.policy.name, halt: c.policy.halt, expectedRebootMs: c.policy.reboot.expectedDurationMs }],
  );
  let records: Map<string, HaltRecord> | undefined;
  let readMs = -Infinity;
  const told = new Set<string>();
  return {
    async guards(nodes, nowMs, noted) {
      if (policies.length === 0) return [];
      if (records === undefined || nowMs - readMs >= REREAD_MS) {
        records = await o.halts.read();
        readMs = nowMs;
      }
      const out = decideHalts({
        nodes: nodes.map((n) => {
          const read = decodeState(n.annotations[STATE_ANNOTATION]);
          return {
            name: n.name,
            policy: policyOf(o.fleet, n.labels),
            ready: n.ready,
            failures: decodeFailures(n.annotations[FAILURES_ANNOTATION]),
            state: read.kind === 'ok' ? read.state : null,
          };
        }),
        policies,
        records,
        ...(noted === undefined ? {} : { noted }),
        nowMs,
      });
      for (const [policy, record] of out.halt) {
        // Kept on the cluster before it holds anything: a restart finds it even if the failures age out.
        await o.halts.write(policy, record);
        records.set(policy, record);
      }
      for (const [policy, r] of records) {
        if (r.state !== 'halted' || !policies.some((p) => p.name === policy)) continue;
        const key = `${policy}|${r.atMs}`;
        if (told.has(key)) continue;
        told.add(key);
        const message = haltGuard(policy, r).detail;
        o.log.warn({ policy, failures: describeEvidence(r.failures) }, `policy ${policy} halted: ${message}`);
        for (const node of new Set(r.failures.map((f) => f.node)))
          void o.events.record(node, { type: 'Warning', reason: 'PoolHalted', message: `policy ${policy} ${message}` });
      }
      o.metrics.halted(new Set(out.guards.map((g) => g.policy)));
      return [...out.guards];
    },
  };
}
