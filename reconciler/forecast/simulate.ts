// The rollout simulator (pure: no I/O, no clock; `fromMs` is a parameter). Every simulated agent
// runs the agent's own decision core, `nextAction(facts, config, nowMs)`, on facts the world
// builds the way agent/loop.ts gathers them, and the world carries out each Action the way
// agent/act.ts does: steps at once, a drain takes the node's `drainMs` (failing at its deadline when
// that is shorter), a reboot its `rebootMs` (both its policy's or the overrides, durations.ts) (NotReady,
// the agent process gone, then a new boot id, Ready
// and a fresh process that recovers through the core). Who may start is decided by the
// coordinator's own core (coordinate.ts): nothing here decides what a node does or who goes first.
//
// Event-driven on a virtual clock. A node's agent is run when something it depends on changes:
//  - `wait` with `untilMs`: at that instant (never sooner than the loop's 100 ms floor);
//  - `wait` without `untilMs` (not required, held, ...): only when its own Node changes, which in
//    the simulation happens only at its reboot; the real agent re-senses every checkInterval and
//    decides the same, because none of its facts changed;
//  - `wait` for a `grant`: the node passed its start gate and published its request on its Node;
//    it is run again when it is granted, or when its start gate closes (the window's end minus
//    drain timeout and expected reboot), where it withdraws the request. The real agent also
//    re-checks its blockers every checkInterval while it waits; in the forecast they are always
//    clear, so it would decide the same.
// The coordinator decides after every change it reads — a request, a grant given back, a node's
// availability — once per instant after the agents of that instant, and at the next instant its
// decision may change by time alone (its `nextChangeMs`: a window edge). With no request waiting
// there is nothing to decide, and it is not asked.
import { nextAction } from '../../agent/core/decide.ts';
import { neededMs, scheduleOf } from '../../agent/core/decide-common.ts';
import type { Action, DrainOutcome, Facts, WaitReason } from '../../agent/core/facts.ts';
import type { AgentConfig, Budget } from '../../policy/model.ts';
import { withSilence } from '../../agent/core/silence.ts';
import { SimCoordinator } from './coordinate.ts';
import { durationsOf, type DurationOverrides } from './durations.ts';
import { TimeQueue } from './queue.ts';
import { SimWorld, type SimNode, type SimNodeSpec } from './world.ts';

/** The decision function; the agent's `nextAction` unless a test swaps it. */
export type Decide = (facts: Facts, config: AgentConfig, nowMs: number) => Action;

export interface SimulationInput {
  readonly nodes: readonly SimNodeSpec[];
  readonly fleetBudget: Budget | null;
  readonly fromMs: number;
  /** The simulation stops at this instant (the horizon). */
  readonly untilMs: number;
  /** How long drains and reboots take when not each policy's own (durations.ts). */
  readonly durations: DurationOverrides;
  readonly decide?: Decide;
}

/** What happened to one node. */
export interface NodeOutcome {
  readonly name: string;
  readonly policy: string | null;
  readonly pending: boolean;
  /** When each attempt started: granted, the node about to be cordoned. */
  readonly startsMs: readonly number[];
  /** When the agent recorded the completed reboot; null when it did not within the horizon. */
  readonly finishedMs: number | null;
  /** The core's last wait, if the node was waiting when the simulation ended. */
  readonly waiting: { readonly reason: WaitReason; readonly detail: string } | null;
}

export interface SimulationResult {
  readonly nodes: readonly NodeOutcome[];
  /** Calls of the agent's decision function. */
  readonly decisions: number;
  /** Calls of the coordinator's decision. */
  readonly grantDecisions: number;
}

/** Same floor as the agent loop's shortest sleep (agent/act.ts). */
const MIN_WAIT_MS = 100;
/** Steps one node may take at one instant before the simulation calls the core stuck. */
const MAX_STEPS = 200;
/** Tie-break of the coordinator's events: after every agent of the same instant. */
const LAST = Number.MAX_SAFE_INTEGER;

