// Synthetic policy sets for benchmarks: `pools` policies that each take one pool, and selector
// policies (distinct priorities) up to `policies` in all, with mixed windows and blackouts.
import type { SourceFile } from '../reconciler/validate/parse.ts';

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
const ZONES = ['Europe/Berlin', 'America/New_York', 'Asia/Kathmandu', 'Australia/Lord_Howe', 'UTC'];

export function syntheticPolicySet(policies: number, pools: number): SourceFile[] {
  const files: SourceFile[] = [
    {
      file: 'fleet.yaml',
      text: `apiVersion: patchwindow.io/v1alpha1\nkind: Fleet\nmetadata: { name: bench }\nspec:\n  poolLabel: agentpool\n  maxUnavailable: "10%"\n  defaultPolicy: p0000\n  blackouts:\n    - { start: "2026-12-24", end: "2026-12-26", reason: holidays }\n`,
    },
  ];
  for (let i = 0; i < policies; i++) {
    const name = `p${String(i).padStart(4, '0')}`;
    const members =
      i < pools
        ? `  nodePools: [pool-${i}]\n`
        : `  nodeSelector: { matchLabels: { workload: w${i} } }\n  priority: ${i}\n`;
    const day = DAYS[i % 7]!;
    const zone = ZONES[i % ZONES.length]!;
    const window =
      i % 2 === 0
        ? `    - { days: [${day}, ${DAYS[(i + 3) % 7]!}], start: "22:00", end: "05:00" }\n`
        : `    - { days: [${day}], start: "01:00", duration: 6h }\n`;
    files.push({
      file: `${name}.yaml`,
      text: `apiVersion: patchwindow.io/v1alpha1\nkind: RebootPolicy\nmetadata: { name: ${name} }\nspec:\n${members}  maxUnavailable: ${i % 3 === 0 ? '"20%"' : 2}\n  timeZone: ${zone}\n  windows:\n${window}  blackouts:\n    - { start: "2027-02-0${1 + (i % 8)}", end: "2027-02-0${2 + (i % 8)}" }\n  drain: { timeout: 20m }\n`,
    });
  }
  return files;
}
