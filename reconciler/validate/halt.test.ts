// spec.halt as validate reports it: every mistake at its file, line and field, with the fix.
import { describe, expect, it } from 'vitest';
import { validateSources } from './validate.ts';
import { defaultInstallSettings } from './install.ts';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const FLEET = `apiVersion: patchwindow.io/v1alpha1
kind: Fleet
metadata:
  name: test
spec:
  poolLabel: agentpool
`;
const WEB = `apiVersion: patchwindow.io/v1alpha1
kind: RebootPolicy
metadata:
  name: web
spec:
  nodePools: [web]
  windows:
    - days: [mon, tue]
      start: "22:00"
      end: "05:00"
`;

function diagnostics(halt: string) {
  const files = [
    { file: 'fleet.yaml', text: FLEET },
    { file: 'web.yaml', text: WEB + halt },
  ];
  return validateSources(files, { nowMs: NOW, install: defaultInstallSettings('0.1.0') }).diagnostics;
}

describe('spec.halt', () => {
  it.each([
    ['  halt: { afterFailures: 0 }\n', 11, 'spec.halt.afterFailures', /0 must be >= 1/],
    ['  halt:\n    within: 24h\n', 12, 'spec.halt', /missing required field "afterFailures"/],
    [
      '  halt:\n    afterFailures: 3\n    within: 0s\n',
      13,
      'spec.halt.within',
      /"0s" is too short; it must be more than 0s/,
    ],
    ['  halt:\n    afterFailures: 3\n    within: 31d\n', 13, 'spec.halt.within', /"31d" is too long; use at most 30d/],
    ['  halt:\n    afterFailures: 3\n    within: soon\n', 13, 'spec.halt.within', /"soon" is not a duration/],
    ['  halt:\n    afterFailures: 3\n    after: 2\n', 13, 'spec.halt.after', /unknown field/],
    [
      '  halt:\n    afterFailures: 3\n    healthGrace: 0s\n',
      13,
      'spec.halt.healthGrace',
      /"0s" is too short; it must be more than 0s/,
    ],
    [
      '  halt:\n    afterFailures: 3\n    healthGrace: 2h\n',
      13,
      'spec.halt.healthGrace',
      /"2h" is too long; use at most 1h/,
    ],
  ])('reports %j at its line and field', (halt, line, path, message) => {
    const d = diagnostics(halt);
    expect(d, JSON.stringify(d)).toHaveLength(1);
    expect(d[0]).toMatchObject({ file: 'web.yaml', line, path, severity: 'error' });
    expect(d[0]!.message).toMatch(message);
  });

  it('accepts a halt and defaults the window to 24h and the health grace to 5m', () => {
    const files = [
      { file: 'fleet.yaml', text: FLEET },
      { file: 'web.yaml', text: WEB + '  halt: { afterFailures: 3 }\n' },
    ];
    const r = validateSources(files, { nowMs: NOW, install: defaultInstallSettings('0.1.0') });
    expect(r.diagnostics).toEqual([]);
    expect(r.policySet?.policies[0]?.halt).toEqual({ afterFailures: 3, withinMs: 86_400_000, healthGraceMs: 300_000 });
  });
});

it('reads spec.halt.healthGrace', () => {
  const files = [
    { file: 'fleet.yaml', text: FLEET },
    { file: 'web.yaml', text: WEB + '  halt: { afterFailures: 1, healthGrace: 90s }\n' },
  ];
  const r = validateSources(files, { nowMs: NOW, install: defaultInstallSettings('0.1.0') });
  expect(r.diagnostics).toEqual([]);
  expect(r.policySet?.policies[0]?.halt?.healthGraceMs).toBe(90_000);
});
