// `validate` on spec.hooks and the install settings' hooks: a policy names a hook, the install
// settings alone define its Job; each problem at its file:line with the field, the value and the fix.
import { describe, expect, it } from 'vitest';
import { formatText } from '../../policy/diagnostics.ts';
import { parseInstallSettings, type InstallSettings } from './install.ts';
import { validateSources } from './validate.ts';

const SETTINGS = `apiVersion: patchwindow.io/v1alpha1
kind: InstallSettings
hooks:
  db-step-down:
    description: moves the database primary off the node
    template:
      template:
        spec:
          serviceAccountName: db-hooks
          containers:
            - name: step-down
              image: registry.example/db-tools:1.4
              command: [/usr/bin/step-down]
  db-step-up:
    template:
      backoffLimit: 2
      template:
        spec:
          restartPolicy: OnFailure
          containers: [{ name: step-up, image: registry.example/db-tools:1.4 }]
`;

const FLEET = `apiVersion: patchwindow.io/v1alpha1
kind: Fleet
metadata:
  name: test
spec:
  poolLabel: agentpool
`;

function policy(hooks: string): string {
  return `apiVersion: patchwindow.io/v1alpha1
kind: RebootPolicy
metadata:
  name: db
spec:
  nodePools: [db]
  windows: [{ days: [sat], start: "02:00", duration: 4h }]
  hooks:
${hooks}`;
}

function settings(text = SETTINGS): InstallSettings {
  const parsed = parseInstallSettings('install.yaml', text, '0.1.0');
  if (parsed.settings === undefined) throw new Error(parsed.diagnostics.map(formatText).join('\n'));
  return parsed.settings;
}

function check(hooks: string, install = settings()) {
  const out = validateSources(
    [
      { file: 'fleet.yaml', text: FLEET },
      { file: 'db.yaml', text: policy(hooks) },
    ],
    { nowMs: Date.parse('2026-11-24T12:00:00Z'), install },
  );
  return { ...out, text: out.diagnostics.map(formatText).join('\n') };
}

describe('spec.hooks', () => {
  it('resolves the named hooks to the Jobs of the install settings, with the defaults', () => {
    const out = check('    preReboot: { hook: db-step-down }\n    postReboot: { hook: db-step-up, timeout: 2m }\n');
    expect(out.text).toBe('');
    expect(out.policySet?.policies[0]?.hooks).toEqual({
      preReboot: {
        hook: 'db-step-down',
        timeoutMs: 10 * 60_000,
        onFailure: 'abort',
        template: {
          template: {
            spec: {
              serviceAccountName: 'db-hooks',
              containers: [
                { name: 'step-down', image: 'registry.example/db-tools:1.4', command: ['/usr/bin/step-down'] },
              ],
            },
          },
        },
      },
      postReboot: {
        hook: 'db-step-up',
        timeoutMs: 2 * 60_000,
        onFailure: 'abort',
        template: {
          backoffLimit: 2,
          template: {
            spec: {
              restartPolicy: 'OnFailure',
              containers: [{ name: 'step-up', image: 'registry.example/db-tools:1.4' }],
            },
          },
        },
      },
    });
  });

  it('refuses a hook the install settings do not define, naming those that exist', () => {
    expect(check('    preReboot: { hook: db-stepdown, onFailure: continue }\n').text).toBe(
      'db.yaml:9:24: error: spec.hooks.preReboot.hook: "db-stepdown" is not a hook of the install settings (the install settings in install.yaml define: db-step-down, db-step-up); name one of them, or ask the cluster admin to add its Job under hooks.db-stepdown.template',
    );
    const none = check(
      '    postReboot:\n      hook: db-step-up\n',
      settings('apiVersion: patchwindow.io/v1alpha1\nkind: InstallSettings\n'),
    );
    expect(none.text).toContain(
      'db.yaml:10:13: error: spec.hooks.postReboot.hook: "db-step-up" is not a hook of the install settings (the install settings in install.yaml define no hook)',
    );
  });

  it.each([
    [
      'a malformed timeout',
      '    preReboot: { hook: db-step-down, timeout: 10 minutes }\n',
      'db.yaml:9:47: error: spec.hooks.preReboot.timeout: "10 minutes" is not a duration; use a number and a unit, e.g. 90s, 30m, 1h30m, 2d',
    ],
    [
      'a timeout under a second',
      '    preReboot: { hook: db-step-down, timeout: 500ms }\n',
      'db.yaml:9:47: error: spec.hooks.preReboot.timeout: "500ms" is too short; it must be at least 1s',
    ],
    [
      'a timeout over a day',
      '    postReboot: { hook: db-step-up, timeout: 2d }\n',
      'db.yaml:9:46: error: spec.hooks.postReboot.timeout: "2d" is too long; use at most 1d',
    ],
    [
      'an unknown onFailure',
      '    preReboot: { hook: db-step-down, onFailure: retry }\n',
      'spec.hooks.preReboot.onFailure',
    ],
    [
      'onFailure on the post hook',
      '    postReboot: { hook: db-step-up, onFailure: continue }\n',
      'spec.hooks.postReboot.onFailure',
    ],
  ])('refuses %s', (_, hooks, expected) => {
    const out = check(hooks);
    expect(out.text).toContain(expected);
    expect(out.policySet).toBeUndefined();
  });

  it('refuses a Job body written in a policy: what runs comes from the install settings', () => {
    const out = check(
      '    preReboot:\n      hook: db-step-down\n      template:\n        spec: { containers: [{ name: x, image: evil:latest }] }\n',
    );
    expect(out.text).toBe(
      "db.yaml:12:9: error: spec.hooks.preReboot.template: a hook's Job chooses what runs in the cluster, so it is not read from git; remove template and name a hook of the install settings instead (hook: <name>); define the Job under hooks.<name>.template in the install settings (--install-settings FILE, decided by the cluster admin, not in git)",
    );
  });
});

