// The safety invariants of DESIGN.md that concern the agent, checked after every mutation of a
// FakeCluster (so a violation that lasts one step is caught), plus the end state once all work is
// over. Violations are collected as sentences; tests assert the list is empty.
//  1. never more unavailable nodes in a pool than its budget, nor in the fleet than the cap (or,
//     when nodes down for reasons of their own fill it, than those);
//  2. never start a reboot (record `cordoning`) outside a window, while paused or blocked;
//  3. never uncordon a node an admin cordoned; leave no node cordoned by the agent once done;
//  4. never remove a pod except through eviction; and evict only from a cordoned node (else the
//     scheduler puts pods right back);
//  5. an agent cordons and evicts only while its node holds a grant (fencing).
import { alertBlockReasons, holdReason, podBlockReasons } from '../../agent/core/blockers.ts';
import { STATE_ANNOTATION } from '../../policy/keys.ts';
import { decodeState } from '../../policy/state.ts';
import { allowedUnavailable, FLEET_GROUP } from '../../policy/budget.ts';
import { nodeSelectorTermsMatch } from '../../policy/labels.ts';
import type { Budget, NodeSelectorTerm } from '../../policy/model.ts';
import { compileSchedule, type CompiledSchedule } from '../../policy/windows.ts';
import type { Schedule } from '../../policy/model.ts';

const compiled = new WeakMap<Schedule, CompiledSchedule>();

/** Window math is costly: compile each schedule once (as the agent does). */
function scheduleOf(s: Schedule): CompiledSchedule {
  let c = compiled.get(s);
  if (c === undefined) compiled.set(s, (c = compileSchedule(s)));
  return c;
}
import type { Mutation } from './cluster.ts';
import type { FakeFleet } from './fleet.ts';

export class InvariantChecker {
  readonly violations: string[] = [];
  /** Most unavailable nodes seen at once, per policy (and `fleet` for the cap). */
  readonly peak = new Map<string, number>();
  readonly #fleet: FakeFleet;
  readonly #adminCordoned = new Set<string>();
  readonly #evicted = new Set<string>();

