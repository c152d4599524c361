import { describe, expect, it } from 'vitest';
import type { ApplyResult } from './apply.ts';
import type { CycleResult } from './cycle.ts';
import { eventWorthy, statusData } from './status-store.ts';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);
const none: ApplyResult = { created: [], configured: [], unchanged: [], pruned: [] };
const applied = (commit: string, result = none): CycleResult => ({
  outcome: 'applied',
  commit,
  result,
  policies: 2,
  pools: 3,
  warnings: [],
});
const invalid: CycleResult = {
  outcome: 'invalid',
  commit: B,
  diagnostics: [
    {
      file: 'policies/gpu.yaml',
      line: 12,
      column: 14,
      path: 'spec.windows[0].start',
      severity: 'error',
      message: '"25:00" is not a time of day',
      rule: 'time',
    },
  ],
};
const T1 = '2026-11-24T12:00:00.000Z';
const T2 = '2026-11-24T12:02:00.000Z';

describe('status ConfigMap data', () => {
  it('keeps the last applied commit when a later commit is refused, and names file, line and field', () => {
    const good = statusData({}, applied(A), T1, 'https://***@git.example/p.git@main');
    const bad = statusData(good, invalid, T2, 'https://***@git.example/p.git@main');
    expect(bad).toMatchObject({
      lastAppliedCommit: A,
      lastAppliedTime: T1,
      lastAttemptedCommit: B,
      lastAttemptTime: T2,
      lastResult: 'invalid',
      policies: '2',
      pools: '3',
      errors: 'policies/gpu.yaml:12:14: error: spec.windows[0].start: "25:00" is not a time of day',
    });
    expect(bad.message?.split('\n')[0]).toBe('refused bbbbbbbbbbbb: invalid policies, nothing applied or deleted');
  });

  it('clears the errors once a commit applies again', () => {
    const bad = statusData(statusData({}, applied(A), T1, 's'), invalid, T2, 's');
    expect(statusData(bad, applied(B), T2, 's')).toMatchObject({
      lastAppliedCommit: B,
      lastResult: 'applied',
      errors: '',
    });
  });
});

describe('which cycles get an Event', () => {
  const appliedA = statusData({}, applied(A), T1, 's');
  it('the first cycle, a new commit, a change in the cluster, a changed outcome', () => {
    expect(eventWorthy({}, applied(A))).toBe(true);
    expect(eventWorthy(appliedA, applied(B))).toBe(true);
    expect(
      eventWorthy(
        appliedA,
        applied(A, { ...none, pruned: [{ apiVersion: 'apps/v1', kind: 'DaemonSet', namespace: 'n', name: 'x' }] }),
      ),
    ).toBe(true);
    expect(eventWorthy(appliedA, invalid)).toBe(true);
    expect(eventWorthy(statusData(appliedA, invalid, T2, 's'), applied(A))).toBe(true);
  });

  it('not the same commit re-applied without change, nor the same refusal again', () => {
    expect(eventWorthy(appliedA, applied(A))).toBe(false);
    expect(eventWorthy(statusData(appliedA, invalid, T2, 's'), invalid)).toBe(false);
  });

  it('a failure with a different message', () => {
    const failed = statusData(
      appliedA,
      { outcome: 'failed', commit: A, error: 'apply DaemonSet x: forbidden' },
      T2,
      's',
    );
    expect(eventWorthy(failed, { outcome: 'failed', commit: A, error: 'apply DaemonSet x: forbidden' })).toBe(false);
    expect(eventWorthy(failed, { outcome: 'failed', error: 'cannot fetch: timeout' })).toBe(true);
  });
});
