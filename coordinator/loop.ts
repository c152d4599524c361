// The coordinator's imperative shell while it leads: watch every Node and every grant of the fleet,
// ask the pure core (`decideGrants`) after every change and whenever time alone may change the
// answer, and carry the answer out: give grants, free the grants of deleted Nodes, tell what holds
// the pools (Events, metrics). It never takes a grant from a node that may still act.
//
// A grant it gave counts from the moment the API server accepted it, also before its own watch
// shows it (`pending`): the next decision must never see the budget as free again because the
// watch lags behind the coordinator's own write.
import type { Cache, Events, Grant, Grants, Jobs, Memory, NodeInfo, Nodes } from '../kube/ports.ts';
import type { Log } from '../io/log.ts';
import type { Clock } from '../policy/clock.ts';
import { messageOf } from '../policy/errors.ts';
import { LAST_REBOOT_ANNOTATION, STATE_ANNOTATION } from '../policy/keys.ts';
import { decodeLastReboot, decodeState, type LastReboot, type NodeState } from '../policy/state.ts';
import type { CoreInput, CoreOutput } from './core/model.ts';
import { anyGateHolds, decideWithGates, DEFAULT_GATE_RECHECK_MS, type GateOptions } from './gates.ts';
import { afterGrants, guardRails } from './guard-rails.ts';
import { createHalting, type Halting } from './halting.ts';
import { createReturnWatch, type ReturnWatch } from './returns.ts';
import type { Halts } from '../kube/halts.ts';
import { NO_HOLDS, tellHolds, type HoldMemory } from './holds.ts';
import type { CoordinatorMetrics } from './metrics.ts';
import { Remembered } from './remember.ts';
import { fleetHooks, startHookRunner, type HookRunner } from './hooks.ts';
import { transitions } from './transitions.ts';
import { coreInput, corePolicies, type FleetConfig } from './view.ts';
import { onlyRefreshed } from './quiet.ts';
import { createWaker, decisionGap, urgentGap } from './pace.ts';

export interface GrantLoopOptions {
  readonly fleet: FleetConfig;
  readonly ports: {
    readonly nodes: Nodes;
    readonly grants: Grants;
    readonly events: Events;
    readonly memory: Memory;
    readonly halts?: Halts;
    /** Hook Jobs (spec.hooks); absent: a policy with hooks never gets its hooks run (its agents wait). */
    readonly jobs?: Jobs;
  };
  readonly clock: Clock;
  readonly log: Log;
  readonly metrics: CoordinatorMetrics;
  /** Aborts when this replica stops leading (or the process stops). */
  readonly signal: AbortSignal;
  /** Called after each decision (readiness, tests). */
  readonly onDecision?: (out: CoreOutput, input: CoreInput) => void;
  /** Longest sleep between decisions without a change (default 30 s). */
  readonly idleMs?: number;
  /**
   * Shortest time from one decision to a decision on Node changes (default 100 ms): changes that
   * arrive meanwhile are decided on together. A grant's change waits 10 ms, or twice the CPU the
   * last decision took (pace.ts).
   */
  readonly minGapMs?: number;
  /**
   * CPU milliseconds this process used so far (process.cpuUsage). When given, Node changes after a
   * decision also wait 50 times the CPU it took: deciding on them uses at most 2% of a core at any
   * fleet size. Absent (the fake clock's tests): the shortest gap alone.
   */
  readonly cpuMs?: () => number;
  /** Health gates (gates.ts); absent: a policy with health checks holds (nothing reads them). */
  readonly gates?: GateOptions;
}

const NO_GATES: GateOptions = { metrics: { passing: () => undefined } };

