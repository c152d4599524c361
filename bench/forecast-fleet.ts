// The fleet of the forecast benchmark: POOLS policies, one pool each, with mixed windows (weeknight,
// daily short, weekend, twice-weekly, lunchtime; five time zones), mixed budgets (counts and
// percentages), drain timeouts and expected reboot times, and a one-week blackout in some.
import type { SourceFile } from '../reconciler/validate/parse.ts';

const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Tokyo', 'UTC', 'Australia/Sydney'];
const WINDOWS = [
  '{ days: [mon, tue, wed, thu, fri], start: "22:00", end: "05:00" }',
  '{ days: [mon, tue, wed, thu, fri, sat, sun], start: "01:00", end: "04:00" }',
  '{ days: [sat], start: "00:00", duration: 24h }',
  '{ days: [tue, thu], start: "20:00", end: "02:00" }',
  '{ days: [mon, wed, fri], start: "12:00", end: "14:30" }',
];
const BUDGETS = ['1', '"5%"', '3', '"10%"', '2', '"20%"', '5'];

export interface BenchFleetOptions {
  readonly pools: number;
  /** The Fleet's maxUnavailable as written, or null for no cap. */
  readonly fleetCap: string | null;
}

/** Policy sources for `pools` pools named pool-00, pool-01, ... */
export function benchFleet(o: BenchFleetOptions): SourceFile[] {
  const cap = o.fleetCap === null ? '' : `  maxUnavailable: ${o.fleetCap}\n`;
  const files: SourceFile[] = [
    {
      file: 'fleet.yaml',
      text: `apiVersion: patchwindow.io/v1alpha1\nkind: Fleet\nmetadata: { name: bench }\nspec:\n  poolLabel: agentpool\n${cap}`,
    },
  ];
  for (let i = 0; i < o.pools; i++) {
    const pool = poolName(i);
    const blackout =
      i % 4 === 1 ? '  blackouts:\n    - { start: "2027-02-08", end: "2027-02-14", reason: release week }\n' : '';
    files.push({
      file: `${pool}.yaml`,
      text:
        `apiVersion: patchwindow.io/v1alpha1\nkind: RebootPolicy\nmetadata: { name: ${pool} }\nspec:\n  nodePools: [${pool}]\n` +
        `  maxUnavailable: ${BUDGETS[i % BUDGETS.length]!}\n  timeZone: ${ZONES[i % ZONES.length]!}\n` +
        `  windows:\n    - ${WINDOWS[i % WINDOWS.length]!}\n${blackout}` +
        `  drain: { timeout: ${15 + 10 * (i % 4)}m }\n  reboot: { expectedDuration: ${5 + (i % 3) * 5}m }\n`,
    });
  }
  return files;
}

export function poolName(i: number): string {
  return `pool-${String(i).padStart(2, '0')}`;
}

/** `perPool` nodes in each pool, labelled for the Fleet's poolLabel. */
export function benchNodes(pools: number, perPool: number): { name: string; labels: Record<string, string> }[] {
  return Array.from({ length: pools * perPool }, (_, n) => {
    const pool = poolName(Math.floor(n / perPool));
    return { name: `${pool}-${String(n % perPool).padStart(4, '0')}`, labels: { agentpool: pool } };
  });
}
