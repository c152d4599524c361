import { describe, expect, it } from 'vitest';
import { findPolicy, haltCommitMessage, pausePolicy } from './halt-yaml.ts';
import { HALTED } from '../../test/fakes/halts.ts';

const FILE = `# the fleet's policies
apiVersion: patchwindow.io/v1alpha1
kind: RebootPolicy
metadata: { name: db }
spec:
  nodePools: [db]   # databases
---
# web tier
apiVersion: patchwindow.io/v1alpha1
kind: RebootPolicy
metadata:
  name: web
spec:
  nodePools: [web] # the web pool
  pausedUntil: "2026-01-01T00:00:00Z"
  windows:
    - days: [mon]   # monday only
      start: "22:00"
      duration: 2h
---
apiVersion: patchwindow.io/v1alpha1
kind: RebootPolicy
metadata: { name: batch }
spec: { nodePools: [batch] }
`;

describe('pausing a halted policy in its YAML', () => {
  it('sets paused: true in the right document of a multi-document file, keeping comments and the others byte for byte', () => {
    const out = pausePolicy(FILE, 'web')!;
    const [db, web, batch] = out.split('\n---\n');
    expect(`${db}\n`).toBe(FILE.split('\n---\n')[0] + '\n');
    expect(batch).toBe(FILE.split('\n---\n')[2]);
    expect(web).toContain('# web tier');
    expect(web).toContain('nodePools: [ web ] # the web pool');
    expect(web).toContain('- days: [ mon ] # monday only');
    expect(web).toMatch(/\n {2}paused: true$/);
    expect(web).not.toContain('pausedUntil');
    expect(findPolicy([{ file: 'p.yaml', text: out }], 'web')).toEqual({ file: 'p.yaml', paused: true });
    expect(findPolicy([{ file: 'p.yaml', text: FILE }], 'web')).toEqual({ file: 'p.yaml', paused: false });
  });

  it('edits the first document too, and says when the policy is not in the file', () => {
    const out = pausePolicy(FILE, 'db')!;
    expect(out.startsWith("# the fleet's policies\n")).toBe(true);
    expect(findPolicy([{ file: 'p.yaml', text: out }], 'db')?.paused).toBe(true);
    expect(out.split('\n---\n').slice(1).join('\n---\n')).toBe(FILE.split('\n---\n').slice(1).join('\n---\n'));
    expect(pausePolicy(FILE, 'nope')).toBeUndefined();
  });

  it('puts the evidence into the commit message', () => {
    const message = haltCommitMessage('web', HALTED);
    expect(message.split('\n')[0]).toBe('patchwindow: pause policy web: halted after 2 failures within 1h');
    expect(message).toContain('- 2026-12-05T05:59:00.123Z w1: drain: drain failed: timed out after 5s');
    expect(message).toContain('- 2026-12-05T06:00:00.123Z w2: reboot: the node did not reboot: same boot id');
  });

  it("puts the coordinator's health-gate failures into the commit message with the agents' failures", () => {
    const gate = {
      node: 'w3',
      atMs: HALTED.atMs,
      kind: 'health-gate' as const,
      reason: 'health check "api available" still false 5m after the node returned at 2026-12-05T05:55:00.123Z',
    };
    const message = haltCommitMessage('web', { ...HALTED, failures: [...HALTED.failures, gate] });
    expect(message.split('\n')[0]).toBe('patchwindow: pause policy web: halted after 3 failures within 1h');
    expect(message).toContain(
      '- 2026-12-05T06:00:00.123Z w3: health-gate: health check "api available" still false 5m after the node returned',
    );
  });
});
