// The forecast for people (text: times in each policy's zone) and for tools (JSON: instants in UTC
// RFC 3339, durations in seconds, stable field names).
import { formatInstant, formatZoned } from '../../policy/calendar.ts';
import { formatDuration } from '../../policy/duration.ts';
import { formatTable } from '../../io/table.ts';
import { START_HORIZON_TEXT } from './defaults.ts';
import type { Forecast, PolicyForecast } from './forecast.ts';

const iso = (ms: number | null) => (ms === null ? null : formatInstant(ms));
const seconds = (ms: number | null) => (ms === null ? null : Math.round(ms / 1000));
/** A duration for people, to the second. */
const duration = (ms: number) => formatDuration(Math.round(ms / 1000) * 1000);

/** The forecast as JSON for tools. */
function forecastJsonValue(f: Forecast): unknown {
  return {
    apiVersion: 'patchwindow.io/v1alpha1',
    kind: 'Forecast',
    fleet: f.fleet,
    from: iso(f.fromMs),
    horizon: iso(f.untilMs),
    // The --drain and --reboot overrides; null: each policy's own (its drainSeconds, rebootSeconds).
    drainSeconds: seconds(f.drainMs),
    rebootSeconds: seconds(f.rebootMs),
    fleetCap: f.fleetCap,
    makespan: seconds(f.makespanMs),
    lowerBoundMakespan: seconds(f.lowerBoundMakespanMs),
    policies: f.policies.map((p) => ({
      name: p.name,
      members: p.members,
      nodes: p.nodes,
      allowedUnavailable: p.allowed,
      atOnce: p.lanes,
      drainSeconds: seconds(p.drainMs),
      rebootSeconds: seconds(p.rebootMs),
      nextWindow: p.nextWindow === null ? null : { start: iso(p.nextWindow.startMs), end: iso(p.nextWindow.endMs) },
      firstFinish: iso(p.firstFinishMs),
      finish: iso(p.finishMs),
      lowerBound: iso(p.lowerBoundMs),
      unfinished: p.unfinished,
      windowsUsed: p.windows.length,
      windows: p.windows.map((w) => ({ start: iso(w.startMs), end: iso(w.endMs), started: w.started })),
      warnings: p.warnings.map((w) => ({ reason: w.reason, message: w.message })),
      notes: p.notes,
    })),
    uncovered: f.uncovered,
    warnings: f.warnings.map((w) => ({ reason: w.reason, message: w.message })),
  };
}

export function forecastJson(f: Forecast): string {
  return `${JSON.stringify(forecastJsonValue(f), null, 2)}\n`;
}

/** A time for the table, in the policy's zone; `-` for none. */
function when(ms: number | null, zone: string): string {
  return ms === null ? '-' : formatZoned(ms, zone);
}

/** How the text names the start: "now" unless --from moved it. */
export interface ForecastTextOptions {
  readonly fromIsNow: boolean;
}

function nextWindowCell(p: PolicyForecast, fromMs: number, o: ForecastTextOptions): string {
  const w = p.nextWindow;
  if (w === null) return `none within ${START_HORIZON_TEXT}`;
  if (w.startMs > fromMs) return formatZoned(w.startMs, p.timeZone);
  return `${o.fromIsNow ? 'open now' : 'open at --from'}, until ${formatZoned(w.endMs, p.timeZone)}`;
}

function policyRow(p: PolicyForecast, fromMs: number, o: ForecastTextOptions): string[] {
  const last =
    p.nodes === 0 ? '-' : p.finishMs === null ? `${p.unfinished} not done` : formatZoned(p.finishMs, p.timeZone);
  const atOnce = p.lanes < p.allowed ? `${p.lanes} (fleet cap; budget ${p.allowed})` : String(p.allowed);
  return [
    p.name,
    `${p.nodes}/${p.members}`,
    atOnce,
    formatDuration(p.drainMs),
    formatDuration(p.rebootMs),
    nextWindowCell(p, fromMs, o),
    when(p.firstFinishMs, p.timeZone),
    last,
    when(p.lowerBoundMs, p.timeZone),
    String(p.windows.length),
  ];
}

