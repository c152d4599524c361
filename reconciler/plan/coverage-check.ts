// Coverage as a safety check (pure): given which nodes each policy's DaemonSet takes, find what a
// typo makes silently wrong — a policy that takes no node, a pool a policy names that no node is
// in, a `poolLabel` no node carries, and nodes that look like a named pool's but go to the default
// policy instead. Every place that knows the nodes (coverage, validate --nodes, plan --nodes, apply,
// the reconciler, status) asks this one function, so they all say the same thing.
import type { Membership } from '../../policy/model.ts';
import type { CompiledFleet } from '../render/compile.ts';
import type { CoverageReport } from './coverage.ts';
import { compareText } from '../../policy/diagnostics.ts';
import type { ClusterNode } from './nodes.ts';
import { suggest } from '../../policy/schema.ts';

/** One policy and the nodes its DaemonSet runs on. */
export interface PolicyShare {
  readonly name: string;
  readonly membership: Membership;
  readonly nodes: readonly string[];
}

export interface CoverageCheckInput {
  readonly poolLabel: string;
  readonly defaultPolicy: string | null;
  readonly policies: readonly PolicyShare[];
  readonly nodes: readonly { readonly name: string; readonly labels: Readonly<Record<string, string>> }[];
}

export type CoverageFinding =
  /** No node carries the Fleet's poolLabel at all. */
  | {
      readonly kind: 'no-pool-label';
      readonly poolLabel: string;
      readonly suggestion: string | null;
      readonly message: string;
    }
  /** A pool named in a policy's nodePools is on no node. */
  | {
      readonly kind: 'pool-on-no-node';
      readonly policy: string;
      readonly pool: string;
      readonly index: number;
      readonly message: string;
    }
  /** Nodes that look like a named pool's (same value under another key, or a value one typo away) go to the default policy. */
  | {
      readonly kind: 'pool-to-default';
      readonly policy: string;
      readonly pool: string;
      readonly index: number;
      readonly defaultPolicy: string;
      readonly nodes: readonly string[];
      readonly message: string;
    }
  /** A policy whose DaemonSet runs on no node. */
  | { readonly kind: 'policy-no-node'; readonly policy: string; readonly message: string };

export type CoverageFindingKind = CoverageFinding['kind'];

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;
const list = (names: readonly string[], max = 5) =>
  names.slice(0, max).join(', ') + (names.length > max ? `, ... (${names.length} in all)` : '');

/** The label key most nodes carry whose values include a named pool, or a key spelt like poolLabel. */
function labelKeySuggestion(input: CoverageCheckInput, named: ReadonlySet<string>): string | null {
  const counts = new Map<string, number>();
  for (const n of input.nodes)
    for (const [k, v] of Object.entries(n.labels)) if (named.has(v)) counts.set(k, (counts.get(k) ?? 0) + 1);
  const byValue = [...counts].sort((a, b) => b[1] - a[1] || compareText(a[0], b[0]))[0]?.[0];
  if (byValue !== undefined) return byValue;
  const keys = [...new Set(input.nodes.flatMap((n) => Object.keys(n.labels)))].sort(compareText);
  return suggest(input.poolLabel, keys) ?? null;
}

