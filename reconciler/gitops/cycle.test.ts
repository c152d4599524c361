import { describe, expect, it } from 'vitest';
import type { Log } from '../../io/log.ts';
import { logResult } from './controller.ts';
import { runCycle, type CycleDeps } from './cycle.ts';
import type { SourceFile } from '../validate/parse.ts';

const NOW = Date.parse('2026-11-24T12:00:00Z');

const policy = (name: string, spec: string) => `apiVersion: patchwindow.io/v1alpha1
kind: RebootPolicy
metadata: { name: ${name} }
spec:
  ${spec}
  windows: [{ days: [sat], start: "01:00", end: "05:00" }]
`;

const FLEET = `apiVersion: patchwindow.io/v1alpha1
kind: Fleet
metadata: { name: test }
spec:
  poolLabel: pool
`;

function deps(sources: SourceFile[]): CycleDeps {
  return {
    sync: () => Promise.resolve('0123456789abcdef'),
    load: () => Promise.resolve({ sources, diagnostics: [] }),
    apply: () => Promise.resolve({ created: [], configured: [], unchanged: [], pruned: [] }),
    now: () => NOW,
  };
}

function recordingLog(): Log & { lines: { level: string; fields: Record<string, unknown>; message: string }[] } {
  const lines: { level: string; fields: Record<string, unknown>; message: string }[] = [];
  const at = (level: string) => (fields: Record<string, unknown>, message: string) =>
    void lines.push({ level, fields, message });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

describe('a reconcile cycle', () => {
  const shadowed = [
    { file: 'fleet.yaml', text: FLEET },
    { file: 'all.yaml', text: policy('all', 'nodeSelector: {}\n  priority: 2') },
    { file: 'shadowed.yaml', text: policy('shadowed', 'nodeSelector: { matchLabels: { x: y } }\n  priority: 1') },
  ];

  it('keeps the compile warnings in its result', async () => {
    const result = await runCycle(deps(shadowed));
    expect(result.outcome).toBe('applied');
    if (result.outcome !== 'applied') return;
    expect(result.warnings.map((w) => [w.severity, w.rule])).toEqual([['warning', 'compile']]);
    expect(result.warnings[0]!.message).toMatch(/^policy "shadowed" can take no node/);
  });

  it('logs the warnings of an applied cycle', async () => {
    const log = recordingLog();
    logResult(log, await runCycle(deps(shadowed)), 5);
    expect(log.lines.map((l) => l.level)).toEqual(['info', 'warn']);
    expect(log.lines[1]!.message).toMatch(/^applied with 1 warning: warning: policy "shadowed" can take no node/);
  });

  it('logs a validation warning with its file and line', async () => {
    const log = recordingLog();
    const short = policy('web', 'nodePools: [web]').replace('end: "05:00"', 'end: "01:30"');
    logResult(
      log,
      await runCycle(
        deps([
          { file: 'fleet.yaml', text: FLEET },
          { file: 'web.yaml', text: short },
        ]),
      ),
      5,
    );
    expect(log.lines[1]).toMatchObject({
      level: 'warn',
      fields: { warnings: [expect.stringMatching(/^web\.yaml:6:\d+: warning: spec\.windows\[0\]: is 30m long/)] },
    });
  });

  it('logs nothing more when there is no warning', async () => {
    const log = recordingLog();
    logResult(
      log,
      await runCycle(
        deps([
          { file: 'fleet.yaml', text: FLEET },
          { file: 'web.yaml', text: policy('web', 'nodePools: [web]') },
        ]),
      ),
      5,
    );
    expect(log.lines.map((l) => l.level)).toEqual(['info']);
  });
});
