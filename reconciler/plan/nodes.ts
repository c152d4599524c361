// Nodes as `kubectl get nodes -o yaml|json` prints them: a v1 List of Nodes, a NodeList, or a single
// Node. Only what placement depends on is kept: name, labels and taints. Pure: text in, nodes out.
import { parse } from 'yaml';
import { UsageError } from '../../policy/errors.ts';
import type { Toleration } from '../../policy/model.ts';

export interface Taint {
  readonly key: string;
  readonly value?: string;
  readonly effect: 'NoSchedule' | 'PreferNoSchedule' | 'NoExecute';
}

/** A node of the cluster, as far as placement goes. */
export interface ClusterNode {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly taints: readonly Taint[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

const EFFECTS: readonly unknown[] = ['NoSchedule', 'PreferNoSchedule', 'NoExecute'];

/** Labels as the API gives them: string values only (a node read wrong would be placed wrong). */
function labelsOf(v: unknown, where: string): Record<string, string> {
  if (v === undefined || v === null) return {};
  if (!isRecord(v)) throw new UsageError(`${where}: metadata.labels is not a mapping`);
  for (const [key, value] of Object.entries(v)) {
    if (typeof value !== 'string')
      throw new UsageError(
        `${where}: metadata.labels[${JSON.stringify(key)}] is ${JSON.stringify(value)}, not a string; give the output of kubectl get nodes -o yaml`,
      );
  }
  return v as Record<string, string>;
}

function taintsOf(v: unknown, where: string): Taint[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) throw new UsageError(`${where}: spec.taints is not a list`);
  return v.map((t: unknown, i): Taint => {
    if (
      !isRecord(t) ||
      typeof t.key !== 'string' ||
      !EFFECTS.includes(t.effect) ||
      (t.value !== undefined && typeof t.value !== 'string')
    ) {
      throw new UsageError(
        `${where}: spec.taints[${i}] is ${JSON.stringify(t)}, not a taint (key, optional value, effect NoSchedule, PreferNoSchedule or NoExecute)`,
      );
    }
    const effect = t.effect as Taint['effect'];
    return typeof t.value === 'string' ? { key: t.key, value: t.value, effect } : { key: t.key, effect };
  });
}

function toNode(item: unknown, where: string): ClusterNode {
  if (!isRecord(item) || item.kind !== 'Node') {
    throw new UsageError(
      `${where}: is not a Node (kind: ${isRecord(item) ? String(item.kind) : typeof item}); give the output of kubectl get nodes -o yaml`,
    );
  }
  const metadata = isRecord(item.metadata) ? item.metadata : {};
  if (typeof metadata.name !== 'string' || metadata.name.length === 0)
    throw new UsageError(`${where}: a Node without metadata.name`);
  const spec = isRecord(item.spec) ? item.spec : {};
  const at = `${where} (node ${metadata.name})`;
  return { name: metadata.name, labels: labelsOf(metadata.labels, at), taints: taintsOf(spec.taints, at) };
}

/** The nodes in `text` (YAML or JSON); `file` names it in errors. Throws UsageError on anything else. */
export function parseNodes(text: string, file: string): ClusterNode[] {
  let doc: unknown;
  try {
    doc = parse(text, { version: '1.1', maxAliasCount: 100 });
  } catch (err: unknown) {
    throw new UsageError(
      `${file}: is not YAML or JSON (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`,
      { cause: err },
    );
  }
  if (isRecord(doc) && (doc.kind === 'List' || doc.kind === 'NodeList')) {
    const items = Array.isArray(doc.items) ? doc.items : [];
    const nodes = items.map((item, i) => toNode(item, `${file}: items[${i}]`));
    const seen = new Set<string>();
    for (const n of nodes) {
      if (seen.has(n.name)) throw new UsageError(`${file}: node ${n.name} appears twice`);
      seen.add(n.name);
    }
    return nodes;
  }
  if (isRecord(doc) && doc.kind === 'Node') return [toNode(doc, file)];
  throw new UsageError(
    `${file}: is neither a List of Nodes, a NodeList nor a Node; give the output of kubectl get nodes -o yaml (or -o json)`,
  );
}

/**
 * Taints that keep a DaemonSet pod with these tolerations off the node. The DaemonSet controller
 * adds tolerations for the node condition taints itself (not-ready, unreachable, pressure,
 * unschedulable), so those never count; PreferNoSchedule never keeps a pod off.
 */
export function untoleratedTaints(taints: readonly Taint[], tolerations: readonly Toleration[]): Taint[] {
  const automatic =
    /^node\.kubernetes\.io\/(not-ready|unreachable|disk-pressure|memory-pressure|pid-pressure|unschedulable)$/;
  const tolerates = (t: Toleration, taint: Taint) =>
    (t.effect === undefined || t.effect === '' || t.effect === taint.effect) &&
    (t.operator === 'Exists'
      ? t.key === undefined || t.key === '' || t.key === taint.key
      : t.key === taint.key && (t.value ?? '') === (taint.value ?? ''));
  return taints.filter(
    (taint) =>
      taint.effect !== 'PreferNoSchedule' &&
      !automatic.test(taint.key) &&
      !tolerations.some((t) => tolerates(t, taint)),
  );
}