/** Every finding, policies and pools in name order. Nothing is found without nodes. */
export function checkCoverage(input: CoverageCheckInput): CoverageFinding[] {
  if (input.nodes.length === 0) return [];
  const { poolLabel } = input;
  const out: CoverageFinding[] = [];
  const poolValues = new Map<string, string[]>();
  for (const n of input.nodes) {
    const v = n.labels[poolLabel];
    if (v !== undefined) (poolValues.get(v) ?? poolValues.set(v, []).get(v)!).push(n.name);
  }
  const named = new Set(input.policies.flatMap((p) => (p.membership.kind === 'selector' ? [] : p.membership.pools)));
  const keySuggestion = poolValues.size === 0 ? labelKeySuggestion(input, named) : null;
  if (poolValues.size === 0) {
    const hint = keySuggestion
      ? `; did you mean "${keySuggestion}" (the nodes' pools are there)?`
      : '; set spec.poolLabel to the node label that names each node pool';
    const fate = input.defaultPolicy
      ? `every node goes to the default policy "${input.defaultPolicy}"`
      : 'only selector policies can take a node';
    out.push({
      kind: 'no-pool-label',
      poolLabel,
      suggestion: keySuggestion,
      message: `no node has the label "${poolLabel}" (the Fleet's poolLabel), so ${fate}${hint}`,
    });
  }
  const shareOf = new Map(input.policies.map((p) => [p.name, new Set(p.nodes)]));
  const defaultShare = input.defaultPolicy ? shareOf.get(input.defaultPolicy) : undefined;
  const policies = [...input.policies].sort((a, b) => compareText(a.name, b.name));
  for (const p of policies) {
    if (p.membership.kind === 'selector') continue;
    p.membership.pools.forEach((pool, index) => {
      if (poolValues.has(pool)) return;
      // Nodes the default policy takes that look like this pool's: the pool's value under the key
      // the nodes really use, or (a typo in nodePools) the closest pool value no policy names.
      let lookalikes: string[] = [];
      let because = '';
      if (keySuggestion) {
        lookalikes = input.nodes.filter((n) => n.labels[keySuggestion] === pool).map((n) => n.name);
        because = `they carry ${keySuggestion}=${pool}, not ${poolLabel}=${pool}`;
      } else {
        const close = suggest(pool, [...poolValues.keys()].filter((v) => !named.has(v)).sort(compareText));
        if (close !== undefined) {
          lookalikes = poolValues.get(close)!;
          because = `their ${poolLabel} is "${close}"; did you mean "${close}"?`;
        }
      }
      const taken = p.name !== input.defaultPolicy && defaultShare ? lookalikes.filter((n) => defaultShare.has(n)) : [];
      if (taken.length > 0 && input.defaultPolicy) {
        out.push({
          kind: 'pool-to-default',
          policy: p.name,
          pool,
          index,
          defaultPolicy: input.defaultPolicy,
          nodes: taken,
          message: `pool "${pool}" is on no node, and ${plural(taken.length, 'node')} that look like it (${list(taken)}) go to the default policy "${input.defaultPolicy}" instead: ${because}`,
        });
        return;
      }
      const near = lookalikes.length > 0 ? `; ${because}` : '';
      out.push({
        kind: 'pool-on-no-node',
        policy: p.name,
        pool,
        index,
        message: `pool "${pool}" is on no node (no node has ${poolLabel}=${pool})${near}`,
      });
    });
  }
  for (const p of policies) {
    if (p.nodes.length > 0) continue;
    out.push({
      kind: 'policy-no-node',
      policy: p.name,
      message: `policy "${p.name}" takes none of the ${plural(input.nodes.length, 'node')}: its DaemonSet runs no agent`,
    });
  }
  return out;
}

/** The findings for a compiled fleet and the coverage of its render on `nodes`. */
export function findingsOf(
  compiled: CompiledFleet,
  report: CoverageReport,
  nodes: readonly ClusterNode[],
): CoverageFinding[] {
  const shares = new Map<string, string[]>(compiled.policies.map((p) => [p.policy.name, []]));
  for (const n of report.nodes) for (const d of n.daemonSets) shares.get(d.policy)?.push(n.node);
  return checkCoverage({
    poolLabel: compiled.fleet.poolLabel,
    defaultPolicy: compiled.fleet.defaultPolicy,
    policies: compiled.policies.map((p) => ({
      name: p.policy.name,
      membership: p.policy.membership,
      nodes: shares.get(p.policy.name) ?? [],
    })),
    nodes,
  });
}

/** Nodes per policy, for the `patchwindow_policy_nodes` metric and reports. */
export function nodesPerPolicy(compiled: CompiledFleet, report: CoverageReport): Map<string, number> {
  const out = new Map<string, number>(compiled.policies.map((p) => [p.policy.name, 0]));
  for (const n of report.nodes)
    for (const d of n.daemonSets) if (out.has(d.policy)) out.set(d.policy, out.get(d.policy)! + 1);
  return out;
}