function windowLines(p: PolicyForecast): string[] {
  if (p.windows.length === 0) return [];
  return [
    `${p.name}: nodes started per window (${p.timeZone})`,
    ...p.windows.map(
      (w) =>
        `  ${formatZoned(w.startMs, p.timeZone)} → ${formatZoned(w.endMs, p.timeZone)}  ${w.started} node${w.started === 1 ? '' : 's'}`,
    ),
  ];
}

/** The sentence under the table: where the durations come from and what makespan and bound mean. */
function explanation(f: Forecast): string {
  const drain =
    f.drainMs === null
      ? "its policy's drain.timeout (the longest a drain may take)"
      : `${formatDuration(f.drainMs)} (--drain)`;
  const reboot = f.rebootMs === null ? 'its reboot.expectedDuration' : `${formatDuration(f.rebootMs)} (--reboot)`;
  const replace =
    f.drainMs === null && f.rebootMs === null
      ? '; --drain and --reboot replace them'
      : f.drainMs === null
        ? '; --drain replaces the drain'
        : f.rebootMs === null
          ? '; --reboot replaces the reboot'
          : '';
  return `Each node drains for ${drain} and reboots in ${reboot}${replace}. The makespan runs from the start until the last node is done; the lower bound is the earliest any order of reboots could finish with the same windows, budgets and durations, so 1.000 × the bound means none finishes sooner.`;
}

/** The forecast for a terminal. */
export function forecastText(f: Forecast, o: ForecastTextOptions = { fromIsNow: false }): string {
  const nodes = f.policies.reduce((n, p) => n + p.nodes, 0);
  const cap = f.fleetCap === null ? 'no fleet cap' : `fleet cap ${f.fleetCap}`;
  const out = [
    `forecast for fleet ${f.fleet} from ${formatInstant(f.fromMs)}: ${nodes} node(s) to reboot; ${cap}; horizon ${formatInstant(f.untilMs)}`,
    '',
    formatTable(
      [
        'POLICY',
        'NODES',
        'AT ONCE',
        'DRAIN',
        'REBOOT',
        'NEXT WINDOW',
        'FIRST DONE',
        'ALL DONE',
        'LOWER BOUND',
        'WINDOWS',
      ],
      f.policies.map((p) => policyRow(p, f.fromMs, o)),
    ).trimEnd(),
    '',
  ];
  const makespan =
    f.makespanMs === null ? `not every node within ${formatDuration(f.untilMs - f.fromMs)}` : duration(f.makespanMs);
  const bound =
    f.lowerBoundMakespanMs === null ? `none within ${START_HORIZON_TEXT}` : duration(f.lowerBoundMakespanMs);
  const ratio =
    f.makespanMs !== null && f.lowerBoundMakespanMs
      ? ` (${(f.makespanMs / f.lowerBoundMakespanMs).toFixed(3)} × the bound)`
      : '';
  out.push(`makespan: ${makespan}; lower bound: ${bound}${ratio}`, explanation(f));
  for (const p of f.policies) {
    const lines = windowLines(p);
    if (lines.length > 0) out.push('', ...lines);
  }
  const notes = f.policies.filter((p) => p.notes.length > 0);
  if (notes.length > 0) out.push('', 'guard rails:', ...notes.map((p) => `  ${p.name}: ${p.notes.join('; ')}`));
  const warnings = [...f.warnings, ...f.policies.flatMap((p) => p.warnings)];
  if (warnings.length > 0)
    out.push('', 'warnings:', ...warnings.map((w) => `  ${w.policy === null ? '' : `${w.policy}: `}${w.message}`));
  return `${out.join('\n')}\n`;
}
