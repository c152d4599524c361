// Which rendered DaemonSet runs on which node, found by evaluating the rendered objects the way the
// DaemonSet controller does (required node affinity, nodeSelector, taints against tolerations) —
// not by re-deriving what the policies meant, so a rendering bug shows up here. Pure.
import { nodeSelectorTermsMatch, selectorMatches } from '../../policy/labels.ts';
import type { NodeSelectorTerm, Toleration } from '../../policy/model.ts';
import { compareText } from '../../policy/diagnostics.ts';
import { untoleratedTaints, type ClusterNode, type Taint } from './nodes.ts';
import { POLICY_LABEL, type KubeObject } from '../render/objects.ts';

export interface DaemonSetRef {
  readonly namespace: string;
  readonly name: string;
  /** The `patchwindow.io/policy` label; empty if absent. */
  readonly policy: string;
}

export interface NodeCoverage {
  readonly node: string;
  /** DaemonSets that will run a pod on the node: exactly one when all is well. */
  readonly daemonSets: readonly DaemonSetRef[];
  /** DaemonSets whose affinity selects the node but whose tolerations keep them off, with the taints. */
  readonly keptOffBy: readonly { readonly daemonSet: DaemonSetRef; readonly taints: readonly Taint[] }[];
}

export interface CoverageReport {
  /** Every node, sorted by name. */
  readonly nodes: readonly NodeCoverage[];
  readonly uncovered: readonly string[];
  readonly doubleCovered: readonly string[];
}

interface PodPlacement {
  readonly ref: DaemonSetRef;
  readonly terms: readonly NodeSelectorTerm[] | undefined;
  readonly nodeSelector: Readonly<Record<string, string>>;
  readonly tolerations: readonly Toleration[];
}

type Loose = Record<string, unknown> | undefined;
const field = (o: unknown, key: string): Loose =>
  o !== null && typeof o === 'object' ? ((o as Record<string, unknown>)[key] as Loose) : undefined;

function placementOf(ds: KubeObject): PodPlacement {
  const podSpec = field(field(field(ds, 'spec'), 'template'), 'spec');
  const required = field(
    field(field(podSpec, 'affinity'), 'nodeAffinity'),
    'requiredDuringSchedulingIgnoredDuringExecution',
  );
  return {
    ref: {
      namespace: ds.metadata.namespace ?? '',
      name: ds.metadata.name,
      policy: ds.metadata.labels?.[POLICY_LABEL] ?? '',
    },
    terms: required ? ((required.nodeSelectorTerms ?? []) as unknown as NodeSelectorTerm[]) : undefined,
    nodeSelector: (podSpec?.nodeSelector ?? {}) as Record<string, string>,
    tolerations: (podSpec?.tolerations ?? []) as unknown as Toleration[],
  };
}

/** For every node, the DaemonSets among `objects` that will run on it; nodes with none or several. */
export function computeCoverage(objects: readonly KubeObject[], nodes: readonly ClusterNode[]): CoverageReport {
  const placements = objects.filter((o) => o.kind === 'DaemonSet').map(placementOf);
  const out = [...nodes]
    .sort((a, b) => compareText(a.name, b.name))
    .map((node): NodeCoverage => {
      const selected = placements.filter(
        (p) =>
          (p.terms === undefined || nodeSelectorTermsMatch(p.terms, node.labels)) &&
          selectorMatches({ matchLabels: p.nodeSelector }, node.labels),
      );
      const daemonSets: DaemonSetRef[] = [];
      const keptOffBy: { daemonSet: DaemonSetRef; taints: Taint[] }[] = [];
      for (const p of selected) {
        const taints = untoleratedTaints(node.taints, p.tolerations);
        if (taints.length === 0) daemonSets.push(p.ref);
        else keptOffBy.push({ daemonSet: p.ref, taints });
      }
      return { node: node.name, daemonSets, keptOffBy };
    });
  return {
    nodes: out,
    uncovered: out.filter((n) => n.daemonSets.length === 0).map((n) => n.node),
    doubleCovered: out.filter((n) => n.daemonSets.length > 1).map((n) => n.node),
  };
}
