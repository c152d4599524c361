// `patchwindow render`: validates first, writes a directory it owns, refuses directories it does not.
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { GENERATED_HEADER } from '../../reconciler/render/render.ts';
import { runCli } from '../helpers/cli.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchwindow-render-'));
});
afterEach(async () => rm(dir, { recursive: true, force: true }));

async function contents(path: string): Promise<Record<string, string>> {
  const names = (await readdir(path)).sort();
  return Object.fromEntries(
    await Promise.all(names.map(async (n) => [n, await readFile(join(path, n), 'utf8')] as const)),
  );
}

const policy = (name: string, pool: string) =>
  `apiVersion: patchwindow.io/v1alpha1\nkind: RebootPolicy\nmetadata: { name: ${name} }\nspec:\n  nodePools: [${pool}]\n  windows: [{ days: [sat], start: "01:00", end: "05:00" }]\n`;
const FLEET = 'apiVersion: patchwindow.io/v1alpha1\nkind: Fleet\nmetadata: { name: f }\nspec: { poolLabel: pool }\n';

describe('render --out', () => {
  it('writes the snapshot files, byte for byte the same on a second run', async () => {
    const out = join(dir, 'out');
    const first = await runCli(['render', 'policies-example', '--out', out]);
    expect(first).toMatchObject({ code: 0, stdout: '' });
    expect(first.stderr).toBe(`rendered 14 objects of fleet prod-westeurope into ${out} (15 files)\n`);
    const written = await contents(out);
    expect(written).toEqual(await contents('test/snapshots/policies-example'));
    expect((await runCli(['render', 'policies-example', '--out', out])).code).toBe(0);
    expect(await contents(out)).toEqual(written);
  });

  it('refuses a directory holding files it did not write, and deletes them with --clean', async () => {
    const out = join(dir, 'out');
    await mkdir(out);
    await writeFile(join(out, 'notes.md'), 'mine\n');
    const refused = await runCli(['render', 'policies-example', '--out', out]);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('holds files render did not write (notes.md)');
    expect(await readdir(out)).toEqual(['notes.md']);
    const cleaned = await runCli(['render', 'policies-example', '--out', out, '--clean']);
    expect(cleaned.code).toBe(0);
    expect(cleaned.stderr).toContain('removed notes.md');
    expect(await readdir(out)).not.toContain('notes.md');
  });

  it('refuses a file of its own name that lacks the header, and a sub-directory even with --clean', async () => {
    const out = join(dir, 'out');
    await mkdir(join(out, 'sub'), { recursive: true });
    expect((await runCli(['render', 'policies-example', '--out', out, '--clean'])).stderr).toContain(
      'holds directories render did not make (sub)',
    );
    await rm(join(out, 'sub'), { recursive: true });
    await writeFile(join(out, 'kustomization.yaml'), 'resources: [mine.yaml]\n');
    expect((await runCli(['render', 'policies-example', '--out', out])).code).toBe(2);
    expect(await readFile(join(out, 'kustomization.yaml'), 'utf8')).toBe('resources: [mine.yaml]\n');
  });

  it('removes the files of a policy that is gone', async () => {
    const src = join(dir, 'policies');
    const out = join(dir, 'out');
    await mkdir(src);
    await writeFile(join(src, 'fleet.yaml'), FLEET);
    await writeFile(join(src, 'a.yaml'), policy('a', 'a'));
    await writeFile(join(src, 'b.yaml'), policy('b', 'b'));
    expect((await runCli(['render', src, '--out', out])).code).toBe(0);
    expect(await readdir(out)).toContain('daemonset-patchwindow-agent-b.yaml');
    await rm(join(src, 'b.yaml'));
    const second = await runCli(['render', src, '--out', out]);
    expect(second.stderr).toContain('removed configmap-patchwindow-agent-b.yaml, daemonset-patchwindow-agent-b.yaml');
    expect(await readdir(out)).not.toContain('daemonset-patchwindow-agent-b.yaml');
    expect(await readFile(join(out, 'kustomization.yaml'), 'utf8')).not.toContain('agent-b');
  });

  it('writes nothing when the policies are invalid, and prints the errors', async () => {
    const src = join(dir, 'policies');
    const out = join(dir, 'out');
    await mkdir(src);
    await writeFile(join(src, 'fleet.yaml'), FLEET);
    await writeFile(join(src, 'a.yaml'), policy('a', 'a').replace('"01:00"', '"25:00"'));
    const run = await runCli(['render', src, '--out', out]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('a.yaml:6:35: error: spec.windows[0].start: "25:00" is not a time of day');
    await expect(readdir(out)).rejects.toThrow('ENOENT');
  });
});

describe('render --stdout', () => {
  it('prints every object as one stream', async () => {
    const run = await runCli(['render', 'policies-example', '--stdout']);
    expect(run.code).toBe(0);
    expect(run.stdout.startsWith(`${GENERATED_HEADER}\n---\napiVersion: v1\nkind: Namespace\n`)).toBe(true);
    expect(run.stdout.match(/^---$/gm)).toHaveLength(14);
  });

  it.each([[['--stdout', '--out', 'x']], [[]], [['--stdout', '--clean']]])('refuses %j with exit 2', async (args) => {
    expect((await runCli(['render', 'policies-example', ...args])).code).toBe(2);
  });
});
