// Named rules that look across documents (one Fleet, unique names, disjoint pools, the default
// policy) and warnings about schedules that cannot work. Each returns diagnostics as data.
import { formatDuration } from '../../policy/duration.ts';
import type { FleetModel, PolicyModel, WindowSpec } from '../../policy/model.ts';
import { nextWindows } from '../../policy/windows.ts';
import type { Diagnostic } from '../../policy/diagnostics.ts';
import { reporterFor, type Located } from './located.ts';

/** Days ahead within which a policy should have at least one effective window. */
export const WINDOW_HORIZON_DAYS = 90;

/** Rules over the whole policy set; `policies` are in file order. */
export function crossDocumentRules(
  fleet: Located<FleetModel>,
  policies: readonly Located<PolicyModel>[],
): Diagnostic[] {
  const out: Diagnostic[] = [];
  const byName = new Map<string, Located<PolicyModel>>();
  for (const p of policies) {
    const first = byName.get(p.model.name);
    if (first) {
      reporterFor(p.doc, out).error(
        ['metadata', 'name'],
        `"${p.model.name}" is also the name of the policy in ${first.doc.file}:${first.doc.locate(['metadata', 'name']).line}; policy names must be unique`,
        'unique-name',
      );
    } else {
      byName.set(p.model.name, p);
    }
  }

  const defaultName = fleet.model.defaultPolicy;
  if (defaultName !== null && !byName.has(defaultName)) {
    const known = [...byName.keys()].sort();
    reporterFor(fleet.doc, out).error(
      ['spec', 'defaultPolicy'],
      `"${defaultName}" names no RebootPolicy; use one of: ${known.join(', ') || '(none defined)'}`,
      'default-policy',
    );
  }

  const poolOwner = new Map<string, Located<PolicyModel>>();
  for (const p of policies) {
    const m = p.model.membership;
    if (m.kind === 'selector') continue;
    m.pools.forEach((pool, i) => {
      const owner = poolOwner.get(pool);
      if (owner && owner !== p) {
        reporterFor(p.doc, out).error(
          ['spec', 'nodePools', i],
          `pool "${pool}" is already taken by policy "${owner.model.name}" (${owner.doc.file}); a pool belongs to exactly one policy`,
          'pool-overlap',
        );
      } else if (owner === p) {
        reporterFor(p.doc, out).error(
          ['spec', 'nodePools', i],
          `pool "${pool}" is listed twice; remove one`,
          'pool-overlap',
        );
      } else {
        poolOwner.set(pool, p);
      }
    });
  }

  const priorityOwner = new Map<number, Located<PolicyModel>>();
  for (const p of policies) {
    const m = p.model.membership;
    if (m.kind !== 'selector') continue;
    const owner = priorityOwner.get(m.priority);
    if (owner) {
      reporterFor(p.doc, out).error(
        ['spec', 'priority'],
        `${m.priority} is also the priority of selector policy "${owner.model.name}"; give every nodeSelector policy its own priority so overlaps have one winner`,
        'priority',
      );
    } else {
      priorityOwner.set(m.priority, p);
    }
  }
  return out;
}

/** Nominal length of a window occurrence in ms (wall-clock for end times, ignoring DST). */
function nominalLengthMs(w: WindowSpec): number {
  if (w.end.kind === 'duration') return w.end.durationMs;
  const start = w.start.hour * 60 + w.start.minute;
  const end = w.end.time.hour * 60 + w.end.time.minute;
  return (((end - start + 1440 - 1) % 1440) + 1) * 60_000;
}

/** Warnings (exit 0): schedules under which a policy's nodes would never or rarely start. */
export function scheduleWarnings(policy: Located<PolicyModel>, nowMs: number): Diagnostic[] {
  const out: Diagnostic[] = [];
  const report = reporterFor(policy.doc, out);
  const m = policy.model;
  const neededMs = m.drain.timeoutMs + m.reboot.expectedDurationMs;
  m.schedule.windows.forEach((w, i) => {
    const length = nominalLengthMs(w);
    if (length < neededMs) {
      report.warning(
        ['spec', 'windows', i],
        `is ${formatDuration(length)} long, shorter than drain.timeout ${formatDuration(m.drain.timeoutMs)} + reboot.expectedDuration ${formatDuration(m.reboot.expectedDurationMs)}; no node can start in it unless it touches another window — lengthen it or shorten the drain timeout`,
        'window-too-short',
      );
    }
  });
  const horizonMs = WINDOW_HORIZON_DAYS * 86_400_000;
  if (m.schedule.windows.length > 0 && nextWindows(m.schedule, nowMs, 1, horizonMs).length === 0) {
    const { pause } = m.schedule;
    const paused = pause.kind === 'indefinite' || (pause.kind === 'until' && pause.epochMs > nowMs);
    const why = paused ? 'the pause covers' : 'blackouts cover';
    report.warning(
      ['spec', 'windows'],
      `leave no effective window in the next ${WINDOW_HORIZON_DAYS} days (${why} them all); this policy's nodes will not be rebooted`,
      'no-windows',
    );
  }
  return out;
}
