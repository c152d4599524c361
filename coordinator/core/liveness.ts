// Which requests show a live agent (pure): an agent refreshes its request every third of the grant
// TTL while it waits; one not refreshed within the TTL may be stalled, and is not granted — above
// all not back to a stalled node whose stalled grant an operator freed (docs/decisions/0007).
import type { CoreNode, CorePolicy, PoolHold } from './model.ts';
import { listNames } from './names.ts';

/** The node's agent refreshed its request within the policy's request TTL (or the policy has none). */
export function isAlive(n: CoreNode, p: CorePolicy, nowMs: number): boolean {
  return p.requestTtlMs === null || nowMs - n.request!.aliveMs < p.requestTtlMs;
}

/** The hold of a pool whose every waiting node is silent, naming them and their last refresh. */
export function silentHold(policy: string, silent: readonly CoreNode[]): PoolHold {
  const named = [...silent].sort((a, b) => a.name.localeCompare(b.name));
  return {
    policy,
    reason: 'silent-requester',
    detail: `${named.length} node(s) ask, but their agents stopped refreshing the request: ${listNames(
      named.map((n) => `${n.name} (last ${new Date(n.request!.aliveMs).toISOString()})`),
    )}; granted again once the agent refreshes it`,
    nodes: named.map((n) => n.name),
    waiting: named.length,
  };
}
