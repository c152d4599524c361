// The shape of a plan aspect (see aspects.ts): what it is given for one side of the plan and what it
// says. Apart from the aspects themselves so that each aspect (windows, budget, forecast) can be a
// module of its own without importing the list of all of them.
import type { CompiledFleet, CompiledPolicy } from '../render/compile.ts';
import type { ClusterNode } from './nodes.ts';

/** Everything an aspect may look at for one side of the plan. */
export interface AspectSide {
  readonly policy: CompiledPolicy;
  readonly fleet: CompiledFleet;
  readonly nowMs: number;
  /** The cluster's nodes when `plan --nodes` was given. */
  readonly nodes: readonly ClusterNode[] | undefined;
}

export interface AspectView {
  /** For people: one line per item, in the policy's time zone where times appear. */
  readonly lines: readonly string[];
  /** For tools (plan --format json) and for deciding whether the aspect changed. */
  readonly data: unknown;
}

export interface PolicyAspect {
  /** Stable key in JSON output, e.g. `windows`. */
  readonly id: string;
  /** Heading for people, e.g. `next windows`. */
  readonly title: string;
  describe(side: AspectSide): AspectView;
}
