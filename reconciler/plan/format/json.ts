// The plan for tools: a versioned document with stable field names and order. Instants are RFC 3339
// in UTC; field paths use the same notation as the text output.
import { formatFieldPath, type FieldChange } from '../diff.ts';
import type { KubeObject } from '../../render/objects.ts';
import { canonicalJson } from '../../render/serialize.ts';
import type { PlanReport } from './report.ts';

function ref(o: KubeObject) {
  return { apiVersion: o.apiVersion, kind: o.kind, namespace: o.metadata.namespace ?? null, name: o.metadata.name };
}

function change(c: FieldChange) {
  return {
    path: formatFieldPath(c.path),
    before: c.before ?? null,
    after: c.after ?? null,
    op: c.before === undefined ? 'add' : c.after === undefined ? 'remove' : 'replace',
  };
}

function planJsonValue(report: PlanReport): unknown {
  const { plan } = report;
  return {
    apiVersion: 'patchwindow.io/v1alpha1',
    kind: 'Plan',
    fleet: report.fleet,
    base: { ref: report.base, note: report.baseNote },
    head: report.head,
    policies: plan.policies.map((p) => ({
      name: p.name,
      status: p.status,
      aspects: p.aspects.map((a) => ({ id: a.id, title: a.title, before: a.before, after: a.after })),
      fields: p.fields.map(change),
    })),
    fleetChanges: plan.fleet.map(change),
    pools: plan.pools,
    restarts: plan.restarts,
    nodes: plan.nodes && {
      findings: plan.nodes.findings,
      file: report.nodesFile,
      moves: plan.nodes.moves,
      uncovered: plan.nodes.head.uncovered,
      doubleCovered: plan.nodes.head.doubleCovered,
    },
    objects: {
      added: plan.objects.added.map(ref),
      removed: plan.objects.removed.map(ref),
      changed: plan.objects.changed.map((c) => ({ ...ref(c.after), changes: c.changes.map(change) })),
    },
  };
}

/** Canonical JSON (sorted keys), so equal plans give equal bytes. */
export function planJson(report: PlanReport): string {
  return canonicalJson(planJsonValue(report));
}
