import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../test/helpers/cli.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchwindow-cli-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('patchwindow validate', () => {
  it('exits 0 on the example and says it is valid', async () => {
    const run = await runCli(['validate', 'policies-example']);
    expect(run).toMatchObject({ code: 0, stdout: '' });
    expect(run.stderr).toBe('policies-example: valid — fleet prod-westeurope, 3 policies (0 errors, 0 warnings)\n');
  });

  it('prints FILE:LINE:COL: error: PATH: message and exits 1 on a bad policy', async () => {
    const run = await runCli(['validate', 'test/bad-policies/01-start-time.yaml']);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe(
      'test/bad-policies/01-start-time.yaml:15:29: error: spec.windows[0].start: "24:00" is not a time of day; use HH:MM (00:00-23:59)\n',
    );
    expect(run.stderr).toContain('invalid (1 error, 0 warnings)');
  });

  it('prints a JSON array with --format json', async () => {
    const run = await runCli(['validate', 'test/bad-policies/03-time-zone.yaml', '--format', 'json']);
    expect(run.code).toBe(1);
    expect(JSON.parse(run.stdout)).toEqual([
      {
        file: 'test/bad-policies/03-time-zone.yaml',
        line: 14,
        column: 13,
        path: 'spec.timeZone',
        severity: 'error',
        rule: 'time-zone',
        message: '"CET+1" is not an IANA time zone; use a name such as Europe/Berlin, America/New_York or UTC',
      },
    ]);
  });

  it('prints workflow annotations with --format github', async () => {
    const run = await runCli(['validate', 'test/bad-policies/06-typo-field.yaml', '--format', 'github']);
    expect(run.stdout).toBe(
      '::error file=test/bad-policies/06-typo-field.yaml,line=14,col=3,title=patchwindow schema::spec.windos: unknown field "windos"; did you mean "windows"?\n',
    );
  });

  it('exits 2 for a path that does not exist, without claiming anything is valid', async () => {
    const run = await runCli(['validate', 'no/such/dir']);
    expect(run).toEqual({ code: 2, stdout: '', stderr: 'patchwindow: no/such/dir: no such file or directory\n' });
  });

  it('exits 2 for a directory without policy files', async () => {
    const run = await runCli(['validate', dir]);
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('contains no .yaml or .yml files');
  });

  it('refuses files over 1 MiB with exit 1', async () => {
    const big = join(dir, 'big.yaml');
    await writeFile(big, `# ${'x'.repeat(1024 * 1024)}\n`);
    const run = await runCli(['validate', big]);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('big.yaml: error: is 1.0 MiB; policy files are limited to 1 MiB, split it');
    await rm(big);
  });

  it('exits 2 on an unknown option or format', async () => {
    expect((await runCli(['validate', '--format', 'xml'])).code).toBe(2);
    expect((await runCli(['validate', '--strict'])).code).toBe(2);
    expect((await runCli(['frobnicate'])).code).toBe(2);
  });
});

describe('patchwindow windows', () => {
  it('prints the next windows as JSON in UTC', async () => {
    const run = await runCli([
      'windows',
      'policies-example',
      '--policy',
      'system',
      '--from',
      '2026-12-14T00:00:00Z',
      '--count',
      '2',
      '--format',
      'json',
    ]);
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      policy: 'system',
      windows: [
        { start: '2026-12-14T00:00:00Z', end: '2026-12-14T03:00:00Z' },
        { start: '2026-12-15T00:00:00Z', end: '2026-12-15T03:00:00Z' },
      ],
      skipped: [],
      moreSkipped: 0,
    });
  });

  it('skips the fleet blackout and shows local and UTC times', async () => {
    const run = await runCli([
      'windows',
      'policies-example',
      '--policy',
      'system',
      '--from',
      '2026-12-18T00:00:00Z',
      '--count',
      '1',
    ]);
    expect(run.stdout).toContain(
      '2027-01-05 01:00 +01:00 → 2027-01-05 04:00 +01:00   (UTC 2027-01-05T00:00:00Z → 2027-01-05T03:00:00Z, 3h)',
    );
  });

  it('exits 2 for an unknown policy and names the known ones', async () => {
    const run = await runCli(['windows', 'policies-example', '--policy', 'db']);
    expect(run).toMatchObject({
      code: 2,
      stderr: 'patchwindow: --policy db: no such policy; the policies are general, gpu, system\n',
    });
  });

  it('exits 2 for a malformed --from', async () => {
    expect((await runCli(['windows', 'policies-example', '--policy', 'gpu', '--from', 'tomorrow'])).code).toBe(2);
  });
});

describe('the installed command', () => {
  it('runs as a process and never prints a stack trace', async () => {
    const run = (args: string[]) =>
      promisify(execFile)(process.execPath, ['bin/patchwindow.js', ...args]).then(
        (r) => ({ code: 0, ...r }),
        (e: { code: number; stdout: string; stderr: string }) => e,
      );
    const ok = await run(['validate', 'policies-example']);
    expect(ok.code).toBe(0);
    const bad = await run(['validate', 'test/bad-policies']);
    expect(bad.code).toBe(1);
    expect(bad.stdout.split('\n').filter(Boolean).length).toBeGreaterThanOrEqual(13);
    expect(bad.stderr).not.toMatch(/\n\s+at /);
  });
});

describe('patchwindow status --watch options', () => {
  it('refuses --until-done and --interval without --watch, and an interval under a second', async () => {
    const alone = await runCli(['status', '--until-done']);
    expect(alone).toMatchObject({ code: 2, stdout: '' });
    expect(alone.stderr).toBe('patchwindow: --interval and --until-done go with --watch\n');
    const fast = await runCli(['status', '--watch', '--interval', '100ms']);
    expect(fast).toMatchObject({ code: 2, stdout: '' });
    expect(fast.stderr).toBe('patchwindow: --interval 100ms is too short; use 1s or more (default 5s)\n');
  });
});
