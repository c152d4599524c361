// The rollout simulator (pure: no I/O, no clock; `fromMs` is a parameter). Every simulated agent
// runs the agent's own decision core, `nextAction(facts, config, nowMs)`, on facts the world
// builds the way agent/loop.ts gathers them, and the world carries out each Action the way
// agent/act.ts does: steps at once, a drain takes `drainMs` (failing at its deadline when that is
// shorter), a reboot takes `rebootMs` (NotReady, the agent process gone, then a new boot id, Ready
// and a fresh process that recovers through the core). Nothing here decides what a node does.
// Event-driven on a virtual clock. A node's agent is run when something it depends on changes:
//  - `wait` with `untilMs`: at that instant (never sooner than the loop's 100 ms floor);
//  - `wait` without `untilMs` (not required, held, ...): only when its own Node changes, which in
//    the simulation happens only at its reboot; the real agent re-senses every checkInterval and
//    decides the same, because none of its facts changed;
//  - `wait` for `budget`: the node queues on the group the core named (the first whose slot it
//    lacks) and is run again when that group may have room — a slot released or gone stale, a
//    member no longer unavailable — or when its own start gate closes (the window's end minus
//    drain timeout and expected reboot: the only time-dependent input of that decision besides
//    slot expiry). Its `untilMs` (the next expiry of a live slot) is not needed: a slot of a running
//    agent is renewed every TTL/3 before it could expire, and slots of agents that stopped (a
//    reboot) get their own expiry event from the world.
// When a group may have room, its waiters are run in queue order only until one of them decides
// "wait budget" on that group again. Equivalent because every queued waiter of a group sees the
// same budget facts for it: B and N are the group's, U counts unavailable members other than the
// asker, I counts live slots (none of them the asker's: it lacks this group's slot), and the
// candidate index is the lowest free one below B - U. So if the first finds no candidate, each of
// the others would decide the same wait again and change nothing, exactly what the real agents do
// when a watch event wakes them. The one exception is a waiter that is unavailable itself (left
// cordoned after a failed attempt): its U is one smaller, so such waiters queue apart and are all
// asked each time. (`exhaustive` asks every waiter; a property test compares the two.)
//
// Real agents race for a freed slot and the API server picks one; here the longest waiter wins, ties
// broken by a hash of the node name. The order matters only between policies sharing a fleet cap.
import { nextAction } from '../../agent/core/decide.ts';
import { neededMs, scheduleOf } from '../../agent/core/decide-common.ts';
import type { Action, DrainOutcome, Facts, WaitReason } from '../../agent/core/facts.ts';
import type { AgentConfig, Budget } from '../../policy/model.ts';
import { TimeQueue } from './queue.ts';
import { SimWorld, type SimGroup, type SimNode, type SimNodeSpec } from './world.ts';

/** The decision function; the agent's `nextAction` unless a test swaps it. */
export type Decide = (facts: Facts, config: AgentConfig, nowMs: number) => Action;

export interface SimulationInput {
  readonly nodes: readonly SimNodeSpec[];
  readonly fleetBudget: Budget | null;
  readonly fromMs: number;
  /** The simulation stops at this instant (the horizon). */
  readonly untilMs: number;
  /** How long a drain takes. */
  readonly drainMs: number;
  /** From the reboot command until the node is Ready again with a new boot id. */
  readonly rebootMs: number;
  readonly decide?: Decide;
  /**
   * Run every waiter of a group whenever it may have room, instead of stopping at the first that
   * waits again: the reference the short-cut is tested against (slower, same result).
   */
  readonly exhaustive?: boolean;
}

/** What happened to one node. */
export interface NodeOutcome {
  readonly name: string;
  readonly policy: string | null;
  readonly pending: boolean;
  /** When each attempt started: every slot held, the node about to be cordoned. */
  readonly startsMs: readonly number[];
  /** When the agent recorded the completed reboot; null when it did not within the horizon. */
  readonly finishedMs: number | null;
  /** The core's last wait, if the node was waiting when the simulation ended. */
  readonly waiting: { readonly reason: WaitReason; readonly detail: string } | null;
}

export interface SimulationResult {
  readonly nodes: readonly NodeOutcome[];
  /** Calls of the decision function. */
  readonly decisions: number;
}

/** Same floor as the agent loop's shortest sleep (agent/act.ts). */
const MIN_WAIT_MS = 100;
/** Steps one node may take at one instant before the simulation calls the core stuck. */
const MAX_STEPS = 200;

type Event =
  | { readonly kind: 'run'; readonly node: SimNode; readonly token: number }
  | { readonly kind: 'drained'; readonly node: SimNode; readonly token: number; readonly outcome: DrainOutcome }
  | { readonly kind: 'boot'; readonly node: SimNode }
  | { readonly kind: 'freed'; readonly group: SimGroup };

interface Waiter {
  readonly node: SimNode;
  readonly token: number;
}

interface Track {
  /**
   * Tie-break among a node's equals at one instant or in a queue: a hash of its name, which stands
   * in for the race between real agents without favouring any pool or the input's order.
   */
  readonly rank: number;
  token: number;
  startsMs: number[];
  finishedMs: number | null;
  waiting: { reason: WaitReason; detail: string } | null;
  /** Queued on this group's waiters since this instant. */
  budgetWait: { group: SimGroup; sinceMs: number } | null;
}