  constructor(fleet: FakeFleet) {
    this.#fleet = fleet;
    for (const n of fleet.cluster.nodes()) if (n.unschedulable) this.#adminCordoned.add(n.name);
    fleet.cluster.onMutation((m) => this.#check(m));
  }

  #violation(text: string): void {
    const at = new Date(this.#fleet.clock.now()).toISOString();
    if (this.violations.length < 50) this.violations.push(`${at} ${text}`);
  }

  #check(m: Mutation): void {
    if (m.kind === 'pod') {
      if (m.change === 'evicted') this.#evicted.add(m.pod);
      const agentNode = this.#fleet.cluster.node(m.by);
      if (m.change === 'evicted' && agentNode !== undefined && !agentNode.unschedulable)
        this.#violation(`${m.by} evicted ${m.pod} from a node that is not cordoned`);
      if (m.change === 'evicted' && agentNode !== undefined && this.#fleet.cluster.grant(m.by) === undefined)
        this.#violation(`${m.by} evicted ${m.pod} without a grant`);
      if (m.change === 'deleted' && !this.#evicted.has(m.pod))
        this.#violation(`pod ${m.pod} was removed without an eviction`);
      return;
    }
    if (m.kind === 'node' && m.before !== undefined && m.after !== undefined) {
      if (!m.before.unschedulable && m.after.unschedulable && m.by === 'admin') this.#adminCordoned.add(m.name);
      if (
        !m.before.unschedulable &&
        m.after.unschedulable &&
        m.by === m.name &&
        this.#fleet.cluster.grant(m.name) === undefined
      )
        this.#violation(`${m.name} cordoned itself without a grant`);
      if (m.before.unschedulable && !m.after.unschedulable) {
        if (this.#adminCordoned.has(m.name) && m.by !== 'admin')
          this.#violation(`${m.by} uncordoned ${m.name}, which an admin cordoned`);
        this.#adminCordoned.delete(m.name);
      }
      this.#checkStart(m.name, m.before.annotations[STATE_ANNOTATION], m.after.annotations[STATE_ANNOTATION]);
    }
    if (m.kind === 'node' || m.kind === 'grant') this.#checkBudgets();
  }

  #checkStart(name: string, before: string | undefined, after: string | undefined): void {
    const was = decodeState(before);
    const now = decodeState(after);
    if (now.kind !== 'ok' || now.state.phase !== 'cordoning' || (was.kind === 'ok' && was.state.phase === 'cordoning'))
      return;
    const config = this.#fleet.configs.get(name)!;
    const nowMs = this.#fleet.clock.now();
    const gate = scheduleOf(config.policy.schedule).canStart(
      nowMs,
      config.policy.drain.timeoutMs + config.policy.reboot.expectedDurationMs,
    );
    if (!gate.ok) this.#violation(`${name} started a reboot while ${gate.reason}`);
    const node = this.#fleet.cluster.node(name)!;
    const cluster = this.#fleet.cluster;
    const pods = cluster.podsOn(name);
    const reasons = [
      ...(holdReason(node) ? [holdReason(node)!] : []),
      ...podBlockReasons(
        config.policy.blockers.pods,
        pods,
        new Map(pods.map((p) => [p.namespace, cluster.namespaceLabels(p.namespace)])),
      ),
      ...(config.policy.blockers.alerts === null
        ? []
        : this.#fleet.alerts.down
          ? [{ kind: 'unknown' }]
          : alertBlockReasons(config.policy.blockers.alerts, this.#fleet.alerts.alerts)),
    ];
    if (reasons.length > 0) this.#violation(`${name} started a reboot while blocked: ${JSON.stringify(reasons)}`);
  }

  #checkBudgets(): void {
    const seen = new Set<string>();
    for (const config of this.#fleet.configs.values()) {
      if (!seen.has(config.policy.name)) {
        seen.add(config.policy.name);
        this.#checkGroup(config.policy.name, config.policy.budget, config.members);
      }
      if (config.fleetBudget !== null && !seen.has(FLEET_GROUP)) {
        seen.add(FLEET_GROUP);
        this.#checkGroup(FLEET_GROUP, config.fleetBudget, null);
      }
    }
  }

  #checkGroup(group: string, budget: Budget, members: readonly NodeSelectorTerm[] | null): void {
    const cluster = this.#fleet.cluster;
    const nodes = cluster.nodes();
    // A grant counts until it is gone, stalled or not: the coordinator never gives its place away.
    const holders = new Set(cluster.grants().map((g) => g.node));
    const pool = members === null ? nodes : nodes.filter((n) => nodeSelectorTermsMatch(members, n.labels));
    const down = pool.filter((n) => !n.ready || n.unschedulable || holders.has(n.name)).map((n) => n.name);
    // Nodes down for reasons of their own (NotReady without a grant, an admin's cordon) may fill a
    // budget by themselves; granting one of them adds nothing, so never more than those.
    const others = pool.filter((n) => (!n.ready && !holders.has(n.name)) || this.#adminCordoned.has(n.name));
    const allowed = Math.max(allowedUnavailable(budget, pool.length), others.length);
    this.peak.set(group, Math.max(this.peak.get(group) ?? 0, down.length));
    if (down.length > allowed)
      this.#violation(`${group}: ${down.length} nodes unavailable (${down.join(', ')}), budget ${allowed}`);
  }

  /** What must hold once every agent is done: no record, no grant, no cordon left by an agent. */
  endStateProblems(): string[] {
    const cluster = this.#fleet.cluster;
    const out: string[] = [];
    for (const n of cluster.nodes()) {
      if (n.annotations[STATE_ANNOTATION] !== undefined)
        out.push(`${n.name} still has state ${n.annotations[STATE_ANNOTATION]}`);
      if (n.unschedulable && !this.#adminCordoned.has(n.name)) out.push(`${n.name} is left cordoned`);
    }
    for (const g of cluster.grants()) out.push(`${g.node} still holds a grant (${g.policy})`);
    return out;
  }
}