type Event =
  | { readonly kind: 'run'; readonly node: SimNode; readonly token: number }
  | { readonly kind: 'drained'; readonly node: SimNode; readonly token: number; readonly outcome: DrainOutcome }
  | { readonly kind: 'boot'; readonly node: SimNode }
  | { readonly kind: 'coordinate' };

interface Track {
  /** Tie-break among events of one instant: a hash of the name, so no pool or input order is favoured. */
  readonly rank: number;
  token: number;
  startsMs: number[];
  finishedMs: number | null;
  waiting: { reason: WaitReason; detail: string } | null;
}

/** Simulates the agents of `input.nodes` from `fromMs` until every one is idle or `untilMs`. */
export function simulate(input: SimulationInput): SimulationResult {
  const decide = input.decide ?? nextAction;
  const queue = new TimeQueue<Event>();
  // Instants at which the coordinator is already due to decide.
  const due = new Set<number>();
  const coordinateAt = (atMs: number): void => {
    if (due.has(atMs)) return;
    due.add(atMs);
    queue.push(atMs, { kind: 'coordinate' }, LAST);
  };
  const world = new SimWorld(input.nodes, { changed: coordinateAt });
  const coordinator = new SimCoordinator(world, input.fleetBudget);
  const byName = new Map(world.nodes.map((n) => [n.name, n]));
  const tracks = new Map<SimNode, Track>(
    world.nodes.map((n) => [n, { rank: rankOf(n.name), token: 0, startsMs: [], finishedMs: null, waiting: null }]),
  );
  let decisions = 0;
  let grantDecisions = 0;

  const run = (node: SimNode, nowMs: number): void => {
    const track = tracks.get(node)!;
    const config = node.config!;
    track.token++;
    track.waiting = null;
    for (let step = 0; step < MAX_STEPS; step++) {
      const facts = world.facts(node);
      const action = decide(facts, config, nowMs);
      decisions++;
      switch (action.kind) {
        case 'wait': {
          track.waiting = { reason: action.reason, detail: action.detail };
          world.setRenewing(node, action.watch && node.watching, true, nowMs);
          if (action.reason === 'grant') {
            const window = scheduleOf(config).windowContaining(nowMs);
            if (window !== undefined) {
              queue.push(window.endMs - neededMs(config) + 1, { kind: 'run', node, token: track.token }, track.rank);
            }
            return;
          }
          if (action.untilMs !== undefined) {
            queue.push(
              Math.max(action.untilMs, nowMs + MIN_WAIT_MS),
              { kind: 'run', node, token: track.token },
              track.rank,
            );
          }
          return;
        }
        case 'watch':
          world.setRenewing(node, true, true, nowMs);
          continue;
        case 'checkBlockers':
          node.blockers = { checkedAtMs: nowMs, reasons: [], sinceLastStep: true };
          continue;
        case 'drain': {
          const doneMs = nowMs + durationsOf(config.policy, input.durations).drainMs;
          const outcome: DrainOutcome =
            doneMs <= action.deadlineMs
              ? { ok: true }
              : {
                  ok: false,
                  reason: `the drain did not finish by its deadline ${new Date(action.deadlineMs).toISOString()}`,
                };
          queue.push(
            Math.min(doneMs, Math.max(action.deadlineMs, nowMs)),
            { kind: 'drained', node, token: track.token, outcome },
            track.rank,
          );
          return;
        }
        case 'reboot':
          afterStep(node);
          node.rebootCommandedMs = nowMs;
          world.setRenewing(node, false, false, nowMs);
          world.setReady(node, false, nowMs);
          queue.push(nowMs + durationsOf(config.policy, input.durations).rebootMs, { kind: 'boot', node }, track.rank);
          return;
        case 'requestHook':
          // What a hook Job takes is not known (like health): the forecast runs it in no time.
          if (node.grant?.epoch === action.grant.epoch)
            node.grant = { ...node.grant, hooks: { ...node.grant.hooks, [action.hook]: { state: 'succeeded' } } };
          continue;
        case 'reportDryRun':
          throw new Error(
            `node ${node.name}: the core asked for a dry-run report, but the forecast never runs agents in dry run`,
          );
        default: {
          const before = facts.state.kind === 'ok' ? facts.state.state.phase : null;
          // A silence is a call to Alertmanager and a record of its id: in the forecast only the record.
          const step =
            action.kind === 'silence'
              ? { kind: 'writeState' as const, state: withSilence(action.state, action.op, 'forecast', nowMs) }
              : action;
          world.apply(node, step, nowMs);
          afterStep(node);
          if (step.kind === 'writeState') {
            if (step.state?.phase !== 'rebooting') node.rebootCommandedMs = null;
            if (step.state?.phase === 'cordoning' && before !== 'cordoning') track.startsMs.push(nowMs);
            if (step.state === null && step.lastReboot !== undefined && track.finishedMs === null)
              track.finishedMs = nowMs;
          }
        }
      }
    }
    throw new Error(
      `node ${node.name}: the decision core took ${MAX_STEPS} steps at ${new Date(nowMs).toISOString()} without waiting; it does not settle`,
    );
  };

  // The coordinator's decision, carried out: each granted node's agent runs at once.
  const coordinate = (nowMs: number): void => {
    due.delete(nowMs);
    if (world.requests === 0) return;
    const out = coordinator.decide(nowMs);
    grantDecisions++;
    for (const g of out.grant) {
      const node = byName.get(g.node)!;
      world.grant(node, nowMs);
      run(node, nowMs);
    }
    if (out.nextChangeMs !== null && world.requests > 0) coordinateAt(Math.max(out.nextChangeMs, nowMs + 1));
  };

  // Events of one instant: nodes by rank, then the coordinator, so the outcome never depends on the
  // order in which earlier events were queued.
  for (const [node, t] of tracks)
    if (node.config !== null) queue.push(input.fromMs, { kind: 'run', node, token: 0 }, t.rank);
  while (queue.peekMs() <= input.untilMs) {
    const { atMs, value: e } = queue.pop()!;
    switch (e.kind) {
      case 'run':
        if (tracks.get(e.node)!.token === e.token) run(e.node, atMs);
        break;
      case 'drained':
        if (tracks.get(e.node)!.token !== e.token) break;
        e.node.drain = e.outcome;
        run(e.node, atMs);
        break;
      case 'boot':
        boot(world, e.node, atMs);
        run(e.node, atMs);
        break;
      case 'coordinate':
        coordinate(atMs);
    }
  }
  const nodes = world.nodes.map((n, i): NodeOutcome => {
    const t = tracks.get(n)!;
    return {
      name: n.name,
      policy: n.config?.policy.name ?? null,
      pending: input.nodes[i]!.pending,
      startsMs: t.startsMs,
      finishedMs: t.finishedMs,
      waiting: t.waiting,
    };
  });
  return { nodes, decisions, grantDecisions };
}

/** FNV-1a of the name, plus one: a stable rank (the coordinator comes after every rank). */
function rankOf(name: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return h + 1;
}

/** What agent/act.ts does after every step: blockers must be checked again, the drain outcome is used. */
function afterStep(node: SimNode): void {
  if (node.blockers !== null) node.blockers = { ...node.blockers, sinceLastStep: false };
  node.drain = null;
}

/** The host is back: new boot id, sentinel gone, Node Ready, a fresh agent process. */
function boot(world: SimWorld, node: SimNode, nowMs: number): void {
  node.boots++;
  node.bootId = `${node.name}-boot-${node.boots}`;
  node.sentinel = false;
  node.blockers = null;
  node.drain = null;
  node.rebootCommandedMs = null;
  world.setRenewing(node, false, true, nowMs);
  world.setReady(node, true, nowMs);
}
