// The invariant "never an eviction without a live grant verified just before it" (DESIGN.md 7),
// checked after a scenario from two independent records: the grant Leases' lifetimes as the
// cluster watcher saw them (each grant is its own epoch, the Lease's uid: a grant freed and given
// again, even to the same node, is a new epoch), and the agents' drain logs, which name the epoch
// of every eviction and open every eviction round with a line written before the round's proof
// is read (agent/fence.ts).
//
// An eviction is stale when its round began after its epoch had ended. Times compare safely in
// one direction: the watcher sees a grant end no earlier than it ended, and a round's opening line
// is written no later than its proof is read; so a round proven while its grant lived is never
// called stale, however late the watcher or the log. A round proven just before the end may land
// its evictions just after it (the eviction API takes no fencing token): that is allowed. Evictions
// of the agent's next grant (an agent that lost its grant may ask again at once and be granted
// anew, e.g. after its Node was deleted and registered again) are judged against that grant.
// Also a violation: an eviction that names no epoch, one not opened by a round of its epoch, and
// one under an epoch the watcher never saw given to that node.
import { EVICTION_ROUND_MESSAGE } from '../../agent/fence.ts';
import type { GrantEvent } from './cluster-watcher.ts';
import type { E2eFleet } from './e2e-fleet.ts';

/** One eviction call as an agent logged it, with the round it belongs to. */
export interface LoggedEviction {
  readonly node: string;
  readonly pod: string;
  readonly atMs: number;
  readonly result: string;
  readonly epoch: string | undefined;
  /** The opening line of its round (the last one before it in the same process), if any. */
  readonly round: { readonly atMs: number; readonly epoch: string | undefined } | undefined;
}

function timeOf(line: Record<string, unknown>): number {
  return typeof line.time === 'string' ? Date.parse(line.time) : Number.NaN;
}

function text(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

/**
 * The evictions in the log lines of one agent process of `node` (supervisor and workers share its
 * output; its workers run one after another, so a worker's lines are in order).
 */
export function loggedEvictions(node: string, lines: readonly Record<string, unknown>[]): LoggedEviction[] {
  const out: LoggedEviction[] = [];
  let round: LoggedEviction['round'];
  for (const l of lines) {
    const msg = String(l.msg);
    // A new worker starts without a round: its first evictions must open one of their own.
    if (l.process === 'supervisor') {
      if (msg === 'agent worker started') round = undefined;
    } else if (msg === EVICTION_ROUND_MESSAGE) round = { atMs: timeOf(l), epoch: text(l.epoch) };
    else if (/^evict /.test(msg))
      out.push({
        node,
        pod: text(l.pod) ?? msg,
        atMs: timeOf(l),
        result: text(l.result) ?? '?',
        epoch: text(l.epoch),
        round,
      });
  }
  return out;
}

/** The lifetime of each epoch given to each node: given (as first seen) and ended (undefined: still held). */
export function grantLives(
  events: readonly GrantEvent[],
): Map<string, { readonly node: string; readonly givenMs: number; readonly endedMs: number | undefined }> {
  const lives = new Map<string, { node: string; givenMs: number; endedMs: number | undefined }>();
  for (const e of events) {
    const key = `${e.node}\u0000${e.epoch}`;
    if (e.kind === 'given' && !lives.has(key)) lives.set(key, { node: e.node, givenMs: e.atMs, endedMs: undefined });
    if (e.kind === 'released') {
      const life = lives.get(key);
      if (life !== undefined && life.endedMs === undefined) life.endedMs = e.atMs;
    }
  }
  return lives;
}

function clock(ms: number): string {
  return Number.isNaN(ms) ? '?' : new Date(ms).toISOString().slice(11, 23);
}

/** Every eviction that breaks the invariant, described; empty when none does. */
export function staleEvictions(events: readonly GrantEvent[], evictions: readonly LoggedEviction[]): string[] {
  const lives = grantLives(events);
  const out: string[] = [];
  for (const e of evictions) {
    const what = `${e.node}: evict ${e.pod} (${e.result}) at ${clock(e.atMs)}`;
    if (e.epoch === undefined) {
      out.push(`${what} names no grant`);
      continue;
    }
    if (e.round === undefined || e.round.epoch !== e.epoch) {
      out.push(`${what} under grant ${e.epoch} was not opened by a round proving that grant`);
      continue;
    }
    const life = lives.get(`${e.node}\u0000${e.epoch}`);
    if (life === undefined) {
      out.push(`${what} under grant ${e.epoch}, which was never given to ${e.node}`);
      continue;
    }
    if (life.endedMs !== undefined && e.round.atMs > life.endedMs)
      out.push(
        `${what} under grant ${e.epoch}, which ended at ${clock(life.endedMs)}: its round began at ${clock(e.round.atMs)}, after the end`,
      );
  }
  return out;
}

/** The stale evictions of every agent process `fleet` ran (see staleEvictions). */
export function fleetStaleEvictions(fleet: E2eFleet): string[] {
  return staleEvictions(
    fleet.watcher.grantEvents,
    fleet.nodes.flatMap((short) => fleetEvictions(fleet, short)),
  );
}

/** The evictions the agents of `short` logged so far, all processes. */
export function fleetEvictions(fleet: E2eFleet, short: string): LoggedEviction[] {
  return (fleet.processes.get(short) ?? []).flatMap((p) => loggedEvictions(fleet.node(short), p.logs()));
}
