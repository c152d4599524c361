// `patchwindow import-kured` end to end in-process: files written and validated, the report, the
// exit codes, and secrets nowhere in what it writes.
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../test/helpers/cli.ts';

const FIXTURES = resolve(import.meta.dirname, '../test/fixtures/kured');
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchwindow-import-kured-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('patchwindow import-kured', () => {
  it('writes the Fleet and the policy, validates them and prints the report (exit 0)', async () => {
    const run = await runCli(
      [
        'import-kured',
        join(FIXTURES, 'prometheus-gated.values.yaml'),
        '--out',
        'out1',
        '--fleet',
        'prod',
        '--pool-label',
        'kubernetes.azure.com/agentpool',
      ],
      { cwd: dir },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toBe(`${join(dir, 'out1/policies')}: valid — fleet prod, 1 policy (0 errors, 0 warnings)\n`);
    expect(run.stdout).toContain('Written:\n  out1/policies/fleet.yaml\n  out1/policies/kured.yaml\n');
    expect(run.stdout).toContain('kubectl -n patchwindow create secret generic patchwindow-notify-kured');
    expect((await readdir(join(dir, 'out1'))).sort()).toEqual(['policies']);
    const validate = await runCli(['validate', join(dir, 'out1/policies')]);
    expect(validate.code).toBe(0);
    const written =
      (await readFile(join(dir, 'out1/policies/kured.yaml'), 'utf8')) +
      (await readFile(join(dir, 'out1/policies/fleet.yaml'), 'utf8'));
    expect(written).not.toContain('a1b2c3@d4e5f6');
    expect(run.stdout).not.toContain('a1b2c3@d4e5f6');
  });

  it('host commands go to install-settings.yaml beside the policies, not into them', async () => {
    const values = join(dir, 'commands.values.yaml');
    await writeFile(values, 'configuration:\n  rebootCommand: /usr/bin/systemctl reboot --no-wall\n');
    const run = await runCli(['import-kured', values, '--out', 'out2'], { cwd: dir });
    expect(run.code).toBe(0);
    expect(await readFile(join(dir, 'out2/install-settings.yaml'), 'utf8')).toContain(
      'reboot:\n    default: [ /usr/bin/systemctl, reboot, --no-wall ]',
    );
    expect(await readFile(join(dir, 'out2/policies/kured.yaml'), 'utf8')).not.toContain('systemctl');
  });

  it('a sentinel command goes to the install settings by name, and the import validates against them', async () => {
    const values = join(dir, 'sentinel.values.yaml');
    await writeFile(
      values,
      'configuration:\n  useRebootSentinelHostPath: false\n  rebootSentinelCommand: "sh -c \'! needs-restarting -r\'"\n',
    );
    const run = await runCli(['import-kured', values, '--out', 'out-sentinel'], { cwd: dir });
    expect(run.stderr).toBe(
      `${join(dir, 'out-sentinel/policies')}: valid — fleet kured, 1 policy (0 errors, 0 warnings)\n`,
    );
    expect(run.code).toBe(0);
    expect(await readFile(join(dir, 'out-sentinel/install-settings.yaml'), 'utf8')).toContain(
      'sentinel:\n    kured: [ /usr/bin/env, sh, -c, "! needs-restarting -r" ]',
    );
    expect(await readFile(join(dir, 'out-sentinel/policies/kured.yaml'), 'utf8')).toContain('sentinelCommand: kured');
    const settings = join(dir, 'out-sentinel/install-settings.yaml');
    const validate = await runCli(['validate', join(dir, 'out-sentinel/policies'), '--install-settings', settings]);
    expect(validate.code).toBe(0);
  });

  it('exits 1 and writes nothing when a setting has no counterpart, unless --allow-unmapped', async () => {
    const values = join(dir, 'unmapped.values.yaml');
    await writeFile(values, 'configuration:\n  lockReleaseDelay: 30m\n');
    const refused = await runCli(['import-kured', values, '--out', 'out3'], { cwd: dir });
    expect(refused.code).toBe(1);
    expect(refused.stdout).toContain('No counterpart (what to do):\n  configuration.lockReleaseDelay (');
    expect(refused.stderr).toContain('nothing written');
    await expect(readdir(join(dir, 'out3'))).rejects.toThrow();
    const allowed = await runCli(['import-kured', values, '--out', 'out3', '--allow-unmapped'], { cwd: dir });
    expect(allowed.code).toBe(0);
  });

  it('exits 1 on typos with FILE:LINE: error lines and writes nothing', async () => {
    const run = await runCli(['import-kured', join(FIXTURES, 'typos.values.yaml'), '--out', 'out4'], { cwd: dir });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/typos\.values\.yaml:3: error: configuration\.rebootDay: .*did you mean rebootDays\?\n/);
    await expect(readdir(join(dir, 'out4'))).rejects.toThrow();
  });

  it('exits 2 for a missing file, no file, a bad name or an --out that is not empty', async () => {
    expect((await runCli(['import-kured', 'no-such.yaml'], { cwd: dir })).code).toBe(2);
    expect((await runCli(['import-kured'], { cwd: dir })).code).toBe(2);
    expect(
      (
        await runCli(
          ['import-kured', join(FIXTURES, 'chart-defaults.values.yaml'), '--fleet', 'Prod_1', '--out', 'out5'],
          { cwd: dir },
        )
      ).code,
    ).toBe(2);
    const again = await runCli(['import-kured', join(FIXTURES, 'prometheus-gated.values.yaml'), '--out', 'out1'], {
      cwd: dir,
    });
    expect([again.code, again.stderr]).toEqual([2, expect.stringContaining('is not empty')]);
  });
});
