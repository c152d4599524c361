import { describe, expect, it } from 'vitest';
import { appendFailure, decodeFailures, FAILURE_NOTE_TTL_MS, MAX_FAILURE_NOTES, type FailureNote } from './failures.ts';

const T = Date.parse('2026-12-01T10:00:00Z');
const note = (atMs: number, kind: FailureNote['kind'] = 'drain'): FailureNote => ({
  atMs,
  policy: 'web',
  kind,
  reason: `failed at ${atMs}`,
});

describe('failure notes on the Node', () => {
  it('round-trips notes, oldest first', () => {
    const raw = appendFailure(appendFailure(undefined, note(T + 1000, 'reboot')), note(T));
    expect(decodeFailures(raw)).toEqual([note(T), note(T + 1000, 'reboot')]);
  });

  it('drops notes older than the longest halt window when a new one is written', () => {
    const raw = appendFailure(appendFailure(undefined, note(T)), note(T + FAILURE_NOTE_TTL_MS));
    expect(decodeFailures(raw)).toEqual([note(T + FAILURE_NOTE_TTL_MS)]);
  });

  it('keeps the newest notes only', () => {
    let raw: string | undefined;
    for (let i = 0; i < MAX_FAILURE_NOTES + 5; i++) raw = appendFailure(raw, note(T + i));
    const notes = decodeFailures(raw);
    expect(notes).toHaveLength(MAX_FAILURE_NOTES);
    expect(notes[0]!.atMs).toBe(T + 5);
  });

  it('skips what it cannot read instead of failing', () => {
    expect(decodeFailures('not json')).toEqual([]);
    expect(decodeFailures('{"a":1}')).toEqual([]);
    const mixed = JSON.stringify([
      { at: 'never', policy: 'web', kind: 'drain', reason: 'x' },
      { at: new Date(T).toISOString(), policy: 'web', kind: 'melted', reason: 'x' },
      { at: new Date(T).toISOString(), policy: 'web', kind: 'reboot', reason: 'x' },
    ]);
    expect(decodeFailures(mixed)).toEqual([{ atMs: T, policy: 'web', kind: 'reboot', reason: 'x' }]);
  });
});
