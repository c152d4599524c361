// The silence of an attempt (spec.silences), decided by the core: created under the grant before
// the cordon, ended after the uncordon and before the grant goes back; the lease's arithmetic.
import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE, testConfig } from '../../test/fakes/config.ts';
import { act, EPOCH, NOW, WINDOW, state } from '../../test/fakes/decide-fixtures.ts';
import { CORDONED_BY_ANNOTATION } from '../../policy/keys.ts';
import type { SilenceSettings } from '../../policy/model.ts';
import { fillMatchers, silenceEndsAt } from '../../policy/silence.ts';
import { withSilence } from './silence.ts';

const SETTINGS: SilenceSettings = {
  alertmanagerUrl: 'http://alertmanager:9093',
  matchers: [
    { name: 'instance', value: '{node}:9100', isRegex: false, isEqual: true },
    { name: 'node', value: '{node}|{policy}-.*', isRegex: true, isEqual: true },
  ],
  durationMs: 15 * MINUTE,
  maxDurationMs: HOUR,
  graceMs: 2 * MINUTE,
};
const config = testConfig({ windows: WINDOW, silences: SETTINGS });
const ours = { unschedulable: true, annotations: { [CORDONED_BY_ANNOTATION]: EPOCH } };
const live = { id: 'silence-1', startedMs: NOW - 10 * MINUTE, ended: false };
const back = { grant: EPOCH, bootId: 'boot-2' } as const;

describe('the silence of an attempt', () => {
  it('is created under the grant before the cordon', () => {
    const s = state('cordoning');
    expect(act({ grant: EPOCH, config, state: s })).toEqual({ kind: 'silence', op: 'create', state: s });
  });

  it('is followed by the cordon once recorded', () => {
    expect(act({ grant: EPOCH, config, state: state('cordoning', { silence: live }) })).toMatchObject({
      kind: 'cordon',
    });
  });

  it('is not created when the grant was lost before it', () => {
    expect(act({ config, state: state('cordoning') })).toMatchObject({
      kind: 'writeState',
      state: { phase: 'recovering', outcome: 'lost' },
    });
  });

  it('is not created without spec.silences', () => {
    expect(act({ grant: EPOCH, config: testConfig({ windows: WINDOW }), state: state('cordoning') })).toMatchObject({
      kind: 'cordon',
    });
  });

  it('lasts while the node is not Ready after its reboot', () => {
    const s = state('recovering', { outcome: 'rebooted', silence: live });
    expect(act({ ...back, config, state: s, node: { ...ours, ready: false } })).toMatchObject({
      kind: 'wait',
      reason: 'node-not-ready',
    });
  });

  it('outlasts the uncordon, then ends before the grant goes back', () => {
    const s = state('recovering', { outcome: 'rebooted', silence: live });
    expect(act({ ...back, config, state: s, node: ours })).toMatchObject({ kind: 'uncordon' });
    const uncordoned = { ...s, cordoned: false };
    expect(act({ ...back, config, state: uncordoned })).toEqual({ kind: 'silence', op: 'end', state: uncordoned });
    const ended = { ...uncordoned, silence: { ...live, ended: true } };
    expect(act({ ...back, config, state: ended })).toMatchObject({ kind: 'releaseGrant' });
  });

  it('ends after a failed attempt too, also when the node stays cordoned', () => {
    const s = state('recovering', { outcome: 'failed', cordoned: false, keepCordoned: true, silence: live });
    expect(act({ grant: EPOCH, config, state: s, node: { unschedulable: true } })).toMatchObject({
      kind: 'silence',
      op: 'end',
    });
  });

  it('lapses by itself when the policy dropped spec.silences meanwhile (no URL to end it at)', () => {
    const s = state('recovering', { outcome: 'lost', cordoned: false, silence: live });
    expect(act({ config: testConfig({ windows: WINDOW }), state: s })).toMatchObject({
      kind: 'writeState',
      state: null,
    });
  });

  it('is recorded with its id and start, then as ended', () => {
    const created = withSilence(state('cordoning'), 'create', 'a1', NOW);
    expect(created.silence).toEqual({ id: 'a1', startedMs: NOW, ended: false });
    expect(withSilence(created, 'end', 'a1', NOW + HOUR).silence).toEqual({ id: 'a1', startedMs: NOW, ended: true });
  });
});

describe('the lease', () => {
  it('reaches one duration ahead, never past maxDuration after its creation', () => {
    expect(silenceEndsAt(SETTINGS, NOW, NOW)).toBe(NOW + 15 * MINUTE);
    expect(silenceEndsAt(SETTINGS, NOW, NOW + 40 * MINUTE)).toBe(NOW + 55 * MINUTE);
    expect(silenceEndsAt(SETTINGS, NOW, NOW + 50 * MINUTE)).toBe(NOW + HOUR);
    expect(silenceEndsAt(SETTINGS, NOW, NOW + 2 * HOUR)).toBe(NOW + HOUR);
  });

  it('fills in the node and the policy, escaped in regular expressions', () => {
    expect(fillMatchers(SETTINGS.matchers, { node: 'ip-10-0-1-7.ec2.internal', policy: 'db' })).toEqual([
      { name: 'instance', value: 'ip-10-0-1-7.ec2.internal:9100', isRegex: false, isEqual: true },
      { name: 'node', value: 'ip-10-0-1-7\\.ec2\\.internal|db-.*', isRegex: true, isEqual: true },
    ]);
  });
});
