// The forecast as a plan aspect: with `plan --nodes FILE`, each policy shows when its nodes would
// finish if every node needed a reboot now, before and after the change. One simulation per side
// (fleet, nodes, now) serves every policy of that side. Without --nodes there is nothing to
// simulate; both sides then describe the same empty view and plan leaves the aspect out.
import { formatInstant, formatZoned } from '../../policy/calendar.ts';
import { formatDuration } from '../../policy/duration.ts';
import type { AspectSide, AspectView, PolicyAspect } from './aspect.ts';
import type { CompiledFleet } from '../render/compile.ts';
import type { ClusterNode } from './nodes.ts';
import { DEFAULT_HORIZON_MS, START_HORIZON_TEXT } from '../forecast/defaults.ts';
import { forecast, type Forecast, type PolicyForecast } from '../forecast/forecast.ts';

const memo = new WeakMap<CompiledFleet, WeakMap<readonly ClusterNode[], Map<number, Forecast>>>();

function forecastOf(fleet: CompiledFleet, nodes: readonly ClusterNode[], nowMs: number): Forecast {
  const byNodes = memo.get(fleet) ?? memo.set(fleet, new WeakMap()).get(fleet)!;
  const byNow = byNodes.get(nodes) ?? byNodes.set(nodes, new Map()).get(nodes)!;
  let f = byNow.get(nowMs);
  if (f === undefined) {
    f = forecast({
      fleet,
      nodes,
      fromMs: nowMs,
      horizonMs: DEFAULT_HORIZON_MS,
    });
    byNow.set(nowMs, f);
  }
  return f;
}

function view(p: PolicyForecast | undefined): AspectView {
  if (p === undefined || p.nodes === 0) return { lines: ['no node'], data: { nodes: 0 } };
  const zone = p.timeZone;
  const bound = p.lowerBoundMs === null ? `none within ${START_HORIZON_TEXT}` : formatZoned(p.lowerBoundMs, zone);
  const windows = `${p.windows.length} window${p.windows.length === 1 ? '' : 's'}`;
  const lines = [
    p.finishMs === null
      ? `${p.nodes} node(s), ${p.lanes} at once: ${p.unfinished} not done within ${formatDuration(DEFAULT_HORIZON_MS)} (lower bound ${bound})`
      : `${p.nodes} node(s), ${p.lanes} at once: all done ${formatZoned(p.finishMs, zone)} (lower bound ${bound}), ${windows}`,
    ...p.warnings.map((w) => w.message),
  ];
  const data = {
    // When nodes finish, not how many run at once: the budget aspect shows that.
    nodes: p.nodes,
    finish: p.finishMs === null ? null : formatInstant(p.finishMs),
    lowerBound: p.lowerBoundMs === null ? null : formatInstant(p.lowerBoundMs),
    unfinished: p.unfinished,
    windows: p.windows.map((w) => ({ start: formatInstant(w.startMs), started: w.started })),
    warnings: p.warnings.map((w) => w.reason),
  };
  return { lines, data };
}

export const forecastAspect: PolicyAspect = {
  id: 'forecast',
  title:
    "forecast (every node rebooting from now; each drain takes its policy's drain.timeout, each reboot its reboot.expectedDuration)",
  describe({ policy, fleet, nowMs, nodes }: AspectSide): AspectView {
    if (nodes === undefined) return { lines: ['give plan --nodes FILE to forecast'], data: null };
    return view(forecastOf(fleet, nodes, nowMs).policies.find((p) => p.name === policy.policy.name));
  },
};
