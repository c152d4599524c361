// Table tests of a reboot under way: cordon, drain, reboot, recover; what happens when the grant
// is lost at any of those steps; and what a restarted agent (no memory: no drain outcome, reboot
// not commanded by this process) does in every phase.
import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE, testConfig } from '../../test/fakes/config.ts';
import { act, CLOSE, EPOCH, NOW, WINDOW, state, type Situation } from '../../test/fakes/decide-fixtures.ts';
import { CORDONED_BY_ANNOTATION } from '../../policy/keys.ts';

type Row = [string, Situation, Record<string, unknown>];
const rows = (table: Row[]) => it.each(table.map(([name, situation, expected]) => ({ name, situation, expected })));
const onFailure = (mode: 'uncordon' | 'stayCordoned' | 'reboot') =>
  testConfig({
    windows: WINDOW,
    drain: { onFailure: mode },
    preReboot: { 'example.com/maintenance': 'reboot' },
    postReboot: { 'example.com/patched': 'true' },
  });
/** g1 holds the grant its record names. */
const granted = { grant: EPOCH } as const;
/** Cordoned by this attempt: the cordon carries its mark. */
const ours = { unschedulable: true, annotations: { [CORDONED_BY_ANNOTATION]: EPOCH } };

describe('cordoning and draining', () => {
  rows([
    [
      'starts the grant watch first (its grant must be renewed)',
      { state: state('cordoning'), grant: false },
      { kind: 'watch' },
    ],
    [
      'cordons under its grant when the node is schedulable',
      { ...granted, state: state('cordoning') },
      { kind: 'cordon', epoch: EPOCH },
    ],
    [
      'once its cordon shows, sets the pre-reboot labels and records draining in one patch, owning the cordon',
      { ...granted, state: state('cordoning', { labels: { 'example.com/maintenance': null } }), node: ours },
      {
        kind: 'writeState',
        state: { phase: 'draining', cordoned: true, drainDeadlineMs: NOW + 30 * MINUTE },
        labels: { 'example.com/maintenance': 'reboot' },
        tell: { notify: { event: 'drain' } },
      },
    ],
    [
      'does not own a cordon an admin made (also between the grant and its cordon)',
      { ...granted, state: state('cordoning'), node: { unschedulable: true } },
      { kind: 'writeState', state: { phase: 'draining', cordoned: false } },
    ],
    [
      'drains under its grant until the recorded deadline',
      { ...granted, state: state('draining') },
      { kind: 'drain', deadlineMs: NOW + 25 * MINUTE, epoch: EPOCH },
    ],
    [
      'drains even after the window closed (a started reboot finishes)',
      { ...granted, state: state('draining'), now: CLOSE + HOUR },
      { kind: 'drain' },
    ],
    [
      'records rebooting after a good drain, with the delay',
      {
        ...granted,
        config: testConfig({ windows: WINDOW, reboot: { delayMs: 2 * MINUTE } }),
        state: state('draining'),
        drain: { ok: true },
      },
      {
        kind: 'writeState',
        state: { phase: 'rebooting', rebootAtMs: NOW + 2 * MINUTE },
        tell: { notify: { event: 'reboot' } },
      },
    ],
    [
      'undoes the attempt when the drain failed (onFailure uncordon)',
      {
        ...granted,
        config: onFailure('uncordon'),
        state: state('draining'),
        drain: { ok: false, reason: 'timed out' },
      },
      {
        kind: 'writeState',
        state: { phase: 'recovering', outcome: 'failed', reason: 'drain failed: timed out' },
        failure: { atMs: NOW, policy: 'general', kind: 'drain', reason: 'drain failed: timed out' },
        tell: {
          event: {
            type: 'Warning',
            reason: 'DrainFailed',
            message: `drain failed: timed out; undoing; next attempt not before ${new Date(CLOSE).toISOString()} (drain.onFailure: uncordon)`,
          },
          notify: { event: 'failed' },
        },
      },
    ],
    [
      'undoes the attempt but stays cordoned (onFailure stayCordoned)',
      {
        ...granted,
        config: onFailure('stayCordoned'),
        state: state('draining'),
        drain: { ok: false, reason: 'timed out' },
      },
      {
        kind: 'writeState',
        state: { phase: 'recovering', outcome: 'failed', keepCordoned: true },
        failure: { kind: 'drain' },
      },
    ],
    [
      'reboots anyway after a failed drain (onFailure reboot)',
      { ...granted, config: onFailure('reboot'), state: state('draining'), drain: { ok: false, reason: 'timed out' } },
      {
        kind: 'writeState',
        state: { phase: 'rebooting' },
        // The drain failed even though the reboot goes on: it counts toward spec.halt.
        failure: { kind: 'drain', reason: 'drain failed: timed out' },
        tell: { event: { type: 'Warning' }, notify: { event: 'reboot' } },
      },
    ],
    [
      'cancels when the sentinel disappears before the reboot',
      { ...granted, state: state('draining'), rebootRequired: false },
      { kind: 'writeState', state: { phase: 'recovering', outcome: 'cancelled' } },
    ],
    [
      'keeps going while the sentinel cannot be checked',
      { ...granted, state: state('draining'), rebootRequired: null },
      { kind: 'drain' },
    ],
    [
      'notices a reboot by someone else during the drain',
      { ...granted, state: state('draining'), bootId: 'boot-2' },
      { kind: 'writeState', state: { phase: 'recovering', outcome: 'rebooted' } },
    ],
  ])('g1 $name', ({ situation, expected }) => {
    expect(act(situation)).toMatchObject(expected);
  });
});

