// The forecast simulator on a large fleet: 5,000 nodes in 20 pools with mixed windows (argv:
// pools, nodes per pool). Without a fleet cap, with one that does not bind (2%) and with caps that
// do (10 and 3 nodes) it prints patchwindow's makespan over the lower bound and the simulator's
// own run time (median of 3 after one warm-up run); then the same fleet under a model of kured's
// protocol (one lock for the fleet, a hand-off found at each node's next hourly tick; and, for
// reference, one lock per pool).
import { performance } from 'node:perf_hooks';
import { scheduleOf } from '../agent/core/decide-common.ts';
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
function patchwindow(fleetCap: string | null): Forecast & { simulatorMs: number } {
  const fleet = compiled(fleetCap);
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

function figures(variant: string, f: Forecast & { simulatorMs: number }): Record<string, unknown> {
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
    makespanHours: hours(f.makespanMs),
    lowerBoundHours: hours(f.lowerBoundMakespanMs),
    makespanOverBound: ratio(f.makespanMs, f.lowerBoundMakespanMs),
    worstPolicyOverBound: perPolicy.every((r) => r !== null) ? Math.max(...perPolicy.map(Number)) : null,
    unfinished: f.policies.reduce((n, p) => n + p.unfinished, 0),
  };
}

const nodes = benchNodes(pools, perPool);
const free = patchwindow(null);
console.log(JSON.stringify(figures('no fleet cap', free)));
for (const cap of ['"2%"', '10', '3'])
  console.log(JSON.stringify(figures(`fleet cap ${cap.replaceAll('"', '')}`, patchwindow(cap))));

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
