// plan: what a change to the policies will do, from the compiled base and head (and optionally the
// cluster's nodes). Pure: the shell reads git and files, compiles both sides and formats the result.
import type { FleetModel, PolicyModel } from '../../policy/model.ts';
import { DEFAULT_ASPECTS } from './aspects.ts';
import { type AspectView, type PolicyAspect } from './aspect.ts';
import type { CompiledFleet, CompiledPolicy } from '../render/compile.ts';
import { findingsOf, type CoverageFinding } from './coverage-check.ts';
import { computeCoverage, type CoverageReport } from './coverage.ts';
import { compareText } from '../../policy/diagnostics.ts';
import { diffObjects, type FieldChange, type ObjectDiff, type PathSegment } from './diff.ts';
import type { ClusterNode } from './nodes.ts';
import { POLICY_LABEL, type KubeObject } from '../render/objects.ts';
import { renderObjects } from '../render/render.ts';
import { canonicalEqual } from '../render/serialize.ts';
import { writtenFleetChanges, writtenPolicyChanges } from './written-fields.ts';

export interface PlanInput {
  /** Null when there is nothing to compare against (no policies at the base ref, or invalid ones). */
  readonly base: CompiledFleet | null;
  readonly head: CompiledFleet;
  readonly nowMs: number;
  readonly nodes?: readonly ClusterNode[];
  /** Per-policy comparisons; DEFAULT_ASPECTS when omitted. */
  readonly aspects?: readonly PolicyAspect[];
}

export interface AspectChange {
  readonly id: string;
  readonly title: string;
  /** Null on the side where the policy does not exist. */
  readonly before: AspectView | null;
  readonly after: AspectView | null;
}

export interface PolicyPlan {
  readonly name: string;
  readonly status: 'added' | 'removed' | 'changed' | 'unchanged';
  /** The aspects that differ (every aspect for an added or removed policy). */
  readonly aspects: readonly AspectChange[];
  /** Field-level changes of the normalized policy (empty unless changed). */
  readonly fields: readonly FieldChange[];
}

/**
 * A pool named by a policy's nodePools on one side and by another policy (or none) on the other.
 * A pool no policy names goes to the Fleet's defaultPolicy, so that is where it moves.
 */
export interface PoolMove {
  readonly pool: string;
  /** Null: no policy takes the pool there (no policy names it and there is no default policy). */
  readonly from: string | null;
  readonly to: string | null;
  /** The side's policy takes the pool as the default policy (no policy names it). */
  readonly fromDefault: boolean;
  readonly toDefault: boolean;
}

export interface NodeMove {
  readonly node: string;
  /** Policies whose DaemonSets run on the node; empty when none does. */
  readonly from: readonly string[];
  readonly to: readonly string[];
}

export interface NodesPlan {
  readonly moves: readonly NodeMove[];
  /** Coverage of the head render: nodes with no agent or with two. */
  readonly head: CoverageReport;
  /** After the change: policies, pools or the pool label that match no node (coverage-check.ts). */
  readonly findings: readonly CoverageFinding[];
}

export interface Plan {
  readonly objects: ObjectDiff;
  /** Field-level changes of the normalized Fleet (empty when there is no base). */
  readonly fleet: readonly FieldChange[];
  readonly policies: readonly PolicyPlan[];
  readonly pools: readonly PoolMove[];
  /** Policies whose agents restart because their DaemonSet's pod template changes. */
  readonly restarts: readonly string[];
  readonly nodes: NodesPlan | null;
}

function policyPlan(
  name: string,
  base: CompiledFleet | null,
  head: CompiledFleet,
  input: PlanInput,
  aspects: readonly PolicyAspect[],
): PolicyPlan {
  const find = (fleet: CompiledFleet | null) => fleet?.policies.find((p) => p.policy.name === name);
  const before = find(base);
  const after = find(head);
  const view = (fleet: CompiledFleet | null, policy: CompiledPolicy | undefined, aspect: PolicyAspect) =>
    fleet && policy ? aspect.describe({ policy, fleet, nowMs: input.nowMs, nodes: input.nodes }) : null;
  const changes: AspectChange[] = [];
  for (const aspect of aspects) {
    const b = view(base, before, aspect);
    const a = view(head, after, aspect);
    if (b && a && canonicalEqual(b.data, a.data)) continue;
    changes.push({ id: aspect.id, title: aspect.title, before: b, after: a });
  }
  const fields = before && after ? writtenPolicyChanges(before.policy, after.policy) : [];
  const status = !before
    ? 'added'
    : !after
      ? 'removed'
      : changes.length > 0 || fields.length > 0
        ? 'changed'
        : 'unchanged';
  return { name, status, aspects: changes, fields };
}

