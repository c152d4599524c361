// compile: a checked policy set -> one plan per policy: the nodes its DaemonSet takes (node affinity
// terms, disjoint from every other policy's by construction) and the AgentConfig its agents load.
// Pure. Precedence (schemas/rebootpolicy.schema.json): pools named by `nodePools` (including the
// default policy's own) go to the policy naming them; of the rest, a node matching several
// `nodeSelector` policies goes to the highest priority; the Fleet's defaultPolicy takes what is left,
// nodes without the pool label included.
import { PolicyError } from '../../policy/errors.ts';
import type { AgentConfig, FleetModel, LabelSelector, NodeSelectorTerm, PolicyModel } from '../../policy/model.ts';
import {
  ALL_NODES,
  and,
  NO_NODES,
  notSelectorNodes,
  or,
  requirement,
  selectorNodes,
  toNodeSelectorTerms,
  type NodeSet,
} from './affinity.ts';
import { compareText } from '../../policy/diagnostics.ts';
import { API_VERSION } from '../../policy/schema.ts';
import type { PolicySet } from '../../policy/model.ts';

/**
 * Most node affinity terms one DaemonSet may get. Excluding higher-priority selectors multiplies
 * terms (one per requirement of each); past this the objects become unreadable and slow to schedule.
 */
export const MAX_AFFINITY_TERMS = 64;

/** A grant is reported stalled only after this long without renewal, so a slow reboot does not look stalled. */
export const MIN_SLOT_TTL_MS = 15 * 60_000;

/** One policy, ready to render. */
export interface CompiledPolicy {
  readonly policy: PolicyModel;
  /** Node affinity of its DaemonSet (ORed); no node matches the terms of two policies. */
  readonly terms: readonly NodeSelectorTerm[];
  /** True when no node can ever match `terms` (higher-precedence policies take all it selects). */
  readonly empty: boolean;
  readonly config: AgentConfig;
}

/** The whole fleet, ready to render; policies in name order. */
export interface CompiledFleet {
  readonly fleet: FleetModel;
  readonly policies: readonly CompiledPolicy[];
  /** Things worth telling (e.g. a policy that can take no node); never errors. */
  readonly warnings: readonly string[];
}

type Selector = { readonly name: string; readonly selector: LabelSelector; readonly priority: number };

/** A policy whose node affinity would need more than MAX_AFFINITY_TERMS terms. */
export class AffinityOverflowError extends PolicyError {
  readonly policy: string;
  /** The message without the policy's name (validation reports it at the policy's file). */
  readonly problem: string;

  constructor(policy: string, problem: string) {
    super(`policy "${policy}": ${problem}`);
    this.policy = policy;
    this.problem = problem;
  }
}

function bounded(name: string, set: NodeSet, excluded: readonly string[]): NodeSet {
  if (set.length > MAX_AFFINITY_TERMS) {
    const what =
      excluded.length > 0 ? `the nodes of selector policies ${excluded.join(', ')}` : 'the pools named by nodePools';
    throw new AffinityOverflowError(
      name,
      `excluding ${what} takes ${set.length} node affinity terms (at most ${MAX_AFFINITY_TERMS}); ` +
        'use fewer requirements in the nodeSelectors of higher priority, or nodePools instead of nodeSelector',
    );
  }
  return set;
}

/** Each policy's share of the nodes, by the precedence above. */
function memberships(fleet: FleetModel, policies: readonly PolicyModel[]): Map<string, NodeSet> {
  const pool = (pools: readonly string[]) => requirement({ key: fleet.poolLabel, operator: 'In', values: [...pools] });
  const out = new Map<string, NodeSet>();
  const claimedPools: string[] = [];
  const selectors: Selector[] = [];
  for (const p of policies) {
    const m = p.membership;
    if (m.kind === 'selector') selectors.push({ name: p.name, selector: m.selector, priority: m.priority });
    else {
      claimedPools.push(...m.pools);
      if (m.kind === 'pools') out.set(p.name, pool(m.pools));
    }
  }
  const defaultPolicy = policies.find((p) => p.membership.kind === 'default');
  // Validation gives selector policies distinct priorities; the name breaks ties all the same.
  selectors.sort((a, b) => b.priority - a.priority || compareText(a.name, b.name));
  // The nodes no policy has taken so far; each policy in precedence order takes from it.
  let unclaimed =
    claimedPools.length > 0
      ? requirement({ key: fleet.poolLabel, operator: 'NotIn', values: claimedPools })
      : ALL_NODES;
  const excluded: string[] = [];
  selectors.forEach((s, i) => {
    out.set(s.name, bounded(s.name, and(unclaimed, selectorNodes(s.selector)), excluded));
    excluded.push(s.name);
    // The next consumer of what is left is the next selector policy, or the default policy.
    const next = selectors[i + 1]?.name ?? defaultPolicy?.name;
    if (next !== undefined) unclaimed = bounded(next, and(unclaimed, notSelectorNodes(s.selector)), excluded);
  });
  if (defaultPolicy?.membership.kind === 'default') {
    const own = defaultPolicy.membership.pools.length > 0 ? pool(defaultPolicy.membership.pools) : NO_NODES;
    out.set(defaultPolicy.name, bounded(defaultPolicy.name, or(own, unclaimed), excluded));
  }
  return out;
}

function agentConfig(fleet: FleetModel, policy: PolicyModel, members: readonly NodeSelectorTerm[]): AgentConfig {
  return {
    apiVersion: API_VERSION,
    kind: 'AgentConfig',
    fleet: fleet.name,
    namespace: fleet.namespace,
    poolLabel: fleet.poolLabel,
    policy,
    members,
    fleetBudget: fleet.budget,
    agent: {
      checkIntervalMs: fleet.agent.checkIntervalMs,
      metricsPort: fleet.agent.metricsPort,
      logLevel: fleet.agent.logLevel,
      // Only when not the default, so configs rendered before the setting existed stay byte for byte.
      ...(fleet.agent.logFormat === 'text' ? { logFormat: 'text' as const } : {}),
      slotTtlMs: Math.max(MIN_SLOT_TTL_MS, 2 * policy.reboot.expectedDurationMs),
    },
  };
}

/** Compiles a checked policy set. Throws AffinityOverflowError when a node affinity would exceed MAX_AFFINITY_TERMS (validation reports it first). */
export function compileFleet(set: PolicySet): CompiledFleet {
  const { fleet } = set;
  const policies = [...set.policies].sort((a, b) => compareText(a.name, b.name));
  const shares = memberships(fleet, policies);
  const terms = new Map(
    policies.map((p) => [p.name, toNodeSelectorTerms(shares.get(p.name) ?? NO_NODES, fleet.poolLabel)]),
  );
  const warnings: string[] = [];
  const compiled = policies.map((policy): CompiledPolicy => {
    const empty = (shares.get(policy.name) ?? NO_NODES).length === 0;
    if (empty) {
      warnings.push(
        `policy "${policy.name}" can take no node: policies that take precedence (nodePools, then nodeSelectors of higher priority) claim every node it would; its DaemonSet stays empty`,
      );
    }
    const members = terms.get(policy.name)!;
    return { policy, terms: members, empty, config: agentConfig(fleet, policy, members) };
  });
  return { fleet, policies: compiled, warnings };
}
