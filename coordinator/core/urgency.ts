// The order in which waiting nodes are granted when more wait than budgets allow (pure). The policy
// that needs the largest share of its remaining window time goes first: its waiting nodes, taken B
// at a time, each taking drain timeout plus expected reboot, against the time left until its
// window closes. Ties: the window that closes first, then the longest waiter, then the node name
// (stable, so replays agree with the cluster).

/** A policy's standing in the grant order at one instant. */
export interface Urgency {
  readonly policy: string;
  /** Share of the remaining window time the remaining nodes need (may exceed 1: behind already). */
  readonly share: number;
  readonly windowEndMs: number;
}

/**
 * `waiting` nodes of a policy that allows `allowed` at once, each needing `neededMs`, in a window
 * that ends at `windowEndMs`: the share of the time left they need.
 */
export function urgencyOf(o: {
  policy: string;
  waiting: number;
  allowed: number;
  neededMs: number;
  windowEndMs: number;
  nowMs: number;
}): Urgency {
  const rounds = o.waiting / Math.max(1, o.allowed);
  const leftMs = Math.max(1, o.windowEndMs - o.nowMs);
  return {
    policy: o.policy,
    share: (rounds * o.neededMs) / leftMs,
    windowEndMs: o.windowEndMs,
  };
}

/** Negative when `a` goes before `b`. */
export function compareUrgency(a: Urgency, b: Urgency): number {
  if (a.share !== b.share) return b.share - a.share;
  if (a.windowEndMs !== b.windowEndMs) return a.windowEndMs - b.windowEndMs;
  return a.policy < b.policy ? -1 : a.policy > b.policy ? 1 : 0;
}

/** Order of waiting nodes within one policy: longest waiter first, then by name. */
export function compareWaiters(a: { name: string; sinceMs: number }, b: { name: string; sinceMs: number }): number {
  if (a.sinceMs !== b.sinceMs) return a.sinceMs - b.sinceMs;
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}