describe('the grant lost (fencing)', () => {
  const lostTo = (why: RegExp) => ({
    kind: 'writeState',
    state: { phase: 'recovering', outcome: 'lost' },
    tell: { event: { type: 'Warning', reason: 'GrantLost', message: expect.stringMatching(why) as unknown } },
  });
  rows([
    ['stops before its cordon when its grant is gone', { state: state('cordoning') }, lostTo(/is gone/)],
    [
      'stops before its cordon when its grant was given again (another epoch)',
      { state: state('cordoning'), grant: 'epoch-2' },
      lostTo(/replaced by epoch-2/),
    ],
    [
      'stops when a fresh read proved the loss, even if its watch still shows the grant',
      { ...granted, state: state('cordoning'), lost: { epoch: EPOCH, reason: 'the grant epoch-1 is gone' } },
      lostTo(/is gone/),
    ],
    [
      'ignores a proven loss of an earlier grant',
      { ...granted, state: state('cordoning'), lost: { epoch: 'epoch-0', reason: 'x' } },
      { kind: 'cordon' },
    ],
    ['stops its drain when its grant is gone', { state: state('draining'), node: ours }, lostTo(/is gone/)],
    [
      'does not command the reboot without its grant',
      { state: state('rebooting', { rebootAtMs: NOW }), node: ours },
      lostTo(/is gone/),
    ],
    [
      'does not wait out reboot.delay without its grant',
      { state: state('rebooting', { rebootAtMs: NOW + MINUTE }), node: ours },
      lostTo(/is gone/),
    ],
    [
      'cannot take back a reboot already commanded',
      { state: state('rebooting', { rebootAtMs: NOW - MINUTE }), rebootCommandedMs: NOW - MINUTE },
      { kind: 'wait', reason: 'rebooting' },
    ],
    [
      'a record without a grant epoch (from before cordoning) is treated as lost',
      { ...granted, state: { ...state('draining'), grant: undefined } },
      lostTo(/names no grant/),
    ],
    [
      'then undoes its own cordon',
      { state: state('recovering', { outcome: 'lost' }), node: ours },
      { kind: 'uncordon', epoch: EPOCH },
    ],
    [
      // Seen on the real control plane: the cordon PATCH went through as the agent's API access
      // was cut, so the record (phase cordoning) never said cordoned; the mark on the cordon does.
      'then undoes its own cordon that it never saw go through (lost during cordoning)',
      { state: state('recovering', { outcome: 'lost', cordoned: false }), node: ours },
      { kind: 'uncordon', epoch: EPOCH },
    ],
    [
      'then leaves a cordon it does not own',
      { state: state('recovering', { outcome: 'lost', cordoned: false }), node: { unschedulable: true } },
      { kind: 'writeState', state: null, tell: { event: { reason: 'AttemptUndone' } } },
    ],
    [
      'then asks again (a fresh request)',
      { state: state('recovering', { outcome: 'lost', cordoned: false }) },
      { kind: 'writeState', state: null },
    ],
  ])('g1 $name', ({ situation, expected }) => {
    expect(act(situation)).toMatchObject(expected);
  });
});

