// The forecast simulator on a large fleet: 5,000 nodes in 20 pools with mixed windows (argv:
// pools, nodes per pool). Without a fleet cap, with one that does not bind (2%) and with caps that
// do (10 and 3 nodes) it prints patchwindow's makespan over the lower bound and the simulator's
// own run time (median of 3 after one warm-up run); then the same fleet under a model of kured's
// protocol (one lock for the fleet, a hand-off found at each node's next hourly tick; and, for
// reference, one lock per pool). Beside the bound it prints the earlier, looser one (each policy alone,
// and the whole fleet relaxed to the cap's lanes), and a small fleet where a cap of 3 binds between
// a short-window and a long-window pool, with each policy's finish over its own bound.
import { performance } from 'node:perf_hooks';
import { neededMs, scheduleOf } from '../agent/core/decide-common.ts';
import { lowerBound, mergeIntervals, startIntervals } from '../reconciler/forecast/bound.ts';
import { START_HORIZON_MS } from '../policy/windows.ts';
import { compileFleet, type CompiledFleet } from '../reconciler/render/compile.ts';
import { forecast, type Forecast } from '../reconciler/forecast/forecast.ts';
import { simulateKured, type KuredPolicy } from '../reconciler/forecast/kured.ts';
import { validateSources } from '../reconciler/validate/validate.ts';
import { benchFleet, benchNodes } from './forecast-fleet.ts';
import { medianBy } from './stats.ts';

const pools = Number(process.argv[2] ?? 20);
const perPool = Number(process.argv[3] ?? 250);
const FROM_MS = Date.parse('2027-02-01T00:00:00Z');
const HOUR_MS = 3_600_000;
const DRAIN_MS = 3 * 60_000;
const REBOOT_MS = 5 * 60_000;
const HORIZON_MS = 120 * 24 * HOUR_MS;
const KURED_HORIZON_MS = 3 * 365 * 24 * HOUR_MS;
const hours = (ms: number | null) => (ms === null ? null : Math.round((ms / HOUR_MS) * 10) / 10);
const ratio = (a: number | null, b: number | null) =>
  a === null || b === null || b === 0 ? null : Math.round((a / b) * 10_000) / 10_000;

function compiled(fleetCap: string | null): CompiledFleet {
  const result = validateSources(benchFleet({ pools, fleetCap }), { nowMs: FROM_MS });
  if (!result.policySet)
    throw new Error(
      `bench fleet invalid: ${result.diagnostics
        .slice(0, 3)
        .map((d) => d.message)
        .join('; ')}`,
    );
  return compileFleet(result.policySet);
}

/** patchwindow on the fleet: the simulator's run time (median of 3 after a warm-up) and its figures. */
function patchwindow(fleet: CompiledFleet): Forecast & { simulatorMs: number } {
  const run = () =>
    forecast({ fleet, nodes, fromMs: FROM_MS, drainMs: DRAIN_MS, rebootMs: REBOOT_MS, horizonMs: HORIZON_MS });
  run();
  const runs = [0, 1, 2].map(() => {
    const t0 = performance.now();
    const f = run();
    return { f, ms: performance.now() - t0 };
  });
  const mid = medianBy(runs, (r) => r.ms);
  return { ...mid.f, simulatorMs: Math.round(mid.ms) };
}

/**
 * The bound of the earlier forecast: the latest policy's own bound and, under a cap, the whole fleet
 * with every start interval merged and the cap's lanes (every node 8 minutes: no reboot.delay here).
 */
function earlierBound(f: Forecast, fleet: CompiledFleet): number | null {
  const own = f.policies.map((p) => p.lowerBoundMs);
  if (own.some((b) => b === null)) return null;
  let latest = Math.max(FROM_MS, ...(own as number[]));
  if (f.fleetCap !== null) {
    const all = fleet.policies.filter((p) => !p.empty);
    const intervals = mergeIntervals(
      all.map((p) => startIntervals(scheduleOf(p.config), neededMs(p.config), FROM_MS, FROM_MS + START_HORIZON_MS)),
    );
    const n = f.policies.reduce((sum, p) => sum + p.nodes, 0);
    const b = lowerBound({ intervals, fromMs: FROM_MS, busyMs: DRAIN_MS + REBOOT_MS, lanes: f.fleetCap, nodes: n });
    if (b === null) return null;
    latest = Math.max(latest, b);
  }
  return latest - FROM_MS;
}

function figures(
  variant: string,
  f: Forecast & { simulatorMs: number },
  fleet: CompiledFleet,
): Record<string, unknown> {
  const perPolicy = f.policies.map((p) =>
    ratio(p.finishMs === null ? null : p.finishMs - FROM_MS, p.lowerBoundMs === null ? null : p.lowerBoundMs - FROM_MS),
  );
  return {
    bench: 'forecast',
    variant,
    nodes: nodes.length,
    pools,
    fleetCap: f.fleetCap,
    simulatorMs: f.simulatorMs,
    decisions: f.decisions,
    grantDecisions: f.grantDecisions,
    makespanHours: hours(f.makespanMs),
    lowerBoundHours: hours(f.lowerBoundMakespanMs),
    makespanOverBound: ratio(f.makespanMs, f.lowerBoundMakespanMs),
    earlierBoundHours: hours(earlierBound(f, fleet)),
    makespanOverEarlierBound: ratio(f.makespanMs, earlierBound(f, fleet)),
    worstPolicyOverBound: perPolicy.every((r) => r !== null) ? Math.max(...perPolicy.map(Number)) : null,
    unfinished: f.policies.reduce((n, p) => n + p.unfinished, 0),
  };
}

