// A health gate that fails right after a node returns counts as that node's failure (spec.halt with
// spec.healthChecks), pure. "Right after" is defined so that flaky reads and normal settling never
// halt a pool:
// - a node returns when its agent records the completed reboot (annotation patchwindow.io/last-reboot,
//   written after the uncordon and the release of its grant); a reboot loop is a failure already;
// - its policy's checks are judged once the return is `healthGrace` old (time to settle), while no
//   other node of the policy holds a grant (its drain could be the cause), and at the latest
//   `healthGrace` (at least a minute) later: after that, a failing check is no longer "right after";
// - only a check whose expression evaluated false counts; one that cannot be read or evaluated
//   counts nothing (it still holds the pool: fail closed) and is read again until the deadline;
// - each return is judged once: the shell remembers judged returns, and a noted failure names its
//   return, so a coordinator restart does not count it twice.
import { formatDuration } from '../../policy/duration.ts';
import type { GateFailure } from '../../policy/gate-failures.ts';
import type { LastReboot } from '../../policy/state.ts';
import type { GateVerdict } from './health.ts';

/** A policy whose returns are judged: it has spec.halt and health checks. */
export interface ReturnPolicy {
  readonly name: string;
  readonly graceMs: number;
}

/** What the judging needs of a Node. */
export interface ReturnNode {
  readonly name: string;
  /** The policy the node belongs to now; null: none. */
  readonly policy: string | null;
  /** Its agent's last completed reboot; undefined: none recorded. */
  readonly lastReboot: LastReboot | undefined;
}

/** One return of a node from its reboot. */
export interface Return {
  readonly node: string;
  readonly policy: string;
  readonly returnedMs: number;
}

export type ReturnJudgment =
  | { readonly kind: 'clean' }
  | { readonly kind: 'failed'; readonly failure: GateFailure }
  /** No check is false, but one could not be read or evaluated: judge again later. */
  | { readonly kind: 'unknown' };

/** How long after the grace a return may still be judged. */
const MIN_LATE_MS = 60_000;

/** Identifies a return (what "judged once" remembers). */
export function returnKey(node: string, returnedMs: number): string {
  return `${node}|${returnedMs}`;
}

/** The last instant a return may be judged. */
export function judgeDeadline(returnedMs: number, graceMs: number): number {
  return returnedMs + graceMs + Math.max(graceMs, MIN_LATE_MS);
}

/**
 * The returns to judge at `nowMs`, and when the next one not yet due is (null: none). `busy`:
 * policies where a node holds a grant now; `judged`: returnKey of returns judged already.
 */
export function dueReturns(o: {
  readonly policies: readonly ReturnPolicy[];
  readonly nodes: readonly ReturnNode[];
  readonly busy: ReadonlySet<string>;
  readonly judged: ReadonlySet<string>;
  readonly nowMs: number;
}): { due: Return[]; nextMs: number | null } {
  const due: Return[] = [];
  let nextMs: number | null = null;
  for (const n of o.nodes) {
    const p = o.policies.find((x) => x.name === n.policy);
    const last = n.lastReboot;
    if (p === undefined || last === undefined || last.sentinelSurvived) continue;
    if (o.judged.has(returnKey(n.name, last.atMs))) continue;
    const fromMs = last.atMs + p.graceMs;
    if (o.nowMs > judgeDeadline(last.atMs, p.graceMs) || o.busy.has(p.name)) continue;
    if (o.nowMs >= fromMs) due.push({ node: n.name, policy: p.name, returnedMs: last.atMs });
    else nextMs = Math.min(nextMs ?? Infinity, fromMs);
  }
  return { due, nextMs };
}

/** The judgment of a return on the verdicts of its policy's checks, read at `nowMs`. */
export function judgeReturn(
  r: Return,
  graceMs: number,
  verdicts: readonly GateVerdict[],
  nowMs: number,
): ReturnJudgment {
  const falsy = verdicts.filter((v) => v.expressionFalse === true);
  if (falsy.length > 0) {
    const after = `${formatDuration(graceMs)} after the node returned at ${new Date(r.returnedMs).toISOString()}`;
    return {
      kind: 'failed',
      failure: {
        node: r.node,
        atMs: nowMs,
        returnedMs: r.returnedMs,
        kind: 'health-gate',
        reason: falsy.map((v) => `health check "${v.check}" still false ${after}: ${v.detail}`).join('; '),
      },
    };
  }
  return verdicts.every((v) => v.passing) ? { kind: 'clean' } : { kind: 'unknown' };
}
