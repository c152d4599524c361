// `validate` on spec.silences: each problem at its file:line with the field, the value and the fix.
import { describe, expect, it } from 'vitest';
import { formatText } from '../../policy/diagnostics.ts';
import { defaultInstallSettings } from './install.ts';
import { validateSources } from './validate.ts';

const POLICY = `apiVersion: patchwindow.io/v1alpha1
kind: RebootPolicy
metadata:
  name: db
spec:
  nodePools: [db]
  windows: [{ days: [sat], start: "02:00", duration: 4h }]
  silences:
    alertmanagerUrl: http://alertmanager.monitoring:9093
    matchers:
      - { name: instance, value: "{node}" }
`;
const FLEET = `apiVersion: patchwindow.io/v1alpha1
kind: Fleet
metadata:
  name: test
spec:
  poolLabel: agentpool
`;

function check(policy: string) {
  const out = validateSources(
    [
      { file: 'fleet.yaml', text: FLEET },
      { file: 'db.yaml', text: policy },
    ],
    { nowMs: Date.parse('2026-11-24T12:00:00Z'), install: defaultInstallSettings('0.1.0') },
  );
  return { ...out, text: out.diagnostics.map(formatText).join('\n') };
}

describe('spec.silences', () => {
  it('compiles into the agent settings with the defaults', () => {
    const out = check(POLICY);
    expect(out.diagnostics).toEqual([]);
    expect(out.policySet?.policies[0]?.silences).toEqual({
      alertmanagerUrl: 'http://alertmanager.monitoring:9093',
      matchers: [{ name: 'instance', value: '{node}', isRegex: false, isEqual: true }],
      durationMs: 15 * 60_000,
      maxDurationMs: 4 * 3_600_000,
      graceMs: 2 * 60_000,
    });
  });

  it.each([
    [
      'credentials in the URL',
      ['http://alertmanager.monitoring:9093', 'http://admin:secret@alertmanager:9093'],
      'db.yaml:9:22: error: spec.silences.alertmanagerUrl: contains credentials; policies live in git, so credentials may not be written here',
    ],
    [
      'a URL that is not http',
      ['http://alertmanager.monitoring:9093', 'alertmanager:9093'],
      'db.yaml:9:22: error: spec.silences.alertmanagerUrl: "alertmanager:9093" is not an http(s) URL; write e.g. http://prometheus.monitoring:9090',
    ],
    [
      'a bad label name',
      ['name: instance', 'name: "kubernetes.io/node"'],
      'db.yaml:11:17: error: spec.silences.matchers[0].name: "kubernetes.io/node" is not a label name; use letters, digits and _ (e.g. instance)',
    ],
    [
      'an unknown placeholder',
      ['value: "{node}"', 'value: "{nodename}"'],
      'db.yaml:11:34: error: spec.silences.matchers[0].value: "{nodename}" names an unknown placeholder {nodename}; use {node} or {policy}',
    ],
    [
      'a bad regular expression',
      ['value: "{node}" }', 'value: "({node}", isRegex: true }'],
      'db.yaml:11:34: error: spec.silences.matchers[0].value: "({node}" is not a valid regular expression (/(node-1\\.example/u: Unterminated group)',
    ],
    [
      'matchers that also match alerts without the label',
      ['value: "{node}" }', 'value: ".*", isRegex: true }'],
      'db.yaml:11:7: error: spec.silences.matchers: every matcher also matches alerts without that label, so Alertmanager would refuse the silence; add one that names a value, e.g. {name: instance, value: "{node}"}',
    ],
    [
      'a maximum shorter than the duration',
      ['    matchers:', '    duration: 30m\n    maxDuration: 10m\n    matchers:'],
      'db.yaml:11:18: error: spec.silences.maxDuration: "10m" is shorter than duration "30m"; make it at least as long',
    ],
    [
      'a duration that is not one',
      ['    matchers:', '    duration: ten minutes\n    matchers:'],
      'db.yaml:10:15: error: spec.silences.duration: "ten minutes" is not a duration; use a number and a unit, e.g. 90s, 30m, 1h30m, 2d',
    ],
  ])('refuses %s', (_what, [from, to], line) => {
    const text = POLICY.replace(from!, to!);
    expect(text).not.toBe(POLICY);
    const out = check(text);
    expect(out.text).toContain(line);
    expect(out.diagnostics.filter((d) => d.severity === 'error')).toHaveLength(1);
  });

  it('warns when the silence is shorter than the reboot (the agent cannot extend it meanwhile)', () => {
    const out = check(POLICY.replace('    matchers:', '    duration: 5m\n    matchers:'));
    expect(out.diagnostics.map((d) => d.severity)).toEqual(['warning']);
    expect(out.text).toContain(
      'db.yaml:10:15: warning: spec.silences.duration: "5m" is shorter than reboot.expectedDuration',
    );
  });
});