describe('hooks in the install settings', () => {
  const parse = (hooks: string) =>
    parseInstallSettings(
      'install.yaml',
      `apiVersion: patchwindow.io/v1alpha1\nkind: InstallSettings\nhooks:\n${hooks}`,
      '0.1.0',
    )
      .diagnostics.map(formatText)
      .join('\n');

  it.each([
    [
      'a pod without containers',
      '  a:\n    template:\n      template:\n        spec: { containers: [] }\n',
      'install.yaml:7:29: error: hooks.a.template.template.spec.containers: must list at least 1 item',
    ],
    [
      'a Job without its pod template',
      '  a:\n    template: { backoffLimit: 1 }\n',
      'install.yaml:5:15: error: hooks.a.template',
    ],
    [
      'a container without image',
      '  a:\n    template:\n      template:\n        spec: { containers: [{ name: x }] }\n',
      'install.yaml:7:30: error: hooks.a.template.template.spec.containers[0]: missing required field "image"',
    ],
    [
      'activeDeadlineSeconds (the policy timeout sets it)',
      '  a:\n    template:\n      activeDeadlineSeconds: 60\n      template: { spec: { containers: [{ name: x, image: i }] } }\n',
      'install.yaml:6:7: error: hooks.a.template.activeDeadlineSeconds',
    ],
    [
      'restartPolicy Always (a Job refuses it)',
      '  a:\n    template:\n      template: { spec: { restartPolicy: Always, containers: [{ name: x, image: i }] } }\n',
      'hooks.a.template.template.spec.restartPolicy',
    ],
    [
      'a hook name that is not a DNS-1123 label',
      '  Step_Down:\n    template: { template: { spec: { containers: [{ name: x, image: i }] } } }\n',
      'install.yaml:4:3: error: hooks.Step_Down: hook name "Step_Down"',
    ],
    [
      'a container name that is not a DNS-1123 label',
      '  a:\n    template: { template: { spec: { containers: [{ name: Step, image: i }] } } }\n',
      'install.yaml:5:58: error: hooks.a.template.template.spec.containers[0].name: container name "Step"',
    ],
    ['a template that is not a Job', '  a:\n    template: sleep 5\n', 'install.yaml:5:15: error: hooks.a.template'],
  ])('refuses %s, naming the install-settings file', (_, hooks, expected) => {
    expect(parse(hooks)).toContain(expected);
  });
});
