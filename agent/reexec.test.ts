// What a new image of the agent's process reads of the state its former image left: the settings,
// the mount check and the metric calls it can carry out, nothing it cannot; no state, or one this
// version cannot read, starts the agent as new.
import { describe, expect, it } from 'vitest';
import { RESUME_ENV, resumeStateOf, withoutResume } from './reexec.ts';
import type { ResumeState } from './supervisor.ts';

const STATE: ResumeState = {
  settings: {
    policy: 'general',
    logLevel: 'info',
    checkIntervalMs: 60_000,
    metricsPort: 9464,
    reboot: {
      method: 'command',
      command: ['/bin/true'],
      signal: 39,
      sentinelFile: '/var/run/reboot-required',
      sentinelCommand: null,
    },
  },
  mountChecked: true,
  metrics: [{ kind: 'metric', call: 'setNotificationFailed', args: ['slack', 1_780_000_100_000] }],
};

describe('resumeStateOf', () => {
  it('reads the state as written, and keeps only metric calls the series have', () => {
    expect(resumeStateOf({ [RESUME_ENV]: JSON.stringify(STATE) })).toEqual(STATE);
    const junk = {
      ...STATE,
      metrics: [...STATE.metrics, { kind: 'metric', call: 'exposition', args: [] }, { kind: 'idle' }, 'x'],
    };
    expect(resumeStateOf({ [RESUME_ENV]: JSON.stringify(junk) })).toEqual(STATE);
  });

  it('starts as new without a state, or with one it cannot read', () => {
    expect(resumeStateOf({})).toBeUndefined();
    expect(resumeStateOf({ [RESUME_ENV]: '{' })).toBeUndefined();
    expect(resumeStateOf({ [RESUME_ENV]: JSON.stringify({ ...STATE, settings: { policy: 'p' } }) })).toBeUndefined();
    expect(resumeStateOf({ [RESUME_ENV]: JSON.stringify({ ...STATE, metrics: 'x' }) })).toBeUndefined();
  });

  it('is not passed on to the worker or to a later image', () => {
    expect(withoutResume({ A: '1', [RESUME_ENV]: '{}' })).toEqual({ A: '1' });
  });
});
