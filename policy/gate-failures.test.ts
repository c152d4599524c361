import { describe, expect, it } from 'vitest';
import {
  decodeGateFailures,
  encodeGateFailures,
  gateFailuresKey,
  keepGateFailures,
  MAX_GATE_FAILURES,
  policyOfGateFailuresKey,
  type GateFailure,
} from './gate-failures.ts';
import { policyOfHaltKey } from './halt.ts';

const H = 3_600_000;
const T = Date.parse('2026-12-01T10:00:00.250Z');
const gate = (atMs: number, node = 'a'): GateFailure => ({
  node,
  atMs,
  returnedMs: atMs - 300_000,
  kind: 'health-gate',
  reason: 'health check "api" still false',
});

describe("the coordinator's noted health-gate failures", () => {
  it('reads back as written, to the millisecond', () => {
    const list = [gate(T - H), gate(T, 'b')];
    expect(decodeGateFailures(encodeGateFailures(list))).toEqual(list);
  });

  it('drops notes older than the window when one is added, oldest first, and keeps at most the newest MAX', () => {
    expect(keepGateFailures([gate(T - 25 * H), gate(T - H)], [gate(T, 'b')], 24 * H, T)).toEqual([
      gate(T - H),
      gate(T, 'b'),
    ]);
    const many = Array.from({ length: MAX_GATE_FAILURES + 5 }, (_, i) => gate(T - i * 1000));
    const kept = keepGateFailures(many, [], 24 * H, T);
    expect(kept).toHaveLength(MAX_GATE_FAILURES);
    expect(kept.at(-1)).toEqual(gate(T));
  });

  it('skips malformed values and entries, never throws', () => {
    expect(decodeGateFailures(undefined)).toEqual([]);
    expect(decodeGateFailures('not json')).toEqual([]);
    expect(decodeGateFailures('{"a":1}')).toEqual([]);
    const mixed = JSON.stringify([
      { node: 'a', at: 'x', returned: '2026-12-01T10:00:00Z', kind: 'health-gate', reason: 'r' },
      { node: 'a', at: '2026-12-01T10:00:00Z', returned: '2026-12-01T09:55:00Z', kind: 'drain', reason: 'r' },
      { node: 'b', at: '2026-12-01T10:00:00Z', returned: '2026-12-01T09:55:00Z', kind: 'health-gate', reason: 'r' },
    ]);
    expect(decodeGateFailures(mixed)).toMatchObject([{ node: 'b' }]);
  });

  it('has its own annotation key, which the halt records never read as theirs', () => {
    expect(policyOfGateFailuresKey(gateFailuresKey('web'))).toBe('web');
    expect(policyOfHaltKey(gateFailuresKey('web'))).toBeUndefined();
    expect(policyOfGateFailuresKey('halt.patchwindow.io/web')).toBeUndefined();
  });
});
