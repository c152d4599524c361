// Which waiting nodes of a policy its guard rails let start during one decision (pure): a node
// starts only if every guard of its policy lets it, either by name (`allow`: the canary) or from
// the guard's room (a rate limit's starts left in its window), which each start it admits uses up.
import type { GuardHold } from './model.ts';

export interface Admission {
  /** Every guard lets `node` start now. */
  admits(node: string): boolean;
  /** `node` starts: uses up room of every guard that admits it from room. */
  take(node: string): void;
  /** The first guard that does not let `node` start now; undefined: none. */
  holding(node: string): GuardHold | undefined;
}

/** Admission under no guard at all: every node. */
const OPEN: Admission = { admits: () => true, take: () => undefined, holding: () => undefined };

export function admission(guards: readonly GuardHold[]): Admission {
  if (guards.length === 0) return OPEN;
  const used = guards.map(() => 0);
  const lets = (i: number, node: string) =>
    guards[i]!.allow?.includes(node) === true || (guards[i]!.room ?? 0) > used[i]!;
  return {
    admits: (node) => guards.every((_, i) => lets(i, node)),
    take: (node) =>
      guards.forEach((g, i) => {
        if (g.allow?.includes(node) !== true) used[i]!++;
      }),
    holding: (node) => guards.find((_, i) => !lets(i, node)),
  };
}
