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
    const run = await runCli(['forecast', 'policies-example', ...POOLS, '--format', 'json']);
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
    const run = await runCli(['forecast', 'policies-example', ...POOLS, '--from', '2026-11-24T12:00:00Z']);
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^POLICY +NODES +AT ONCE +FIRST DONE +ALL DONE +LOWER BOUND +WINDOWS$/m);
    expect(run.stdout).toContain('general  20/20  3 (fleet cap; budget 4)');
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
});
