// spec.drain as written -> DrainSettings: timeouts, grace period in whole seconds, the pod
// selector, what a failure does, and the optional wait for the node's volumes to detach.
import type { RebootPolicy } from '../../policy/generated/rebootpolicy.ts';
import type { DrainSettings } from '../../policy/model.ts';
import { showValue } from '../../policy/diagnostics.ts';
import { duration, type Report } from './normalize-fields.ts';
import { labelSelector } from './normalize-selectors.ts';

/** The normalized drain settings (defaults: 30m, the pods' own grace periods, uncordon on failure). */
export function drainSettings(report: Report, written: RebootPolicy['spec']['drain']): DrainSettings {
  const d = written ?? {};
  const gracePeriodMs =
    d.gracePeriod === undefined ? undefined : duration(report, ['spec', 'drain', 'gracePeriod'], d.gracePeriod, 0);
  if (gracePeriodMs !== undefined && gracePeriodMs % 1000 !== 0) {
    report.error(
      ['spec', 'drain', 'gracePeriod'],
      `${showValue(d.gracePeriod)} is not whole seconds; Kubernetes grace periods are in seconds`,
      'duration',
    );
  }
  const volumes = d.waitForVolumeDetach;
  return {
    timeoutMs: duration(report, ['spec', 'drain', 'timeout'], d.timeout, 30 * 60_000, { min: 1 }),
    gracePeriodSeconds: gracePeriodMs === undefined ? null : Math.floor(gracePeriodMs / 1000),
    deleteEmptyDirData: d.deleteEmptyDirData ?? false,
    force: d.force ?? false,
    podSelector: d.podSelector ? labelSelector(report, ['spec', 'drain', 'podSelector'], d.podSelector) : null,
    onFailure: d.onFailure ?? 'uncordon',
    volumeDetachTimeoutMs:
      volumes === undefined
        ? null
        : duration(report, ['spec', 'drain', 'waitForVolumeDetach', 'timeout'], volumes.timeout, 5 * 60_000, {
            min: 1,
          }),
  };
}
