// The canary's state: who goes first, what counts as back healthy, a failed canary, the version it
// proves, which later nodes need no canary, and a new wave after the proof.
import { describe, expect, it } from 'vitest';
import { canaryStarted, canaryStep, NO_CANARY, type CanaryMember, type CanaryRecord } from './canary.ts';

const MIN = 60_000;
const NOW = Date.UTC(2026, 11, 7, 2, 0);
const OLD = 'Flatcar 4081.2.0 / 6.6.60';
const NEW = 'Flatcar 4081.2.1 / 6.6.63';

function member(name: string, o: Partial<CanaryMember> & { want?: number } = {}): CanaryMember {
  return {
    name,
    uid: `uid-${name}`,
    ready: true,
    unschedulable: false,
    version: OLD,
    bootId: `boot-${name}-1`,
    requestSinceMs: o.want === undefined ? null : NOW - o.want * MIN,
    granted: false,
    phase: o.want === undefined ? null : 'acquiring',
    failure: null,
    ...o,
  };
}

const pool = (o: Record<string, Partial<CanaryMember> & { want?: number }> = {}) =>
  ['n1', 'n2', 'n3'].map((n) => member(n, { want: 10 - Number(n.slice(1)), ...o[n] }));

describe('canaryStep', () => {
  it('lets the longest waiter go first and alone, and takes the version most nodes run as proven', () => {
    const step = canaryStep('web', [...pool(), member('n4', { version: NEW })], NO_CANARY, NOW);
    expect(step.guard).toMatchObject({ reason: 'canary', allow: ['n1'], room: 0, nodes: ['n1'] });
    expect(step.record.proven).toEqual({ version: OLD, node: null, atMs: null });
  });

  it('holds the others while the canary is out, also after a coordinator restart with the kept record', () => {
    const started = canaryStarted(canaryStep('web', pool(), NO_CANARY, NOW).record, member('n1'), NOW);
    // Granted, then rebooting (NotReady, new boot id), then back but still cordoned: all waiting.
    for (const n1 of [
      { granted: true, phase: 'cordoning' as const },
      { granted: true, phase: 'rebooting' as const, ready: false, bootId: 'boot-n1-2' },
      { granted: true, phase: 'recovering' as const, unschedulable: true, bootId: 'boot-n1-2' },
      { granted: false, phase: null, unschedulable: true, bootId: 'boot-n1-2' },
    ]) {
      const restarted: CanaryRecord = JSON.parse(JSON.stringify(started)) as CanaryRecord;
      const step = canaryStep('web', pool({ n1: n1 }), restarted, NOW + MIN);
      expect(step.guard, JSON.stringify(n1)).toMatchObject({ reason: 'canary', allow: ['n1'] });
      expect(step.guard!.detail).toContain('canary: waiting for n1');
      expect(step.record.out?.node).toBe('n1');
    }
  });

  it('proves the new version when the canary is back healthy, and the nodes behind it follow without a canary', () => {
    const started = canaryStarted(canaryStep('web', pool(), NO_CANARY, NOW).record, member('n1'), NOW);
    const back = pool({ n1: { version: NEW, bootId: 'boot-n1-2', phase: null } });
    const step = canaryStep('web', back, started, NOW + 5 * MIN);
    expect(step.guard).toBeNull();
    expect(step.record).toEqual({ proven: { version: NEW, node: 'n1', atMs: NOW + 5 * MIN }, out: null });
    expect(step.news).toEqual({
      node: 'n1',
      text: `canary n1 is back healthy (${OLD} -> ${NEW}); the other nodes may start`,
      warning: false,
    });
    // n2 asks again much later (its window closed): it runs the old version, so it catches up freely.
    const later = canaryStep('web', pool({ n1: back[0]!, n2: { want: -60 } }), step.record, NOW + 2 * 60 * MIN);
    expect(later.guard).toBeNull();
  });

  it('a canary back on the same version proves the wave: who asked before goes, a later request is a new canary', () => {
    const started = canaryStarted(canaryStep('web', pool(), NO_CANARY, NOW).record, member('n1'), NOW);
    const back = pool({ n1: { bootId: 'boot-n1-2', phase: null, want: undefined, requestSinceMs: null } });
    const step = canaryStep('web', back, started, NOW + 5 * MIN);
    expect(step.guard).toBeNull();
    expect(step.record.proven).toEqual({ version: OLD, node: 'n1', atMs: NOW + 5 * MIN });
    // A week later every node runs the proven version and n3 asks again: it goes first, alone.
    const week = NOW + 7 * 24 * 60 * MIN;
    const wave = canaryStep(
      'web',
      pool({ n1: { want: undefined }, n2: { want: undefined }, n3: { want: -7 * 24 * 60 + 1 } }),
      step.record,
      week,
    );
    expect(wave.guard).toMatchObject({ allow: ['n3'] });
  });

  it('a failed canary holds the pool with its reason, and may try again alone', () => {
    const started = canaryStarted(NO_CANARY, member('n1'), NOW);
    const failed = pool({
      n1: { phase: 'failed', failure: 'the drain did not finish by its deadline', unschedulable: true },
    });
    const step = canaryStep('web', failed, started, NOW + 40 * MIN);
    expect(step.guard).toMatchObject({ reason: 'canary', allow: ['n1'] });
    expect(step.guard!.detail).toContain('canary: n1 failed (the drain did not finish by its deadline)');
    // Told once, as a warning; the record remembers it was told.
    expect(step.news).toMatchObject({ node: 'n1', warning: true });
    expect(canaryStep('web', failed, step.record, NOW + 41 * MIN).news).toBeNull();
  });

  it('gives up a canary whose Node was replaced, or that never started and asks no more', () => {
    const started = canaryStarted(NO_CANARY, member('n1'), NOW);
    const replaced = canaryStep('web', pool({ n1: { uid: 'uid-n1-new' } }), started, NOW + MIN);
    expect(replaced.news?.text).toContain('canary n1 was given up');
    // The new n1 is another node: it asks, and as the longest waiter it is the next canary.
    expect(replaced.guard).toMatchObject({ allow: ['n1'] });
    expect(replaced.record.out).toBeNull();
    const withdrawn = canaryStep('web', pool({ n1: { want: undefined } }), started, NOW + MIN);
    expect(withdrawn.record.out).toBeNull();
    expect(withdrawn.guard).toMatchObject({ allow: ['n2'] });
  });

  it('holds nothing when no waiting node needs a canary', () => {
    expect(
      canaryStep(
        'web',
        pool({ n1: { want: undefined }, n2: { want: undefined }, n3: { want: undefined } }),
        NO_CANARY,
        NOW,
      ).guard,
    ).toBeNull();
  });
});
