// Which pods a drain evicts, waits for, leaves alone or refuses to touch (pure), the way
// `kubectl drain` sorts them: DaemonSet pods come back on the node anyway and mirror pods cannot be
// evicted, so both stay; pods losing data (emptyDir) or lost for good (no controller) are evicted
// only when the policy allows it, otherwise the drain fails naming them. Finished pods go freely.
import { selectorMatches } from '../../policy/labels.ts';
import type { DrainSettings } from '../../policy/model.ts';
import type { PodInfo } from '../../kube/ports.ts';

/** The pods of a node sorted by what the drain does with them. */
export interface DrainPlan {
  /** Pods to evict now. */
  readonly evict: readonly PodInfo[];
  /** Pods already being deleted: the node is not empty until they are gone. */
  readonly terminating: readonly PodInfo[];
  /** Pods the policy does not allow to evict; the drain fails on any. */
  readonly refused: readonly { readonly pod: PodInfo; readonly reason: string }[];
}

/** `namespace/name`. */
export function podName(pod: Pick<PodInfo, 'namespace' | 'name'>): string {
  return `${pod.namespace}/${pod.name}`;
}

/** Sorts the pods of a node for the drain (skipped pods appear nowhere). */
export function planDrain(
  pods: readonly PodInfo[],
  settings: Pick<DrainSettings, 'deleteEmptyDirData' | 'force' | 'podSelector'>,
): DrainPlan {
  const evict: PodInfo[] = [];
  const terminating: PodInfo[] = [];
  const refused: { pod: PodInfo; reason: string }[] = [];
  for (const pod of pods) {
    if (pod.mirror || pod.controllerKind === 'DaemonSet') continue;
    if (settings.podSelector !== null && !selectorMatches(settings.podSelector, pod.labels)) continue;
    if (pod.terminating) {
      terminating.push(pod);
      continue;
    }
    const finished = pod.phase === 'Succeeded' || pod.phase === 'Failed';
    if (!finished && pod.controllerKind === null && !settings.force) {
      refused.push({
        pod,
        reason: `pod ${podName(pod)} has no controller, so evicting it deletes it for good; set drain.force: true to allow that`,
      });
    } else if (!finished && pod.usesEmptyDir && !settings.deleteEmptyDirData) {
      refused.push({
        pod,
        reason: `pod ${podName(pod)} uses emptyDir, whose data eviction deletes; set drain.deleteEmptyDirData: true to allow that`,
      });
    } else {
      evict.push(pod);
    }
  }
  return { evict, terminating, refused };
}
