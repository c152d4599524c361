// Rendering with hooks: the coordinator's Role gains the Jobs rule only when some policy has hooks
// (with the why-comment `plan` shows), and the compiled AgentConfig carries each resolved hook (its
// Job from the install settings), which the coordinator reads.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { parseInstallSettings } from '../../reconciler/validate/install.ts';
import { validateSources } from '../../reconciler/validate/validate.ts';
import { compileFleet } from '../../reconciler/render/compile.ts';
import { renderObjects } from '../../reconciler/render/render.ts';
import { toYaml } from '../../reconciler/render/serialize.ts';
import { CONFIG_FILE } from '../../reconciler/render/daemonset.ts';
import { parseAgentConfig } from '../../policy/agent-config.ts';
import { formatText } from '../../policy/diagnostics.ts';
import { NOW } from './render-fixtures.ts';

const FLEET = 'apiVersion: patchwindow.io/v1alpha1\nkind: Fleet\nmetadata: { name: prod }\nspec: { poolLabel: pool }\n';
const policy = (name: string, extra = '') =>
  `apiVersion: patchwindow.io/v1alpha1\nkind: RebootPolicy\nmetadata: { name: ${name} }\nspec:\n  nodePools: [${name}]\n  windows: [{ days: [sat], start: "01:00", end: "05:00" }]\n${extra}`;

async function render(policies: Record<string, string>) {
  const text = await readFile('test/fixtures/hooks/install.yaml', 'utf8');
  const install = parseInstallSettings('install.yaml', text, '0.1.0').settings!;
  const sources = [
    { file: 'fleet.yaml', text: FLEET },
    ...Object.entries(policies).map(([n, t]) => ({ file: `${n}.yaml`, text: t })),
  ];
  const result = validateSources(sources, { nowMs: NOW, install });
  if (result.policySet === undefined) throw new Error(result.diagnostics.map(formatText).join('\n'));
  return renderObjects(compileFleet(result.policySet));
}

const role = (objects: Awaited<ReturnType<typeof render>>) => {
  const r = objects.find((o) => o.object.kind === 'Role' && o.object.metadata?.name === 'patchwindow-coordinator')!;
  return toYaml(r.object, r.comments);
};

describe('render with hooks', () => {
  it('gives the coordinator no Job rights while no policy has hooks', async () => {
    const yaml = role(await render({ web: policy('web') }));
    expect(yaml).not.toContain('jobs');
  });

  it('gives the coordinator Job rights in its namespace once a policy has hooks, saying which', async () => {
    const objects = await render({
      web: policy('web'),
      db: policy(
        'db',
        '  hooks:\n    preReboot: { hook: db-step-down, timeout: 5m }\n    postReboot: { hook: db-step-up }\n',
      ),
    });
    expect(role(objects)).toMatchSnapshot();
  });

  it('compiles the resolved hooks into the policy AgentConfig (what the coordinator reads), valid against its schema', async () => {
    const objects = await render({
      db: policy('db', '  hooks:\n    preReboot: { hook: db-step-down, onFailure: continue }\n'),
    });
    const cm = objects.find(
      (o) => o.object.kind === 'ConfigMap' && o.object.metadata?.name === 'patchwindow-agent-db',
    )!;
    const config = await parseAgentConfig('db.json', (cm.object.data as Record<string, string>)[CONFIG_FILE]!);
    expect(config.policy.hooks).toEqual({
      preReboot: {
        hook: 'db-step-down',
        timeoutMs: 600_000,
        onFailure: 'continue',
        template: {
          template: {
            spec: {
              serviceAccountName: 'db-hooks',
              containers: [
                {
                  name: 'step-down',
                  image: 'registry.example/db-tools:1.4',
                  command: ['/usr/bin/step-down', '--node', '$(NODE_NAME)'],
                },
              ],
            },
          },
        },
      },
    });
  });
});
