// What makes `patchwindow status` the operator's one screen besides the node and budget tables
// (pure): the reconciler's last applied and last refused commit, coverage problems (a policy, pool
// or pool label matching no node), a paused policy's pause and the window it would open without it,
// and, for a node whose reboot is pending with no recorded reason, why it is not moving.
import { formatZoned } from '../../policy/calendar.ts';
import { formatDuration } from '../../policy/duration.ts';
import type { AgentConfig, Interval, Pause } from '../../policy/model.ts';
import { compileSchedule, START_HORIZON_MS } from '../../policy/windows.ts';
import { checkCoverage, type CoverageFinding } from '../plan/coverage-check.ts';
import { compareText } from '../../policy/diagnostics.ts';

/** The reconciler's status ConfigMap (status-store.ts), as read from the cluster. */
export interface ReconcilerRecord {
  readonly namespace: string;
  readonly name: string;
  readonly data: Readonly<Record<string, string>>;
}

export interface ReconcilerRow {
  readonly where: string;
  readonly lastResult: string | null;
  readonly lastApplied: { readonly commit: string; readonly time: string } | null;
  readonly lastRefused: { readonly commit: string; readonly time: string; readonly reason: string } | null;
  /** The last cycle failed (git or API): its message. */
  readonly failure: string | null;
  /** Coverage problems the reconciler found after its last apply, one per line. */
  readonly coverage: readonly string[];
}

export function reconcilerRows(records: readonly ReconcilerRecord[]): ReconcilerRow[] {
  return [...records]
    .sort((a, b) => compareText(`${a.namespace}/${a.name}`, `${b.namespace}/${b.name}`))
    .map(({ namespace, name, data }) => ({
      where: `${namespace}/${name}`,
      lastResult: data.lastResult ?? null,
      lastApplied: data.lastAppliedCommit ? { commit: data.lastAppliedCommit, time: data.lastAppliedTime ?? '' } : null,
      lastRefused: data.lastRefusedCommit
        ? { commit: data.lastRefusedCommit, time: data.lastRefusedTime ?? '', reason: data.lastRefusedReason ?? '' }
        : null,
      failure: data.lastResult === 'failed' ? (data.message ?? '') : null,
      coverage: (data.coverage ?? '')
        .split('\n')
        .map((l) => l.replace(/^warning: /, ''))
        .filter((l) => l.length > 0),
    }));
}

/** A policy's pause at `nowMs` (one that has ended is none) and, while paused, the window it would open without it. */
export function pauseView(
  config: AgentConfig,
  nowMs: number,
): { readonly pause: Pause; readonly withoutPause: Interval | null } {
  const pause = config.policy.schedule.pause;
  if (pause.kind === 'none' || (pause.kind === 'until' && pause.epochMs <= nowMs))
    return { pause: { kind: 'none' }, withoutPause: null };
  const unpaused = compileSchedule({ ...config.policy.schedule, pause: { kind: 'none' } });
  return { pause, withoutPause: unpaused.nextWindows(nowMs, 1, START_HORIZON_MS)[0] ?? null };
}

/** The next-window cell of a policy: a paused one says until when and what it would open otherwise. */
export function windowWithPause(
  view: ReturnType<typeof pauseView>,
  next: Interval | null,
  zone: string,
  nowMs: number,
): string | null {
  const { pause, withoutPause } = view;
  if (pause.kind === 'none') return null;
  const would = withoutPause
    ? `without it ${withoutPause.startMs <= nowMs ? 'open now' : `${formatZoned(withoutPause.startMs, zone)}`}`
    : 'no window within the horizon anyway';
  if (pause.kind === 'indefinite') return `paused (spec.paused); ${would}`;
  const after = next ? `next ${formatZoned(next.startMs, zone)}` : 'the pause covers every window within the horizon';
  return `paused until ${formatZoned(pause.epochMs, zone)}; ${after}`;
}

/** Why a pending node with no hold, failure or waiting Event is not moving, from its policy's schedule. */
export function pendingWhy(config: AgentConfig | undefined, window: Interval | null, nowMs: number): string | null {
  if (!config) return 'no policy takes this node: no agent runs on it';
  const view = pauseView(config, nowMs);
  const zone = config.policy.schedule.timeZone;
  if (view.pause.kind !== 'none') return windowWithPause(view, window, zone, nowMs);
  if (!window) return 'no effective window within the horizon (blackouts cover them all)';
  if (window.startMs > nowMs) return `outside the window; next ${formatZoned(window.startMs, zone)}`;
  return null;
}

/** `3d4h` for how long a reboot has been pending; null when unknown. */
export function pendingFor(sinceMs: number | null, nowMs: number): string | null {
  if (sinceMs === null || Number.isNaN(sinceMs)) return null;
  const minutes = Math.max(0, Math.floor((nowMs - sinceMs) / 60_000));
  return formatDuration(minutes * 60_000) === '0s' ? '0m' : formatDuration(minutes * 60_000);
}

/** Coverage problems of the agents found in the cluster, per fleet (the same check as `coverage`). */
export function statusFindings(
  configs: readonly AgentConfig[],
  nodes: readonly { readonly name: string; readonly labels: Readonly<Record<string, string>> }[],
  rows: readonly { readonly node: string; readonly fleet: string | null; readonly policies: readonly string[] }[],
): CoverageFinding[] {
  const out: CoverageFinding[] = [];
  for (const fleet of [...new Set(configs.map((c) => c.fleet))].sort(compareText)) {
    const mine = configs.filter((c) => c.fleet === fleet);
    const defaultPolicy = mine.find((c) => c.policy.membership.kind === 'default')?.policy.name ?? null;
    const policies = mine.map((c) => ({
      name: c.policy.name,
      membership: c.policy.membership,
      nodes: rows.filter((r) => r.fleet === fleet && r.policies.includes(c.policy.name)).map((r) => r.node),
    }));
    out.push(...checkCoverage({ poolLabel: mine[0]!.poolLabel, defaultPolicy, policies, nodes }));
  }
  return out;
}
