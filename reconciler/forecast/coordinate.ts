// The coordinator of the simulated cluster: its input built from the world as the real
// coordinator's caches hold it (every Node, every grant, every policy) and its decision made by the
// coordinator's own core (coordinator/core `decideGrants`), so the forecast grants exactly whom and
// in exactly the order the cluster would.
import { neededMs, scheduleOf } from '../../agent/core/decide-common.ts';
import { decideGrants } from '../../coordinator/core/grants.ts';
import type { CoreOutput, CorePolicy } from '../../coordinator/core/model.ts';
import type { Budget } from '../../policy/model.ts';
import type { SimNode, SimWorld } from './world.ts';

export class SimCoordinator {
  readonly #world: SimWorld;
  readonly #fleetBudget: Budget | null;
  readonly #policies: readonly CorePolicy[];
  readonly #nodes: readonly SimNode['core'][];

  constructor(world: SimWorld, fleetBudget: Budget | null) {
    this.#world = world;
    this.#fleetBudget = fleetBudget;
    const configs = new Map(world.nodes.flatMap((n) => (n.config === null ? [] : [[n.config.policy.name, n.config]])));
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
    return decideGrants({
      nodes: this.#nodes,
      grants,
      policies: this.#policies,
      fleetBudget: this.#fleetBudget,
      nowMs,
    });
  }
}
