// The Flux, Argo CD and GitHub Actions examples agree with each other and with the CLI they call.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { PLAN_COMMENT_MARKER } from '../../reconciler/plan/format/markdown.ts';

/** The documents of an example; GitHub reads workflows as YAML 1.2 (`on` is a key, not true). */
function docs(file: string, version: '1.1' | '1.2' = '1.1'): unknown[] {
  const parsed = parseAllDocuments(readFileSync(new URL(`../../deploy/examples/${file}`, import.meta.url), 'utf8'), {
    version,
  });
  for (const d of parsed) expect(d.errors, file).toEqual([]);
  return parsed.map((d) => d.toJS() as unknown);
}

/** The value at a path of keys and indexes. */
function at(value: unknown, ...path: (string | number)[]): unknown {
  return path.reduce<unknown>(
    (v, k) => (v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[k] : undefined),
    value,
  );
}

const [gitRepository, fluxKustomization] = docs('flux/patchwindow.yaml');
const [application] = docs('argocd/application.yaml');
const [workflow] = docs('github/patchwindow.yaml', '1.2');
const rendered = at(workflow, 'env', 'RENDERED') as string;
const policies = at(workflow, 'env', 'POLICIES') as string;
const steps = at(workflow, 'jobs', 'check', 'steps') as { uses?: string; with?: Record<string, unknown> }[];

describe('deploy examples', () => {
  it('point Flux and Argo CD at the directory the workflow renders into', () => {
    expect(at(fluxKustomization, 'spec', 'path')).toBe(`./${rendered}`);
    expect(at(application, 'spec', 'source', 'path')).toBe(rendered);
    expect(at(gitRepository, 'spec', 'ignore')).toContain(`!/${rendered}/`);
    expect(at(fluxKustomization, 'spec', 'sourceRef')).toEqual({
      kind: 'GitRepository',
      name: at(gitRepository, 'metadata', 'name'),
    });
  });

  it('prune, so a deleted policy takes its DaemonSet along', () => {
    expect(at(fluxKustomization, 'spec', 'prune')).toBe(true);
    expect(at(application, 'spec', 'syncPolicy', 'automated', 'prune')).toBe(true);
  });

  it('run the action of this release on POLICIES and RENDERED, allowed to comment', () => {
    const action = steps.find((s) => s.uses?.startsWith('patchwindow/patchwindow@'));
    const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as {
      version: string;
    };
    expect(action?.uses).toBe(`patchwindow/patchwindow@v${version}`);
    expect(action?.with).toEqual({ policies: '${{ env.POLICIES }}', rendered: '${{ env.RENDERED }}' });
    expect(at(workflow, 'on', 'pull_request', 'paths')).toEqual([`${policies.split('/').slice(0, -1).join('/')}/**`]);
    expect(at(workflow, 'permissions', 'pull-requests')).toBe('write');
    const checkout = steps.find((s) => s.uses?.startsWith('actions/checkout@'));
    expect(checkout?.with).toEqual({ 'fetch-depth': 0 });
    // The action's default CLI version is the release's.
    const [actionYml] = parseAllDocuments(readFileSync(new URL('../../action.yml', import.meta.url), 'utf8'), {
      version: '1.2',
    }).map((d) => d.toJS() as unknown);
    expect(at(actionYml, 'inputs', 'version', 'default')).toBe(version);
  });

  it('the action finds the earlier plan comment by the marker plan writes', () => {
    expect(readFileSync(new URL('../../action/pr-check.ts', import.meta.url), 'utf8')).toContain(
      `const MARKER = '${PLAN_COMMENT_MARKER}';`,
    );
  });
});