describe('rebooting', () => {
  const commanded = state('rebooting', { rebootAtMs: NOW - 5 * MINUTE });
  rows([
    [
      'waits out reboot.delay',
      { ...granted, state: state('rebooting', { rebootAtMs: NOW + MINUTE }) },
      { kind: 'wait', reason: 'reboot-delay', untilMs: NOW + MINUTE, watch: true },
    ],
    [
      'reboots under its grant when the delay is over',
      { ...granted, state: state('rebooting', { rebootAtMs: NOW }) },
      { kind: 'reboot', epoch: EPOCH },
    ],
    [
      'waits for the host to go down once commanded',
      { ...granted, state: commanded, rebootCommandedMs: NOW - 5 * MINUTE },
      { kind: 'wait', reason: 'rebooting', untilMs: NOW + 15 * MINUTE },
    ],
    ['commands again after a restart while the host is still up', { ...granted, state: commanded }, { kind: 'reboot' }],
    [
      'reports failure when the boot id stays the same past twice the expected time',
      { ...granted, state: commanded, now: NOW + 15 * MINUTE, rebootCommandedMs: NOW - 5 * MINUTE },
      {
        kind: 'writeState',
        state: { phase: 'recovering', outcome: 'failed' },
        failure: { atMs: NOW + 15 * MINUTE, kind: 'reboot' },
        tell: { event: { type: 'Warning', reason: 'RebootFailed' }, notify: { event: 'failed' } },
      },
    ],
    [
      'keeps the node cordoned after a failed reboot when onFailure says so',
      { ...granted, config: onFailure('stayCordoned'), state: commanded, now: NOW + HOUR },
      { kind: 'writeState', state: { phase: 'recovering', outcome: 'failed', keepCordoned: true } },
    ],
    [
      'sees the new boot id and starts recovering',
      { ...granted, state: commanded, bootId: 'boot-2' },
      { kind: 'writeState', state: { phase: 'recovering', outcome: 'rebooted', bootId: 'boot-1' } },
    ],
    [
      'sees the new boot id also after losing its grant',
      { state: commanded, bootId: 'boot-2' },
      { kind: 'writeState', state: { phase: 'recovering', outcome: 'rebooted' } },
    ],
    [
      'does not cancel once the reboot is commanded',
      { ...granted, state: commanded, rebootRequired: false, rebootCommandedMs: NOW },
      { kind: 'wait', reason: 'rebooting' },
    ],
  ])('g1 $name', ({ situation, expected }) => {
    expect(act(situation)).toMatchObject(expected);
  });
});

