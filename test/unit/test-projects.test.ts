// The split of the suites that `npm test` runs side by side (scripts/test.ts): every file that needs
// the control plane is in exactly one cluster project, and the files that stop kube-apiserver have
// theirs to themselves — on a shared one they would break whatever file runs beside them.
import { readdirSync, readFileSync } from 'node:fs';
import { matchesGlob } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectNames } from '../../scripts/test.ts';
import config, { CONTROL_PLANE_FAULT_FILES } from '../../vitest.config.ts';

interface ProjectFiles {
  readonly include: readonly string[];
  readonly exclude: readonly string[];
}

function project(name: string): ProjectFiles {
  for (const p of config.test?.projects ?? [])
    if (typeof p === 'object' && 'test' in p && p.test?.name === name)
      return { include: p.test.include ?? [], exclude: p.test.exclude ?? [] };
  throw new Error(`no project ${name}`);
}

function inProject(file: string, p: ProjectFiles): boolean {
  return p.include.some((g) => matchesGlob(file, g)) && !p.exclude.some((g) => matchesGlob(file, g));
}

const clusterFiles = ['test/integration', 'test/e2e'].flatMap((dir) =>
  readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.test.ts'))
    .map((f) => `${dir}/${f}`),
);

/** Files that call the control endpoint that stops and restarts kube-apiserver. */
function stopsTheApiserver(file: string): boolean {
  return /\.restartApiserver\(/.test(readFileSync(file, 'utf8'));
}

describe('the test projects', () => {
  it('are unit, cluster and faults, the lanes scripts/test.ts runs side by side', () => {
    expect(projectNames()).toEqual(['unit', 'cluster', 'faults']);
  });

  it('put every file that needs the control plane in exactly one of cluster and faults', () => {
    expect(clusterFiles.length).toBeGreaterThan(20);
    const cluster = project('cluster');
    const faults = project('faults');
    for (const file of clusterFiles)
      expect([inProject(file, cluster), inProject(file, faults)].filter(Boolean), file).toHaveLength(1);
  });

  it('give the files that stop kube-apiserver a control plane of their own', () => {
    const stopping = clusterFiles.filter(stopsTheApiserver);
    expect(stopping).toContain('test/e2e/faults.test.ts');
    for (const file of stopping) expect(inProject(file, project('faults')), file).toBe(true);
    for (const file of CONTROL_PLANE_FAULT_FILES) expect(inProject(file, project('cluster')), file).toBe(false);
    // No helper calls it for a test file (test/testenv defines it), so the list above is complete.
    for (const f of readdirSync('test/helpers', { encoding: 'utf8' }).filter((n) => n.endsWith('.ts')))
      expect(stopsTheApiserver(`test/helpers/${f}`), f).toBe(false);
  });
});
