// The release workflow and the workflow example, linted by actionlint (built from Go modules into the
// test cache by test/testenv/build-tools.sh): they run only on GitHub, so this is what can be checked
// here. actionlint also runs shellcheck on `run:` scripts when shellcheck is on PATH.
import { execFile } from 'node:child_process';
import { writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('GitHub workflows', () => {
  let actionlint: string;
  const lint = (...files: string[]) =>
    run(actionlint, ['-no-color', ...files]).then(
      (r) => ({ code: 0, ...r }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

  beforeAll(async () => {
    const built = await run('bash', [resolve('test/testenv/build-tools.sh')], { maxBuffer: 64 * 1024 * 1024 });
    actionlint = join(built.stdout.trim().split('\n').at(-1)!, 'actionlint');
  }, 1_800_000);

  it('pass actionlint: the release workflow and the pull-request example', async () => {
    const r = await lint(resolve('.github/workflows/release.yml'), resolve('deploy/examples/github/patchwindow.yaml'));
    expect(r.stdout + r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('actionlint finds mistakes (so a clean run means something)', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'patchwindow-actionlint-'));
    try {
      const bad = join(dir, 'bad.yml');
      await writeFile(
        bad,
        'on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    steps:\n      - run: echo ${{ github.nope }}\n',
      );
      const r = await lint(bad);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain('property "nope" is not defined');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