describe('recovering', () => {
  const back = { bootId: 'boot-2', rebootRequired: false, ...granted };
  const labelled = state('recovering', { labels: { 'example.com/maintenance': null } });
  const post = { labels: { 'example.com/patched': 'true' } };
  rows([
    [
      'waits for the node to be Ready after the reboot',
      { ...back, state: labelled, node: { ...ours, ready: false } },
      { kind: 'wait', reason: 'node-not-ready', watch: true },
    ],
    [
      'removes the pre-reboot labels and sets the post-reboot ones in one patch',
      { ...back, state: labelled, node: { ...ours, labels: { 'example.com/maintenance': 'reboot' } } },
      {
        kind: 'writeState',
        state: { phase: 'recovering', labels: {} },
        labels: { 'example.com/maintenance': null, 'example.com/patched': 'true' },
      },
    ],
    [
      'uncordons a node whose cordon carries its mark',
      { ...back, state: state('recovering'), node: { ...ours, ...post } },
      { kind: 'uncordon', epoch: EPOCH },
    ],
    [
      'records the uncordon before going on',
      { ...back, state: state('recovering'), node: post },
      { kind: 'writeState', state: { cordoned: false } },
    ],
    [
      'never uncordons a cordon without its mark (an admin cordoned meanwhile)',
      { ...back, state: state('recovering'), node: { unschedulable: true, ...post } },
      { kind: 'writeState', state: { cordoned: false } },
    ],
    [
      'never uncordons a node an admin cordoned',
      { ...back, state: state('recovering', { cordoned: false }), node: { unschedulable: true, ...post } },
      { kind: 'releaseGrant', grant: { epoch: EPOCH } },
    ],
    [
      'gives its grant back after the uncordon',
      { ...back, state: state('recovering', { cordoned: false }), node: post },
      { kind: 'releaseGrant', grant: { epoch: EPOCH } },
    ],
    [
      'drops the record, remembers the reboot and says done',
      { ...back, grant: null, now: NOW, state: state('recovering', { cordoned: false }), node: post },
      {
        kind: 'writeState',
        state: null,
        lastReboot: { atMs: NOW, bootId: 'boot-2', sentinelSurvived: false },
        tell: { event: { reason: 'RebootDone' }, notify: { event: 'done' } },
      },
    ],
    [
      'reports a reboot loop when the sentinel survived the reboot',
      { ...back, grant: null, rebootRequired: true, state: state('recovering', { cordoned: false }), node: post },
      {
        kind: 'writeState',
        state: null,
        lastReboot: { sentinelSurvived: true },
        failure: { kind: 'reboot-loop' },
        // A failure, notified as one: not "rebooted and back in service".
        tell: {
          event: { type: 'Warning', reason: 'RebootLoop' },
          notify: {
            event: 'failed',
            reason: `rebooted, but the node still needs a reboot (the update did not take); no new reboot before ${new Date(NOW + 6 * 3_600_000).toISOString()} (reboot.loopBackoff)`,
          },
        },
      },
    ],
    [
      'does not call a node back in service that someone else cordoned before the reboot',
      {
        ...back,
        grant: null,
        now: NOW,
        state: state('recovering', { cordoned: false }),
        node: { ...post, unschedulable: true },
      },
      {
        kind: 'writeState',
        state: null,
        tell: {
          event: {
            reason: 'RebootDone',
            message:
              'rebooted (attempt 1); the node stays cordoned as it was before the reboot: uncordon it (kubectl uncordon) to put it back in service',
          },
        },
      },
    ],
    [
      'after a failed attempt: leaves the cordon to humans (stayCordoned), with a Warning',
      { ...granted, state: state('recovering', { outcome: 'failed', keepCordoned: true }), node: ours },
      { kind: 'writeState', state: { cordoned: false }, tell: { event: { type: 'Warning', reason: 'LeftCordoned' } } },
    ],
    [
      'after a failed attempt: keeps the cordon to humans once it said so (stayCordoned), mark or not',
      {
        ...granted,
        state: state('recovering', { outcome: 'failed', keepCordoned: true, cordoned: false }),
        node: ours,
      },
      { kind: 'releaseGrant', grant: { epoch: EPOCH } },
    ],
    [
      'after a failed attempt: does not wait for Ready or set post-reboot labels',
      { ...granted, state: state('recovering', { outcome: 'failed' }), node: { ...ours, ready: false } },
      { kind: 'uncordon' },
    ],
    [
      'after a failed attempt: records the failure and the earliest retry (window end)',
      { state: state('recovering', { outcome: 'failed', cordoned: false, reason: 'drain failed: x' }) },
      { kind: 'writeState', state: { phase: 'failed', attempt: 1, retryAfterMs: CLOSE, reason: 'drain failed: x' } },
    ],
    [
      'after a failed attempt outside any window: retries after the loop back-off at the latest',
      { state: state('recovering', { outcome: 'failed', cordoned: false }), now: CLOSE + HOUR },
      { kind: 'writeState', state: { phase: 'failed', retryAfterMs: CLOSE + HOUR } },
    ],
    [
      'after a cancelled attempt: drops the record',
      { rebootRequired: false, state: state('recovering', { outcome: 'cancelled', cordoned: false }) },
      { kind: 'writeState', state: null, tell: { event: { reason: 'RebootCancelled' } } },
    ],
  ])('g1 $name', ({ situation, expected }) => {
    expect(act(situation)).toMatchObject(expected);
  });
});

describe('after a crash or restart (fresh process: no drain outcome, no reboot commanded)', () => {
  const back = { bootId: 'boot-2', ...granted };
  rows([
    [
      'in acquiring, without a grant yet, waits for it',
      { state: state('acquiring', { renewedMs: NOW - MINUTE }) },
      { kind: 'wait', reason: 'grant' },
    ],
    [
      'in acquiring, granted, checks blockers before cordon',
      { ...granted, state: state('acquiring'), blockers: null },
      { kind: 'checkBlockers' },
    ],
    [
      'in cordoning, cordoned already, goes on to drain',
      { ...granted, state: state('cordoning'), node: ours },
      { kind: 'writeState', state: { phase: 'draining' } },
    ],
    [
      'in cordoning, after its grant was lost meanwhile, stops (the stalled decision is not carried out)',
      { state: state('cordoning') },
      { kind: 'writeState', state: { phase: 'recovering', outcome: 'lost' } },
    ],
    [
      'in draining, drains again (pods may be left)',
      { ...granted, state: state('draining'), node: ours },
      { kind: 'drain' },
    ],
    [
      'in rebooting, before the reboot took place, commands it',
      { ...granted, state: state('rebooting'), node: ours },
      { kind: 'reboot' },
    ],
    [
      'in rebooting, after the reboot, recovers',
      { ...back, state: state('rebooting'), node: ours },
      { kind: 'writeState', state: { phase: 'recovering' } },
    ],
    [
      'in recovering, continues undoing',
      { ...back, state: state('recovering'), node: ours },
      { kind: 'writeState', state: { labels: {} }, labels: { 'example.com/patched': 'true' } },
    ],
  ])('g1 $name', ({ situation, expected }) => {
    expect(act(situation)).toMatchObject(expected);
  });
});
