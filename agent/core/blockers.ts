// Blocker rules (pure): what keeps a node from starting a reboot even inside its window. The shell
// fetches pods, namespace labels and alerts; these functions say which of them block and why. A
// blocker that cannot be evaluated blocks too (STYLE.md 7: when unsure, do not reboot).
import { selectorMatches } from '../../policy/labels.ts';
import type { AlertBlocker, PodBlocker } from '../../policy/model.ts';
import { HOLD_KEY } from '../../policy/keys.ts';
import type { NodeInfo, PodInfo } from '../../kube/ports.ts';
import type { Alert } from '../ports.ts';

/** One reason the node may not start now. */
export type BlockReason =
  | { readonly kind: 'hold'; readonly source: 'label' | 'annotation'; readonly value: string }
  | { readonly kind: 'pod'; readonly pod: string }
  | { readonly kind: 'alert'; readonly alert: string; readonly state: 'firing' | 'pending' }
  /** A blocker could not be evaluated (Prometheus down, list failed, bad regex). */
  | { readonly kind: 'unknown'; readonly blocker: 'pods' | 'alerts'; readonly message: string };

/** A human sentence for a reason, for Events and logs. */
export function describeBlockReason(r: BlockReason): string {
  switch (r.kind) {
    case 'hold':
      return `node ${r.source} ${HOLD_KEY}=${JSON.stringify(r.value)} holds it`;
    case 'pod':
      return `pod ${r.pod} on the node matches a pod blocker`;
    case 'alert':
      return `alert ${r.alert} is ${r.state}`;
    case 'unknown':
      return `${r.blocker === 'pods' ? 'pod' : 'alert'} blockers cannot be evaluated (${r.message}); blocking to be safe`;
  }
}

/** The admin hold on the node (label first, then annotation), if any. */
export function holdReason(node: Pick<NodeInfo, 'labels' | 'annotations'>): BlockReason | undefined {
  for (const source of ['label', 'annotation'] as const) {
    const value = (source === 'label' ? node.labels : node.annotations)[HOLD_KEY];
    if (value !== undefined && value !== 'false') return { kind: 'hold', source, value };
  }
  return undefined;
}

/**
 * Pods on the node that match a pod blocker; pods in terminal phases (Succeeded, Failed) do not
 * block. `namespaceLabels` has the labels of every namespace a selector needs (undefined: the
 * namespace is gone, so it matches no namespace selector).
 */
export function podBlockReasons(
  blockers: readonly PodBlocker[],
  pods: readonly PodInfo[],
  namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>> | undefined>,
): BlockReason[] {
  const out: BlockReason[] = [];
  for (const pod of pods) {
    if (pod.phase === 'Succeeded' || pod.phase === 'Failed') continue;
    const blocked = blockers.some(
      (b) =>
        selectorMatches(b.selector, pod.labels) &&
        (b.namespaceSelector === null ||
          (namespaceLabels.get(pod.namespace) !== undefined &&
            selectorMatches(b.namespaceSelector, namespaceLabels.get(pod.namespace)))),
    );
    if (blocked) out.push({ kind: 'pod', pod: `${pod.namespace}/${pod.name}` });
  }
  return out;
}

/**
 * Active alerts that block under the policy's alert blocker: inactive alerts never block, pending
 * ones not when `firingOnly`; alerts whose name matches `filter` are ignored, or, with
 * `filterMatchOnly`, are the only ones that block.
 */
export function alertBlockReasons(spec: AlertBlocker, alerts: readonly Alert[]): BlockReason[] {
  let filter: RegExp | null = null;
  if (spec.filter !== null) {
    try {
      filter = new RegExp(spec.filter, 'u'); // the flags validation compiled it with
    } catch {
      return [
        {
          kind: 'unknown',
          blocker: 'alerts',
          message: `alert filter ${JSON.stringify(spec.filter)} is not a regular expression`,
        },
      ];
    }
  }
  const out: BlockReason[] = [];
  const seen = new Set<string>();
  for (const alert of alerts) {
    if (alert.state === 'inactive' || (spec.firingOnly && alert.state !== 'firing')) continue;
    if (filter !== null && filter.test(alert.name) !== spec.filterMatchOnly) continue;
    const key = `${alert.name}/${alert.state}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ kind: 'alert', alert: alert.name, state: alert.state });
  }
  return out;
}