/** Runs until `signal` aborts; API failures are logged and retried with back-off. */
export async function runGrantLoop(o: GrantLoopOptions): Promise<void> {
  const { log, clock, signal } = o;
  let failures = 0;
  const backOff = async (what: string, err: unknown) => {
    failures++;
    log.warn({ err: messageOf(err), failures }, `${what} failed; retrying`);
    await clock.sleep(Math.min(30_000, 1_000 * 2 ** (failures - 1)), signal);
  };
  let nodes: Cache<NodeInfo> | undefined;
  let grants: Cache<Grant> | undefined;
  let hooks: HookRunner | undefined;
  const jobs = fleetHooks(o.fleet).size > 0 ? o.ports.jobs : undefined;
  const waker = createWaker();
  const policies = corePolicies(o.fleet);
  const ttls = new Map(policies.map((p) => [p.name, p.requestTtlMs]));
  // A request refreshed while alive wakes no decision (quiet.ts); the next one reads it.
  const quiet = (before: NodeInfo, after: NodeInfo) => onlyRefreshed(before, after, clock.now(), (p) => ttls.get(p));
  try {
    while (!signal.aborted && (nodes === undefined || grants === undefined || (jobs && hooks === undefined))) {
      try {
        nodes ??= await o.ports.nodes.watchAll({ quiet });
        grants ??= await o.ports.grants.watchAll();
        if (jobs) hooks ??= await startHookRunner({ ...o, ...o.ports, jobs, onChange: waker.pokeUrgent });
      } catch (err: unknown) {
        await backOff('watch nodes and grants', err);
      }
    }
    if (nodes === undefined || grants === undefined) return;
    nodes.onChange(waker.poke);
    grants.onChange(waker.pokeUrgent);
    log.info({ nodes: nodes.list().length, grants: grants.list().length }, 'leading: granting reboots');
    const state: LoopState = {
      pending: new Map(),
      records: new Map(),
      holds: NO_HOLDS,
      policies,
      memory: new Remembered(o.ports.memory, log),
      halting: o.ports.halts && createHalting({ ...o, halts: o.ports.halts, events: o.ports.events }),
      hooks,
      returns:
        o.ports.halts &&
        createReturnWatch({ ...o, halts: o.ports.halts, events: o.ports.events, gates: o.gates ?? NO_GATES }),
    };
    let lastMs = -Infinity;
    let gapMs = 0;
    let urgentGapMs = 0;
    while (!signal.aborted) {
      // Node changes wait out the paced gap; a grant's change a much shorter one (pace.ts).
      for (;;) {
        const urgent = waker.urgent();
        const waitMs = lastMs + (urgent ? urgentGapMs : gapMs) - clock.now();
        if (waitMs <= 0 || signal.aborted) break;
        if (urgent) await clock.sleep(waitMs, signal);
        else await waker.pause(clock, waitMs, signal);
      }
      if (signal.aborted) break;
      lastMs = clock.now();
      waker.take();
      let untilMs: number;
      try {
        const cpuBefore = o.cpuMs?.();
        untilMs = await decideOnce(o, state, nodes.list(), grants.list());
        const cpuMs = cpuBefore === undefined ? 0 : o.cpuMs!() - cpuBefore;
        gapMs = decisionGap(o, cpuMs);
        urgentGapMs = urgentGap(cpuMs);
        failures = 0;
      } catch (err: unknown) {
        if (signal.aborted) break;
        await backOff('grant decision', err);
        continue;
      }
      await waker.sleep(
        clock,
        Math.max(0, Math.min(untilMs, clock.now() + (o.idleMs ?? 30_000)) - clock.now()),
        signal,
      );
    }
  } finally {
    nodes?.stop();
    grants?.stop();
    hooks?.stop();
    log.info({}, 'stopped granting reboots');
  }
}

/** A grant the watch has not shown this long after it was given is read fresh. */
const PENDING_CHECK_MS = 5_000;

interface LoopState {
  /** Grants this process gave that its watch does not show yet, by node. */
  readonly pending: Map<string, Grant>;
  /** Each node's last record and last-reboot record as seen (for the fleet metrics). */
  readonly records: Map<
    string,
    { raw: string | undefined; state: NodeState | null; last: LastReboot | undefined; lastRaw: string | undefined }
  >;
  holds: HoldMemory;
  readonly policies: ReturnType<typeof corePolicies>;
  /** Rate-limit starts and canary records, kept across restarts. */
  readonly memory: Remembered;
  /** spec.halt (absent: the halts port is not wired, e.g. in unit tests of the loop). */
  readonly halting: Halting | undefined;
  /** spec.hooks (absent: no policy has hooks, or the jobs port is not wired). */
  readonly hooks: HookRunner | undefined;
  /** spec.halt's health gates right after a node returns (absent with halting). */
  readonly returns: ReturnWatch | undefined;
}

