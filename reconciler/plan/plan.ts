// plan: what a change to the policies will do, from the compiled base and head (and optionally the
// cluster's nodes). Pure: the shell reads git and files, compiles both sides and formats the result.
import type { FleetModel, PolicyModel } from '../../policy/model.ts';
import { DEFAULT_ASPECTS } from './aspects.ts';
import { type AspectView, type PolicyAspect } from './aspect.ts';
import type { CompiledFleet, CompiledPolicy } from '../render/compile.ts';
import { computeCoverage, type CoverageReport } from './coverage.ts';
import { compareText } from '../../policy/diagnostics.ts';
import { diffObjects, diffValues, type FieldChange, type ObjectDiff } from './diff.ts';
import type { ClusterNode } from './nodes.ts';
import type { KubeObject } from '../render/objects.ts';
import { renderObjects } from '../render/render.ts';
import { canonicalEqual } from '../render/serialize.ts';

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

/** A pool named by a policy's nodePools on one side and by another policy (or none) on the other. */
export interface PoolMove {
  readonly pool: string;
  /** Null: no policy names the pool there. */
  readonly from: string | null;
  readonly to: string | null;
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
}

export interface Plan {
  readonly objects: ObjectDiff;
  /** Field-level changes of the normalized Fleet (empty when there is no base). */
  readonly fleet: readonly FieldChange[];
  readonly policies: readonly PolicyPlan[];
  readonly pools: readonly PoolMove[];
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
  const fields = before && after ? diffValues(before.policy, after.policy) : [];
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
  return [...new Set([...before.keys(), ...after.keys()])]
    .sort(compareText)
    .map((pool) => ({ pool, from: before.get(pool) ?? null, to: after.get(pool) ?? null }))
    .filter((m) => m.from !== m.to);
}

function nodesPlan(
  baseObjects: readonly KubeObject[],
  headObjects: readonly KubeObject[],
  nodes: readonly ClusterNode[],
): NodesPlan {
  const before = computeCoverage(baseObjects, nodes);
  const head = computeCoverage(headObjects, nodes);
  const policiesOf = (report: CoverageReport) =>
    new Map(report.nodes.map((n) => [n.node, n.daemonSets.map((d) => d.policy)]));
  const [b, a] = [policiesOf(before), policiesOf(head)];
  const moves = head.nodes
    .map((n) => ({ node: n.node, from: b.get(n.node) ?? [], to: a.get(n.node) ?? [] }))
    .filter((m) => !canonicalEqual(m.from, m.to));
  return { moves, head };
}

function fleetChanges(base: FleetModel | undefined, head: FleetModel): FieldChange[] {
  return base ? diffValues(base, head) : [];
}

/** Compares base and head: objects, fleet, every policy's meaning, pools, and nodes when given. */
export function buildPlan(input: PlanInput): Plan {
  const { base, head } = input;
  const aspects = input.aspects ?? DEFAULT_ASPECTS;
  const baseObjects = base ? renderObjects(base).map((r) => r.object) : [];
  const headObjects = renderObjects(head).map((r) => r.object);
  const names = [...new Set([...(base?.policies ?? []), ...head.policies].map((p) => p.policy.name))].sort(compareText);
  return {
    objects: diffObjects(baseObjects, headObjects),
    fleet: fleetChanges(base?.fleet, head.fleet),
    policies: names.map((name) => policyPlan(name, base, head, input, aspects)),
    pools: poolMoves(base, head),
    nodes: input.nodes ? nodesPlan(baseObjects, headObjects, input.nodes) : null,
  };
}
