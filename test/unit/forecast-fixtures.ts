// Fleets for the forecast tests, written as the YAML a user writes and taken through validate and
// compile, so the simulation runs on exactly what the agents would load.
import { compileFleet, type CompiledFleet } from '../../reconciler/render/compile.ts';
import {
  forecast,
  type Forecast,
  type ForecastInput,
  type PolicyForecast,
} from '../../reconciler/forecast/forecast.ts';
import { validateSources } from '../../reconciler/validate/validate.ts';
import type { InstallSettings } from '../../reconciler/validate/install.ts';

export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;
/** Monday 2026-06-01 12:00 UTC. */
export const MONDAY_NOON = Date.parse('2026-06-01T12:00:00Z');

/** Every day 22:00-24:00 UTC. */
export const NIGHTLY_2H = '{ days: [mon, tue, wed, thu, fri, sat, sun], start: "22:00", duration: 2h }';

export interface PolicyYaml {
  readonly name: string;
  /** Spec lines besides nodePools (which is [name]) and timeZone (UTC). */
  readonly spec: readonly string[];
}

/** A Fleet on label `pool` with these policies, each taking the pool of its own name. */
export function fleetYaml(
  policies: readonly PolicyYaml[],
  fleetSpec: readonly string[] = [],
  install?: InstallSettings,
): CompiledFleet {
  const docs = [
    [
      'apiVersion: patchwindow.io/v1alpha1',
      'kind: Fleet',
      'metadata: { name: test }',
      'spec:',
      '  poolLabel: pool',
      ...fleetSpec.map((l) => `  ${l}`),
    ],
    ...policies.map((p) => [
      'apiVersion: patchwindow.io/v1alpha1',
      'kind: RebootPolicy',
      `metadata: { name: ${p.name} }`,
      'spec:',
      `  nodePools: [${p.name}]`,
      '  timeZone: UTC',
      ...p.spec.map((l) => `  ${l}`),
    ]),
  ];
  const result = validateSources([{ file: 'fleet.yaml', text: docs.map((d) => d.join('\n')).join('\n---\n') }], {
    nowMs: MONDAY_NOON,
    ...(install ? { install } : {}),
  });
  if (!result.policySet)
    throw new Error(`invalid test fleet: ${result.diagnostics.map((d) => `${d.path} ${d.message}`).join('; ')}`);
  return compileFleet(result.policySet);
}

/** `count` nodes `<pool>-<i>` of a pool; extra labels on every one. */
export function poolNodes(
  pool: string,
  count: number,
  labels: Record<string, string> = {},
): { name: string; labels: Record<string, string> }[] {
  return Array.from({ length: count }, (_, i) => ({ name: `${pool}-${i}`, labels: { pool, ...labels } }));
}

/** A forecast from Monday noon with 10-minute nodes (drain 4m, reboot 6m) and a 30-day horizon. */
export function run(fleet: CompiledFleet, nodes: ForecastInput['nodes'], extra: Partial<ForecastInput> = {}): Forecast {
  return forecast({
    fleet,
    nodes,
    fromMs: MONDAY_NOON,
    drainMs: 4 * MINUTE,
    rebootMs: 6 * MINUTE,
    horizonMs: 30 * DAY,
    ...extra,
  });
}

/** Nodes started per window, as `YYYY-MM-DD: n` (UTC start date). */
export function perWindow(p: PolicyForecast): string[] {
  return p.windows.map((w) => `${new Date(w.startMs).toISOString().slice(0, 10)}: ${w.started}`);
}