/** One decision, carried out; returns when to decide again at the latest. */
async function decideOnce(
  o: GrantLoopOptions,
  s: LoopState,
  nodes: readonly NodeInfo[],
  seen: readonly Grant[],
): Promise<number> {
  const nowMs = o.clock.now();
  for (const [node, p] of s.pending) {
    if (seen.some((g) => g.node === node)) s.pending.delete(node);
    // Given and gone again before the watch showed it (released at once)? A fresh read tells.
    else if (nowMs - p.grantedMs > PENDING_CHECK_MS && (await o.ports.grants.read(node)) === undefined)
      s.pending.delete(node);
  }
  const grants = [...seen, ...s.pending.values()];
  observeRecords(o, s, nodes);
  const rails = guardRails({ fleet: o.fleet, nodes, grants, memory: await s.memory.get(), nowMs });
  for (const n of rails.news) {
    o.log.info({ policy: n.policy, node: n.node }, `policy ${n.policy}: ${n.text}`);
    const event = { type: n.warning ? 'Warning' : 'Normal', reason: n.warning ? 'CanaryFailed' : 'Canary' } as const;
    void o.ports.events.record(n.node, { ...event, message: `policy ${n.policy}: ${n.text}` });
  }
  const returns = await s.returns?.judge(nodes, grants, nowMs);
  const halted = (await s.halting?.guards(nodes, nowMs, returns?.noted)) ?? [];
  const input = {
    ...coreInput({ fleet: o.fleet, policies: s.policies, nodes, grants, nowMs }),
    guards: [...halted, ...rails.guards],
  };
  const gates = o.gates ?? NO_GATES;
  const { out, verdicts } = await decideWithGates(input, o.fleet.configs, gates);
  for (const [policy, list] of verdicts)
    for (const v of list) if (!v.passing) o.log.info({ policy, check: v.check, detail: v.detail }, 'health gate holds');
  // Remembered before they are given: a crash in between costs a start, never the limit.
  await s.memory.keep(afterGrants(o.fleet, rails, out.grant, nowMs));
  for (const f of out.free) {
    const g = seen.find((x) => x.node === f.node);
    if (g === undefined) continue;
    await o.ports.grants.release(g);
    o.log.info(
      { node: f.node, policy: f.policy, reason: f.reason },
      `freed the grant of ${f.node}: its Node ${f.reason === 'node-deleted' ? 'was deleted' : 'was replaced by a new object'}`,
    );
  }
  for (const g of out.grant) {
    if (o.signal.aborted) break;
    const config = o.fleet.configs.find((c) => c.policy.name === g.policy)!;
    const ttlMs = config.agent.slotTtlMs;
    const givenMs = o.clock.now();
    const preHook = config.policy.hooks?.preReboot !== undefined && s.hooks !== undefined;
    const given = {
      node: g.node,
      nodeUid: g.nodeUid,
      policy: g.policy,
      ttlMs,
      ...(preHook ? { preHook } : {}),
      ...(g.reason === 'already-unavailable' ? { takesNoBudget: true } : {}),
    };
    if (!(await o.ports.grants.give(given, givenMs))) continue;
    // Counted as held until the watch shows it (epoch unknown here; only the count matters).
    s.pending.set(g.node, {
      node: g.node,
      policy: g.policy,
      epoch: '',
      nodeUid: g.nodeUid,
      grantedMs: givenMs,
      renewedMs: givenMs,
      ttlMs,
      resourceVersion: '',
    });
    const request = input.nodes.find((n) => n.name === g.node)?.request;
    o.metrics.granted(g.policy, request ? Math.max(0, givenMs - request.sinceMs) : 0);
    const why = g.reason === 'already-unavailable' ? ' (cordoned by someone else: it takes no budget)' : '';
    o.log.info({ node: g.node, policy: g.policy, reason: g.reason }, `granted a reboot to ${g.node}${why}`);
    void o.ports.events.record(g.node, {
      type: 'Normal',
      reason: 'RebootGranted',
      message: `the coordinator granted a reboot (policy ${g.policy})${why}`,
    });
  }
  // Who still waits after this decision (not the nodes it just granted): a hold is told to the first.
  const holding = new Set([...grants, ...out.grant].map((g) => g.node));
  const waiters = new Map<string, string[]>();
  for (const n of input.nodes)
    if (n.request !== null && n.policy !== null && !holding.has(n.name))
      (waiters.get(n.policy) ?? waiters.set(n.policy, []).get(n.policy)!).push(n.name);
  const told = tellHolds(s.holds, out, waiters, nowMs);
  s.holds = told.memory;
  for (const t of told.tell) {
    o.log.info({ node: t.node, reason: t.event.reason }, t.event.message);
    void o.ports.events.record(t.node, t.event);
  }
  const held = new Map<string, number>();
  for (const g of [...grants, ...out.grant]) held.set(g.policy, (held.get(g.policy) ?? 0) + 1);
  o.metrics.decided(out, held);
  o.onDecision?.(out, input);
  // Health objects are not watched: while a gate holds, read them again soon.
  const recheckMs = anyGateHolds(verdicts) ? nowMs + (gates.recheckMs ?? DEFAULT_GATE_RECHECK_MS) : Infinity;
  const hookMs = (await s.hooks?.step(nodes, seen, o.clock.now())) ?? Infinity;
  return Math.min(out.nextChangeMs ?? Infinity, recheckMs, hookMs, returns?.nextMs ?? Infinity);
}

/** Feeds the fleet metrics from the changes of the agents' records since the last look. */
function observeRecords(o: GrantLoopOptions, s: LoopState, nodes: readonly NodeInfo[]): void {
  for (const n of nodes) {
    const raw = n.annotations[STATE_ANNOTATION];
    const lastRaw = n.annotations[LAST_REBOOT_ANNOTATION];
    const before = s.records.get(n.name);
    if (before !== undefined && before.raw === raw && before.lastRaw === lastRaw) continue;
    const read = decodeState(raw);
    const now = { raw, lastRaw, state: read.kind === 'ok' ? read.state : null, last: decodeLastReboot(lastRaw) };
    s.records.set(n.name, now);
    if (before === undefined) continue;
    for (const t of transitions(before, now)) o.metrics.observe(t);
  }
  // Nodes gone since the last look (the records of every Node present were just kept or added).
  if (s.records.size > nodes.length) {
    const names = new Set(nodes.map((n) => n.name));
    for (const name of s.records.keys()) if (!names.has(name)) s.records.delete(name);
  }
}
