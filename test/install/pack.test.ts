// The package as npm users get it: `npm pack` (which builds dist/ through prepack), installed from
// the tarball into an empty prefix, then `patchwindow validate`, `render` and `plan` run from a
// directory outside this repository on a policy repository of its own. Proves the CLI does not need
// the clone: no TypeScript sources, no dev dependencies, no repository-relative paths.
import { execFile } from 'node:child_process';
import { cp, mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const REPO = resolve('.');
// The Node this test runs on (the project's Node 24); the installed bin's shebang finds it on PATH.
const PATH = `${dirname(process.execPath)}:/usr/local/bin:/usr/bin:/bin`;

describe('npm pack, installed into an empty prefix', () => {
  let root: string;
  let bin: string;
  let policyRepo: string;
  let files: string[];
  const git = (...args: string[]) => run('git', args, { cwd: policyRepo });
  const cli = (...args: string[]) =>
    run(bin, args, { cwd: policyRepo, env: { PATH, HOME: root } }).then(
      (r) => ({ code: 0, ...r }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'patchwindow-pack-'));
    const packed = await run('npm', ['pack', '--json', '--pack-destination', root], {
      cwd: REPO,
      maxBuffer: 64 * 1024 * 1024,
    });
    const [info] = JSON.parse(packed.stdout.slice(packed.stdout.indexOf('['))) as [
      { filename: string; files: { path: string }[] },
    ];
    files = info.files.map((f) => f.path);
    const prefix = join(root, 'prefix');
    await mkdir(prefix);
    // --prefer-offline: the dependencies are in npm's cache after `npm ci` of this repository.
    await run(
      'npm',
      [
        'install',
        '--global',
        '--prefix',
        prefix,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        join(root, info.filename),
      ],
      { cwd: root, env: { ...process.env, PATH } },
    );
    bin = join(prefix, 'bin', 'patchwindow');
    policyRepo = join(root, 'fleet-policies');
    await mkdir(policyRepo);
    await git('init', '--initial-branch=main');
    await git('config', 'user.email', 'test@example.invalid');
    await git('config', 'user.name', 'test');
    await cp(join(REPO, 'policies-example'), join(policyRepo, 'policies'), { recursive: true });
    await git('add', '.');
    await git('commit', '-m', 'policies');
  }, 600_000);

  afterAll(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('ships compiled JavaScript, the bin and the schemas, and no sources or tests', () => {
    expect(files).toContain('bin/patchwindow.js');
    expect(files).toContain('dist/cli/main.js');
    expect(files).toContain('dist/cli/agent-main.js');
    expect(files.filter((f) => f.endsWith('.ts'))).toEqual([]);
    expect(files.filter((f) => /(^|\/)test\/|\.test\./.test(f))).toEqual([]);
  });

  it('runs validate from another directory', async () => {
    const r = await cli('validate', 'policies');
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('policies: valid — fleet prod-westeurope, 3 policies');
    const broken = await cli('validate', join(REPO, 'test/bad-policies'));
    expect(broken.code).toBe(1);
    expect(broken.stdout + broken.stderr).toMatch(/\.yaml:\d+:\d+: error: /);
  });

  it('renders and plans the repository', async () => {
    const rendered = await cli('render', 'policies', '--out', 'rendered');
    expect(rendered.code).toBe(0);
    expect(await readdir(join(policyRepo, 'rendered'))).toContain('kustomization.yaml');
    const gpu = join(policyRepo, 'policies', 'gpu.yaml');
    const before = await readFile(gpu, 'utf8');
    expect(before).toContain('start: "06:00"');
    await writeFile(gpu, before.replace('start: "06:00"', 'start: "04:30"'));
    await git('commit', '-am', 'gpu window later');
    const plan = await cli('plan', 'policies', '--base', 'HEAD~1');
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/gpu/);
    expect(plan.stdout).toContain('04:30');
  });
});