const nodes = benchNodes(pools, perPool);
const free = patchwindow(compiled(null));
console.log(JSON.stringify(figures('no fleet cap', free, compiled(null))));
for (const cap of ['"2%"', '10', '3']) {
  const capped = compiled(cap);
  console.log(JSON.stringify(figures(`fleet cap ${cap.replaceAll('"', '')}`, patchwindow(capped), capped)));
}
smallFleet();

// kured on the same windows (no start gate), drain + reboot held under the lock, hourly ticks.
const fleet = compiled(null);
const kuredPolicies: KuredPolicy[] = fleet.policies.map((p) => ({
  name: p.policy.name,
  schedule: scheduleOf(p.config),
  nodes: perPool,
}));
const kuredInput = {
  fromMs: FROM_MS,
  periodMs: HOUR_MS,
  busyMs: DRAIN_MS + REBOOT_MS,
  seed: 1,
  untilMs: FROM_MS + KURED_HORIZON_MS,
};
const oneLock = simulateKured({ ...kuredInput, policies: kuredPolicies });
const perPoolLocks = kuredPolicies.map((p, i) => simulateKured({ ...kuredInput, seed: i + 1, policies: [p] }));
const perPoolMakespan = perPoolLocks.every((k) => k.makespanMs !== null)
  ? Math.max(...perPoolLocks.map((k) => k.makespanMs!))
  : null;
for (const [variant, makespanMs, done] of [
  ['kured, one lock, --period 1h', oneLock.makespanMs, oneLock.done],
  ['kured, one lock per pool, --period 1h', perPoolMakespan, perPoolLocks.reduce((n, k) => n + k.done, 0)],
] as const) {
  console.log(
    JSON.stringify({
      bench: 'forecast-kured',
      variant,
      nodes: nodes.length,
      done,
      makespanHours: hours(makespanMs),
      overLowerBound: ratio(makespanMs, free.lowerBoundMakespanMs),
      overPatchwindow: ratio(makespanMs, free.makespanMs),
    }),
  );
}

/**
 * A short-window pool (20 nodes, 23:00-24:00) beside a long-window one (120 nodes, 20:00-06:00),
 * budget 3 each, fleet cap 3, every night (UTC); each node 10 minutes (drain 4, reboot 6).
 */
function smallFleet(): void {
  const policy = (name: string, start: string, duration: string) =>
    `apiVersion: patchwindow.io/v1alpha1\nkind: RebootPolicy\nmetadata: { name: ${name} }\nspec:\n  nodePools: [${name}]\n` +
    `  maxUnavailable: 3\n  timeZone: UTC\n  windows:\n    - { days: [mon, tue, wed, thu, fri, sat, sun], start: "${start}", duration: ${duration} }\n` +
    `  drain: { timeout: 10m }\n  reboot: { expectedDuration: 5m }\n`;
  const fromMs = Date.parse('2026-06-01T12:00:00Z');
  const result = validateSources(
    [
      {
        file: 'fleet.yaml',
        text: 'apiVersion: patchwindow.io/v1alpha1\nkind: Fleet\nmetadata: { name: small }\nspec:\n  poolLabel: pool\n  maxUnavailable: 3\n',
      },
      { file: 'short.yaml', text: policy('short', '23:00', '1h') },
      { file: 'long.yaml', text: policy('long', '20:00', '10h') },
    ],
    { nowMs: fromMs },
  );
  const small = [
    ...Array.from({ length: 20 }, (_, i) => ({ name: `short-${i}`, labels: { pool: 'short' } })),
    ...Array.from({ length: 120 }, (_, i) => ({ name: `long-${i}`, labels: { pool: 'long' } })),
  ];
  const f = forecast({
    fleet: compileFleet(result.policySet!),
    nodes: small,
    fromMs,
    drainMs: 4 * 60_000,
    rebootMs: 6 * 60_000,
    horizonMs: 30 * 24 * HOUR_MS,
  });
  const perPolicy = Object.fromEntries(
    f.policies.map((p) => [
      p.name,
      ratio(p.finishMs === null ? null : p.finishMs - fromMs, p.lowerBoundMs === null ? null : p.lowerBoundMs - fromMs),
    ]),
  );
  console.log(
    JSON.stringify({
      bench: 'forecast-small',
      variant: 'short and long window, fleet cap 3',
      nodes: small.length,
      makespanOverBound: ratio(f.makespanMs, f.lowerBoundMakespanMs),
      perPolicyOverOwnBound: perPolicy,
    }),
  );
}
