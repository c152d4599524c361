// `patchwindow forecast` on the example policies, in-process with a fixed clock (Tuesday
// 2026-11-24 12:00 UTC). The example: general 20% weeknights from 20:00 Amsterdam, system 1 at a
// time Mon-Thu 01:00-04:00, gpu 1 at a time from Saturday 06:00 Berlin; fleet cap 3.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

interface ForecastJson {
  makespan: number | null;
  lowerBoundMakespan: number | null;
  fleetCap: number | null;
  policies: {
    name: string;
    nodes: number;
    atOnce: number;
    finish: string | null;
    lowerBound: string | null;
    windowsUsed: number;
    unfinished: number;
    warnings: { reason: string }[];
  }[];
}

const POOLS = ['--pool', 'system=3', '--pool', 'general=20', '--pool', 'gpu=4'];
/** The durations the cases below were worked out with (3m + 5m = 8 minutes a node), not each policy's own. */
const FIXED = ['--drain', '3m', '--reboot', '5m'];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchwindow-forecast-'));
  const node = (name: string, pool: string) => ({
    kind: 'Node',
    metadata: { name, labels: { 'kubernetes.azure.com/agentpool': pool } },
  });
  await writeFile(
    join(dir, 'nodes.json'),
    JSON.stringify({
      apiVersion: 'v1',
      kind: 'List',
      items: [node('gpu-a', 'gpu'), node('gpu-b', 'gpu'), node('batch-1', 'batch')],
    }),
  );
  await writeFile(join(dir, 'pending.txt'), '# only one GPU node was patched\ngpu-b\n\n');
  await writeFile(join(dir, 'unknown.txt'), 'gpu-z\n');
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

