// The coordinator of the simulated cluster: its input built from the world as the real
// coordinator's caches hold it (every Node, every grant, every policy) and its decision made by the
// coordinator's own core (coordinator/core `decideGrants`), so the forecast grants exactly whom and
// in exactly the order the cluster would. Rate limits and canaries are the coordinator's own guards
// (coordinator/core rate.ts, canary.ts) on the starts and canary records it keeps here as the real
// one keeps them in its memory. Health gates it cannot know: the forecast assumes they pass.
import { neededMs, scheduleOf } from '../../agent/core/decide-common.ts';
import type { CanaryMember } from '../../coordinator/core/canary.ts';
import { decideGrants } from '../../coordinator/core/grants.ts';
import type { CoreOutput, CorePolicy } from '../../coordinator/core/model.ts';
import {
  canaryMember,
  EMPTY_RAILS,
  railGuards,
  railsAfter,
  type RailsMemory,
  type RailsPolicy,
} from '../../coordinator/core/rails.ts';
import type { Budget } from '../../policy/model.ts';
import type { SimNode, SimWorld } from './world.ts';

/** Every simulated node runs this one version: a forecast knows no OS images, so every rollout is new. */
const VERSION = 'forecast';

export class SimCoordinator {
  readonly #world: SimWorld;
  readonly #fleetBudget: Budget | null;
  readonly #policies: readonly CorePolicy[];
  readonly #nodes: readonly SimNode['core'][];
  readonly #rails: readonly RailsPolicy[];
  #memory: RailsMemory = EMPTY_RAILS;

  constructor(world: SimWorld, fleetBudget: Budget | null) {
    this.#world = world;
    this.#fleetBudget = fleetBudget;
    const configs = new Map(world.nodes.flatMap((n) => (n.config === null ? [] : [[n.config.policy.name, n.config]])));
    this.#rails = [...configs.values()].map((c) => ({
      name: c.policy.name,
      rate: c.policy.rate,
      canary: c.policy.canary,
    }));
    this.#policies = [...configs.values()].map((c) => ({
      name: c.policy.name,
      budget: c.policy.budget,
      schedule: scheduleOf(c),
      neededMs: neededMs(c),
      // The simulated agents never stall while they wait: every request is alive.
      requestTtlMs: null,
    }));
    this.#nodes = world.nodes.map((n) => n.core);
  }

  /** The core's decision at `nowMs`. */
  decide(nowMs: number): CoreOutput {
    const grants = [...this.#world.granted].map((n) => ({
      node: n.name,
      nodeUid: n.grant!.nodeUid,
      policy: n.grant!.policy,
      grantedMs: n.grant!.grantedMs,
      // A running agent renews its grant every TTL/3: as the coordinator sees it, it is fresh.
      renewedMs: n.grantStoppedMs ?? nowMs,
      ttlMs: n.grant!.ttlMs,
    }));
    const rails = railGuards({
      policies: this.#rails,
      memory: this.#memory,
      membersOf: (policy) => this.#members(policy),
      held: () => [],
      nowMs,
    });
    const out = decideGrants({
      nodes: this.#nodes,
      grants,
      policies: this.#policies,
      fleetBudget: this.#fleetBudget,
      guards: rails.guards,
      nowMs,
    });
    this.#memory = railsAfter(this.#rails, rails, out.grant, nowMs);
    return out;
  }

  #members(policy: string): CanaryMember[] {
    return this.#world.nodes
      .filter((n) => n.core.policy === policy)
      .map((n) =>
        canaryMember({
          ...n,
          uid: n.core.uid,
          version: VERSION,
          requestSinceMs: n.core.request?.sinceMs ?? null,
          granted: n.grant !== null,
        }),
      );
  }
}