function poolOwners(policies: readonly PolicyModel[]): Map<string, string> {
  const out = new Map<string, string>();
  for (const p of policies)
    if (p.membership.kind !== 'selector') for (const pool of p.membership.pools) out.set(pool, p.name);
  return out;
}

function poolMoves(base: CompiledFleet | null, head: CompiledFleet): PoolMove[] {
  if (!base) return [];
  const before = poolOwners(base.policies.map((p) => p.policy));
  const after = poolOwners(head.policies.map((p) => p.policy));
  // Pools nobody names go to the default policy (selector policies aside: without the nodes, plan
  // cannot tell which of the pool's nodes they match).
  const owner = (owners: Map<string, string>, fleet: CompiledFleet, pool: string) => {
    const named = owners.get(pool);
    return named !== undefined
      ? { policy: named, byDefault: false }
      : { policy: fleet.fleet.defaultPolicy, byDefault: fleet.fleet.defaultPolicy !== null };
  };
  return [...new Set([...before.keys(), ...after.keys()])]
    .sort(compareText)
    .map((pool) => {
      const [from, to] = [owner(before, base, pool), owner(after, head, pool)];
      return { pool, from: from.policy, to: to.policy, fromDefault: from.byDefault, toDefault: to.byDefault };
    })
    .filter((m) => m.from !== m.to);
}

/** Policies whose DaemonSet's pod template changes: their agents are replaced (a rolling update). */
function restarts(objects: ObjectDiff): string[] {
  const key = (s: PathSegment | undefined) => (s !== undefined && 'key' in s ? s.key : undefined);
  return objects.changed
    .filter(
      (c) =>
        c.after.kind === 'DaemonSet' &&
        c.changes.some((f) => key(f.path[0]) === 'spec' && key(f.path[1]) === 'template'),
    )
    .map((c) => c.after.metadata.labels?.[POLICY_LABEL] ?? c.after.metadata.name)
    .sort(compareText);
}

function nodesPlan(
  baseObjects: readonly KubeObject[],
  headObjects: readonly KubeObject[],
  nodes: readonly ClusterNode[],
  compiled: CompiledFleet,
): NodesPlan {
  const before = computeCoverage(baseObjects, nodes);
  const head = computeCoverage(headObjects, nodes);
  const policiesOf = (report: CoverageReport) =>
    new Map(report.nodes.map((n) => [n.node, n.daemonSets.map((d) => d.policy)]));
  const [b, a] = [policiesOf(before), policiesOf(head)];
  const moves = head.nodes
    .map((n) => ({ node: n.node, from: b.get(n.node) ?? [], to: a.get(n.node) ?? [] }))
    .filter((m) => !canonicalEqual(m.from, m.to));
  return { moves, head, findings: findingsOf(compiled, head, nodes) };
}

function fleetChanges(base: FleetModel | undefined, head: FleetModel): FieldChange[] {
  return base ? writtenFleetChanges(base, head) : [];
}

/** Compares base and head: objects, fleet, every policy's meaning, pools, and nodes when given. */
export function buildPlan(input: PlanInput): Plan {
  const { base, head } = input;
  const aspects = input.aspects ?? DEFAULT_ASPECTS;
  const baseObjects = base ? renderObjects(base).map((r) => r.object) : [];
  const headObjects = renderObjects(head).map((r) => r.object);
  const names = [...new Set([...(base?.policies ?? []), ...head.policies].map((p) => p.policy.name))].sort(compareText);
  const objects = diffObjects(baseObjects, headObjects);
  return {
    objects,
    restarts: restarts(objects),
    fleet: fleetChanges(base?.fleet, head.fleet),
    policies: names.map((name) => policyPlan(name, base, head, input, aspects)),
    pools: poolMoves(base, head),
    nodes: input.nodes ? nodesPlan(baseObjects, headObjects, input.nodes, head) : null,
  };
}