describe('patchwindow forecast', () => {
  it('simulates synthetic pools and reports per policy (json)', async () => {
    const run = await runCli(['forecast', 'policies-example', ...POOLS, ...FIXED, '--format', 'json']);
    expect(run.code).toBe(0);
    const f = JSON.parse(run.stdout) as ForecastJson;
    expect(f.fleetCap).toBe(3);
    const row = (name: string) => f.policies.find((p) => p.name === name)!;
    // general allows 4 of 20 but the fleet cap 3: 7 rounds of 8 minutes from 19:00 UTC.
    expect(row('general')).toMatchObject({
      nodes: 20,
      atOnce: 3,
      finish: '2026-11-24T19:56:00Z',
      lowerBound: '2026-11-24T19:56:00Z',
      windowsUsed: 1,
    });
    expect(row('system')).toMatchObject({ nodes: 3, finish: '2026-11-25T00:24:00Z' });
    expect(row('gpu')).toMatchObject({ nodes: 4, finish: '2026-11-28T05:32:00Z' });
    // From Tuesday 12:00 to Saturday 05:32 UTC.
    expect([f.makespan, f.lowerBoundMakespan]).toEqual([322_320, 322_320]);
  });

  it('prints a table, the makespan and the nodes per window (text)', async () => {
    const run = await runCli(['forecast', 'policies-example', ...POOLS, ...FIXED, '--from', '2026-11-24T12:00:00Z']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(
      /^POLICY +NODES +AT ONCE +DRAIN +REBOOT +NEXT WINDOW +FIRST DONE +ALL DONE +LOWER BOUND +WINDOWS$/m,
    );
    expect(run.stdout).toContain('general  20/20  3 (fleet cap; budget 4)  3m     5m');
    expect(run.stdout).toContain('makespan: 3d17h32m; lower bound: 3d17h32m (1.000 × the bound)');
    expect(run.stdout).toContain(
      'gpu: nodes started per window (Europe/Berlin)\n  2026-11-28 06:00 +01:00 → 2026-11-29 18:00 +01:00  4 nodes',
    );
  });

  it('warns when a pool cannot finish within the horizon, and why', async () => {
    const run = await runCli([
      'forecast',
      'policies-example',
      '--pool',
      'gpu=400',
      ...FIXED,
      '--horizon',
      '9d',
      '--format',
      'json',
    ]);
    const gpu = (JSON.parse(run.stdout) as ForecastJson).policies.find((p) => p.name === 'gpu')!;
    expect([gpu.finish, gpu.unfinished, gpu.warnings.map((w) => w.reason)]).toEqual([null, 146, ['budget-too-small']]);
  });

  it('reads nodes from kubectl output and the nodes to reboot from a list', async () => {
    const run = await runCli([
      'forecast',
      'policies-example',
      '--nodes',
      join(dir, 'nodes.json'),
      '--pending',
      join(dir, 'pending.txt'),
      ...FIXED,
      '--format',
      'json',
    ]);
    expect(run.code).toBe(0);
    const f = JSON.parse(run.stdout) as ForecastJson;
    // batch-1 has a pool no policy names: it follows the default policy, general, but needs no reboot.
    expect(f.policies.map((p) => `${p.name}:${p.nodes}`)).toEqual(['general:0', 'gpu:1', 'system:0']);
    expect(f.policies.find((p) => p.name === 'gpu')!.finish).toBe('2026-11-28T05:08:00Z');
  });

  it('refuses what it cannot simulate with exit 2', async () => {
    const neither = await runCli(['forecast', 'policies-example']);
    expect([neither.code, neither.stderr]).toEqual([
      2,
      'patchwindow: give either --nodes FILE or --pool NAME=COUNT (one or more), not both and not neither\n',
    ]);
    const both = await runCli(['forecast', 'policies-example', '--pool', 'a=1', '--nodes', join(dir, 'nodes.json')]);
    expect(both.code).toBe(2);
    const unknown = await runCli([
      'forecast',
      'policies-example',
      '--nodes',
      join(dir, 'nodes.json'),
      '--pending',
      join(dir, 'unknown.txt'),
    ]);
    expect([unknown.code, unknown.stderr]).toEqual([
      2,
      `patchwindow: --pending ${join(dir, 'unknown.txt')}: 1 name(s) are not nodes of the forecast: gpu-z; list node names, one per line\n`,
    ]);
    const badPool = await runCli(['forecast', 'policies-example', '--pool', 'gpu']);
    expect(badPool.code).toBe(2);
    expect(badPool.stderr).toContain('not NAME=COUNT');
  });

  it('takes drain and reboot durations from each policy: drain.timeout bounds the drain, reboot.expectedDuration', async () => {
    // system: drain.timeout 15m + reboot.expectedDuration 8m = 23 minutes a node, one at a time,
    // from Wednesday 01:00 Amsterdam (00:00 UTC); gpu: 2h + 15m.
    const run = await runCli([
      'forecast',
      'policies-example',
      '--pool',
      'system=3',
      '--pool',
      'gpu=1',
      '--format',
      'json',
    ]);
    expect(run.code).toBe(0);
    const f = JSON.parse(run.stdout) as ForecastJson & { drainSeconds: number | null; rebootSeconds: number | null };
    expect([f.drainSeconds, f.rebootSeconds]).toEqual([null, null]);
    const system = f.policies.find((p) => p.name === 'system')! as ForecastJson['policies'][number] &
      Record<string, unknown>;
    expect(system).toMatchObject({ drainSeconds: 900, rebootSeconds: 480, finish: '2026-11-25T01:09:00Z' });
    expect(f.policies.find((p) => p.name === 'gpu')).toMatchObject({ drainSeconds: 7200, rebootSeconds: 900 });
  });

  it('lets --drain and --reboot override the policies, each on its own', async () => {
    const drainOnly = await runCli([
      'forecast',
      'policies-example',
      '--pool',
      'system=3',
      '--drain',
      '3m',
      '--format',
      'json',
    ]);
    const f = JSON.parse(drainOnly.stdout) as ForecastJson & {
      drainSeconds: number | null;
      rebootSeconds: number | null;
    };
    expect([f.drainSeconds, f.rebootSeconds]).toEqual([180, null]);
    // 3m + 8m = 11 minutes a node.
    expect(f.policies.find((p) => p.name === 'system')).toMatchObject({
      drainSeconds: 180,
      rebootSeconds: 480,
      finish: '2026-11-25T00:33:00Z',
    });
  });

  it('explains the durations, the makespan and the bound in a sentence under the table', async () => {
    const fromPolicies = await runCli(['forecast', 'policies-example', '--pool', 'system=3']);
    expect(fromPolicies.stdout).toMatch(
      /^POLICY +NODES +AT ONCE +DRAIN +REBOOT +NEXT WINDOW +FIRST DONE +ALL DONE +LOWER BOUND +WINDOWS$/m,
    );
    expect(fromPolicies.stdout).toMatch(/^system +3\/3 +1 +15m +8m +2026-11-25 01:00 \+01:00 +/m);
    expect(fromPolicies.stdout).toContain(
      "Each node drains for its policy's drain.timeout (the longest a drain may take) and reboots in its reboot.expectedDuration; --drain and --reboot replace them. The makespan runs from the start until the last node is done; the lower bound is the earliest any order of reboots could finish with the same windows, budgets and durations, so 1.000 × the bound means none finishes sooner.",
    );
    const fixed = await runCli(['forecast', 'policies-example', '--pool', 'system=3', ...FIXED]);
    expect(fixed.stdout).toContain('Each node drains for 3m (--drain) and reboots in 5m (--reboot).');
  });

  it('marks a window that is open at the start as open now', async () => {
    // Tuesday 19:30 UTC is 20:30 in Amsterdam: general's weeknight window is open.
    const now = Date.parse('2026-11-24T19:30:00Z');
    const run = await runCli(['forecast', 'policies-example', '--pool', 'general=5', '--pool', 'system=1'], {
      nowMs: now,
    });
    expect(run.stdout).toMatch(/^general +5\/5 +1 +\S+ +\S+ +open now, until 2026-11-25 06:00 \+01:00 +/m);
    expect(run.stdout).toMatch(/^system +1\/1 +1 +\S+ +\S+ +2026-11-25 01:00 \+01:00 +/m);
    const later = await runCli([
      'forecast',
      'policies-example',
      '--pool',
      'general=5',
      '--from',
      '2026-11-24T19:30:00Z',
    ]);
    expect(later.stdout).toMatch(/^general +5\/5 +1 +\S+ +\S+ +open at --from, until 2026-11-25 06:00 \+01:00 +/m);
  });
});
