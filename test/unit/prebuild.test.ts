// The global setup's prebuilds (test/testenv/prebuild.ts): which scripts a run starts, and that they
// run side by side, each logging to its own file, with failures reported by name.
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PREBUILDS, prebuildsFor, startPrebuilds } from '../testenv/prebuild.ts';
import { prebuildsLast } from '../testenv/sequencer.ts';

describe('prebuildsFor', () => {
  it('starts every prebuild for an unfiltered run', () => {
    expect(prebuildsFor(undefined).map((t) => t.name)).toEqual(['tools', 'promtool', 'image']);
    expect(prebuildsFor([]).map((t) => t.name)).toEqual(['tools', 'promtool', 'image']);
  });

  it('starts only the prebuilds of the filtered files', () => {
    expect(prebuildsFor(['test/integration/helm.test.ts']).map((t) => t.name)).toEqual(['tools']);
    expect(prebuildsFor(['./test/integration/image.test.ts']).map((t) => t.name)).toEqual(['image']);
    expect(prebuildsFor(['test/integration']).map((t) => t.name)).toEqual(['tools', 'image']);
    expect(prebuildsFor(['test/e2e/rollout.test.ts'])).toEqual([]);
  });

  it('names scripts that exist', async () => {
    for (const task of PREBUILDS) await expect(readFile(task.args[0]!, 'utf8')).resolves.toMatch(/^#!/);
  });
});

describe('prebuildsLast', () => {
  it('runs the files that wait for a prebuild after the others, each group in vitest’s order', () => {
    const root = '/repo';
    const files = [
      'test/integration/helm.test.ts',
      'test/e2e/gates.test.ts',
      'test/integration/image.test.ts',
      'test/e2e/rollout.test.ts',
    ].map((f) => ({ moduleId: join(root, f) }));
    expect(prebuildsLast(files, root).map((f) => f.moduleId.slice(root.length + 1))).toEqual([
      'test/e2e/gates.test.ts',
      'test/e2e/rollout.test.ts',
      'test/integration/helm.test.ts',
      'test/integration/image.test.ts',
    ]);
  });
});

describe('startPrebuilds', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'patchwindow-prebuild-test-'));
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('runs the scripts side by side and reports the failed ones', async () => {
    // Each script waits for the other's file: they finish only if both run at the same time.
    const waitFor = (mine: string, theirs: string) =>
      `touch ${join(dir, mine)}; for i in $(seq 1 600); do [ -e ${join(dir, theirs)} ] && exit 0; sleep 0.05; done; exit 3`;
    await writeFile(join(dir, 'a.sh'), waitFor('a', 'b'));
    await writeFile(join(dir, 'b.sh'), `${waitFor('b', 'a')}\n`);
    await writeFile(join(dir, 'fail.sh'), 'echo broken >&2; exit 7\n');
    const tasks = ['a', 'b', 'fail'].map((name) => ({ name, args: [join(dir, `${name}.sh`)], usedBy: [] }));
    const failed = await startPrebuilds(tasks, dir, dir).done;
    expect(failed).toEqual(['fail']);
    expect(await readFile(join(dir, 'prebuild-a.log'), 'utf8')).toMatch(/^prebuild a: exit 0 after \d+s\n$/);
    expect(await readFile(join(dir, 'prebuild-fail.log'), 'utf8')).toMatch(/^broken\nprebuild fail: exit 7 after/);
  });

  it('runs them at the lowest priority, so the control plane builds first', async () => {
    await writeFile(join(dir, 'niceness.sh'), 'nice\n');
    const failed = await startPrebuilds([{ name: 'niceness', args: [join(dir, 'niceness.sh')], usedBy: [] }], dir, dir)
      .done;
    expect(failed).toEqual([]);
    expect(await readFile(join(dir, 'prebuild-niceness.log'), 'utf8')).toMatch(/^19\n/);
  });
});
