// What `patchwindow status` shows of halted pools (spec.halt): the records on each Fleet's halt
// Lease (kube/halts.ts), with the evidence and the command that resumes the pool.
import { formatDuration } from '../../policy/duration.ts';
import { describeEvidence, type HaltRecord } from '../../policy/halt.ts';

/** A halt record as read, with the Fleet whose Lease holds it. */
export interface HaltRead {
  readonly fleet: string;
  readonly namespace: string;
  readonly policy: string;
  readonly record: HaltRecord;
}

/** A halted pool, as status shows it. */
export interface HaltRow {
  readonly fleet: string;
  readonly policy: string;
  readonly sinceMs: number;
  readonly afterFailures: number;
  readonly within: string;
  /** One line per failure that counted: time, node, kind, reason. */
  readonly failures: readonly string[];
  readonly resumeCommand: string;
}

/** The halted pools among the records (resumed ones are not shown). */
export function haltRows(halts: readonly HaltRead[]): HaltRow[] {
  return halts.flatMap((h) =>
    h.record.state !== 'halted'
      ? []
      : [
          {
            fleet: h.fleet,
            policy: h.policy,
            sinceMs: h.record.atMs,
            afterFailures: h.record.afterFailures,
            within: formatDuration(h.record.withinMs),
            failures: describeEvidence(h.record.failures),
            resumeCommand: `patchwindow resume ${h.policy} --namespace ${h.namespace}`,
          },
        ],
  );
}

/** The text under the tables: why each pool is halted and how to resume it. */
export function haltText(rows: readonly HaltRow[]): string[] {
  return rows.flatMap((r) => [
    `policy ${r.policy} (fleet ${r.fleet}) HALTED since ${new Date(r.sinceMs).toISOString()} after ${r.failures.length} failures within ${r.within} (spec.halt: afterFailures ${r.afterFailures}); no reboot starts in it until resumed with: ${r.resumeCommand}`,
    ...r.failures.map((f) => `  ${f}`),
  ]);
}