/** Simulates the agents of `input.nodes` from `fromMs` until every one is idle or `untilMs`. */
export function simulate(input: SimulationInput): SimulationResult {
  const decide = input.decide ?? nextAction;
  const queue = new TimeQueue<Event>();
  // Per group: waiters that are available themselves, and those that are not (see the header).
  const waiters = new Map<SimGroup, { readonly available: TimeQueue<Waiter>; readonly down: TimeQueue<Waiter> }>();
  const listener = {
    freed: (group: SimGroup, nowMs: number) => queue.push(nowMs, { kind: 'freed', group }),
    aging: (group: SimGroup, staleMs: number) => queue.push(staleMs, { kind: 'freed', group }),
  };
  const world = new SimWorld(input.nodes, input.fleetBudget, listener);
  const tracks = new Map<SimNode, Track>(
    world.nodes.map((n) => [
      n,
      { rank: rankOf(n.name), token: 0, startsMs: [], finishedMs: null, waiting: null, budgetWait: null },
    ]),
  );
  let decisions = 0;

  const run = (node: SimNode, nowMs: number): void => {
    const track = tracks.get(node)!;
    const config = node.config!;
    track.token++;
    track.waiting = null;
    const queued = track.budgetWait;
    track.budgetWait = null;
    for (let step = 0; step < MAX_STEPS; step++) {
      const facts = world.facts(node, nowMs);
      const action = decide(facts, config, nowMs);
      decisions++;
      switch (action.kind) {
        case 'wait': {
          track.waiting = { reason: action.reason, detail: action.detail };
          world.setRenewing(node, action.watch && node.watching, true, nowMs);
          if (action.reason === 'budget') {
            // The group the core says it waits for.
            const group = action.group === undefined ? undefined : world.groups.get(action.group);
            if (group !== undefined) {
              const sinceMs = queued?.group === group ? queued.sinceMs : nowMs;
              track.budgetWait = { group, sinceMs };
              const queues = waitersOf(group);
              // Longest waiting first; among equals, by rank (see Track), never by how often asked.
              (group.down.has(node.name) ? queues.down : queues.available).push(
                sinceMs,
                { node, token: track.token },
                track.rank,
              );
              const window = scheduleOf(config).windowContaining(nowMs);
              if (window !== undefined)
                queue.push(window.endMs - neededMs(config) + 1, { kind: 'run', node, token: track.token }, track.rank);
              return;
            }
          }
          if (action.untilMs !== undefined)
            queue.push(
              Math.max(action.untilMs, nowMs + MIN_WAIT_MS),
              { kind: 'run', node, token: track.token },
              track.rank,
            );
          return;
        }
        case 'watch':
          world.setRenewing(node, true, true, nowMs);
          continue;
        case 'checkBlockers':
          node.blockers = { checkedAtMs: nowMs, reasons: [], sinceLastStep: true };
          continue;
        case 'drain': {
          const doneMs = nowMs + input.drainMs;
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
          queue.push(nowMs + input.rebootMs, { kind: 'boot', node }, track.rank);
          return;
        case 'reportDryRun':
          throw new Error(
            `node ${node.name}: the core asked for a dry-run report, but the forecast never runs agents in dry run`,
          );
        default: {
          const before = facts.state.kind === 'ok' ? facts.state.state.phase : null;
          world.apply(node, action, nowMs);
          afterStep(node);
          if (action.kind === 'writeState') {
            if (action.state?.phase !== 'rebooting') node.rebootCommandedMs = null;
            if (action.state?.phase === 'cordoning' && before !== 'cordoning') track.startsMs.push(nowMs);
            if (action.state === null && action.lastReboot !== undefined && track.finishedMs === null)
              track.finishedMs = nowMs;
          }
        }
      }
    }
    throw new Error(
      `node ${node.name}: the decision core took ${MAX_STEPS} steps at ${new Date(nowMs).toISOString()} without waiting; it does not settle`,
    );
  };

  const waitersOf = (group: SimGroup) =>
    waiters.get(group) ?? waiters.set(group, { available: new TimeQueue(), down: new TimeQueue() }).get(group)!;

  // Runs the group's waiters in order until one finds no room again (see the header).
  const cascade = (group: SimGroup, nowMs: number): void => {
    const queues = waiters.get(group);
    if (queues === undefined) return;
    const live = (w: Waiter) => tracks.get(w.node)!.token === w.token;
    while (!input.exhaustive && queues.available.size > 0) {
      const w = queues.available.pop()!.value;
      if (!live(w)) continue;
      run(w.node, nowMs);
      if (tracks.get(w.node)!.budgetWait?.group === group) break;
    }
    const rest: Waiter[] = [];
    for (const q of input.exhaustive ? [queues.available, queues.down] : [queues.down])
      while (q.size > 0) rest.push(q.pop()!.value);
    for (const w of rest) if (live(w)) run(w.node, nowMs);
  };

  // Events of one instant: groups that may have room first (tie-break 0), then nodes by rank, so
  // the outcome never depends on the order in which earlier events were queued.
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
      case 'freed':
        cascade(e.group, atMs);
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
  return { nodes, decisions };
}

/** FNV-1a of the name, plus one: a stable rank above the groups' 0. */
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
