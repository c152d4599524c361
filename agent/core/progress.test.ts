// Table tests of a reboot under way: cordon, drain, reboot, recover, and what a restarted agent
// (no memory: no drain outcome, reboot not commanded by this process) does in every phase.
import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE, testConfig } from '../../test/fakes/config.ts';
import { act, CLOSE, NOW, WINDOW, slot, state, type Situation } from '../../test/fakes/decide-fixtures.ts';

type Row = [string, Situation, Record<string, unknown>];
const rows = (table: Row[]) => it.each(table.map(([name, situation, expected]) => ({ name, situation, expected })));
const onFailure = (mode: 'uncordon' | 'stayCordoned' | 'reboot') =>
  testConfig({
    windows: WINDOW,
    drain: { onFailure: mode },
    preReboot: { 'example.com/maintenance': 'reboot' },
    postReboot: { 'example.com/patched': 'true' },
  });

describe('cordoning and draining', () => {
  rows([
    [
      'starts the watches first (its slots must be renewed)',
      { state: state('cordoning'), peers: null },
      { kind: 'watch' },
    ],
    ['cordons when it recorded that it would', { state: state('cordoning') }, { kind: 'cordon' }],
    [
      'once cordoned, sets the pre-reboot labels and records draining in one patch',
      { state: state('cordoning', { labels: { 'example.com/maintenance': null } }), node: { unschedulable: true } },
      {
        kind: 'writeState',
        state: { phase: 'draining', drainDeadlineMs: NOW + 30 * MINUTE },
        labels: { 'example.com/maintenance': 'reboot' },
        tell: { notify: { event: 'drain' } },
      },
    ],
    [
      'does not cordon a node an admin cordoned',
      { state: state('cordoning', { cordoned: false }), node: { unschedulable: true } },
      { kind: 'writeState', state: { phase: 'draining' } },
    ],
    [
      'drains until the recorded deadline',
      { state: state('draining') },
      { kind: 'drain', deadlineMs: NOW + 25 * MINUTE },
    ],
    [
      'drains even after the window closed (a started reboot finishes)',
      { state: state('draining'), now: CLOSE + HOUR },
      { kind: 'drain' },
    ],
    [
      'records rebooting after a good drain, with the delay',
      {
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
      { config: onFailure('uncordon'), state: state('draining'), drain: { ok: false, reason: 'timed out' } },
      {
        kind: 'writeState',
        state: { phase: 'recovering', outcome: 'failed', reason: 'drain failed: timed out' },
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
      { config: onFailure('stayCordoned'), state: state('draining'), drain: { ok: false, reason: 'timed out' } },
      { kind: 'writeState', state: { phase: 'recovering', outcome: 'failed', keepCordoned: true } },
    ],
    [
      'reboots anyway after a failed drain (onFailure reboot)',
      { config: onFailure('reboot'), state: state('draining'), drain: { ok: false, reason: 'timed out' } },
      {
        kind: 'writeState',
        state: { phase: 'rebooting' },
        tell: { event: { type: 'Warning' }, notify: { event: 'reboot' } },
      },
    ],
    [
      'cancels when the sentinel disappears before the reboot',
      { state: state('draining'), rebootRequired: false },
      { kind: 'writeState', state: { phase: 'recovering', outcome: 'cancelled' } },
    ],
    [
      'keeps going while the sentinel cannot be checked',
      { state: state('draining'), rebootRequired: null },
      { kind: 'drain' },
    ],
    [
      'notices a reboot by someone else during the drain',
      { state: state('draining'), bootId: 'boot-2' },
      { kind: 'writeState', state: { phase: 'recovering', outcome: 'rebooted' } },
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
      { state: state('rebooting', { rebootAtMs: NOW + MINUTE }) },
      { kind: 'wait', reason: 'reboot-delay', untilMs: NOW + MINUTE, watch: true },
    ],
    ['reboots when the delay is over', { state: state('rebooting', { rebootAtMs: NOW }) }, { kind: 'reboot' }],
    [
      'waits for the host to go down once commanded',
      { state: commanded, rebootCommandedMs: NOW - 5 * MINUTE },
      { kind: 'wait', reason: 'rebooting', untilMs: NOW + 15 * MINUTE },
    ],
    ['commands again after a restart while the host is still up', { state: commanded }, { kind: 'reboot' }],
    [
      'reports failure when the boot id stays the same past twice the expected time',
      { state: commanded, now: NOW + 15 * MINUTE, rebootCommandedMs: NOW - 5 * MINUTE },
      {
        kind: 'writeState',
        state: { phase: 'recovering', outcome: 'failed' },
        tell: { event: { type: 'Warning', reason: 'RebootFailed' }, notify: { event: 'failed' } },
      },
    ],
    [
      'keeps the node cordoned after a failed reboot when onFailure says so',
      { config: onFailure('stayCordoned'), state: commanded, now: NOW + HOUR },
      { kind: 'writeState', state: { phase: 'recovering', outcome: 'failed', keepCordoned: true } },
    ],
    [
      'sees the new boot id and starts recovering',
      { state: commanded, bootId: 'boot-2' },
      { kind: 'writeState', state: { phase: 'recovering', outcome: 'rebooted', bootId: 'boot-1' } },
    ],
    [
      'does not cancel once the reboot is commanded',
      { state: commanded, rebootRequired: false, rebootCommandedMs: NOW },
      { kind: 'wait', reason: 'rebooting' },
    ],
  ])('g1 $name', ({ situation, expected }) => {
    expect(act(situation)).toMatchObject(expected);
  });
});

describe('recovering', () => {
  const back = { bootId: 'boot-2', rebootRequired: false };
  const labelled = state('recovering', { labels: { 'example.com/maintenance': null } });
  const post = { labels: { 'example.com/patched': 'true' } };
  rows([
    [
      'waits for the node to be Ready after the reboot',
      { ...back, state: labelled, node: { ready: false, unschedulable: true } },
      { kind: 'wait', reason: 'node-not-ready', watch: true },
    ],
    [
      'removes the pre-reboot labels and sets the post-reboot ones in one patch',
      { ...back, state: labelled, node: { unschedulable: true, labels: { 'example.com/maintenance': 'reboot' } } },
      {
        kind: 'writeState',
        state: { phase: 'recovering', labels: {} },
        labels: { 'example.com/maintenance': null, 'example.com/patched': 'true' },
      },
    ],
    [
      'uncordons a node it cordoned',
      { ...back, state: state('recovering'), node: { unschedulable: true, ...post } },
      { kind: 'uncordon' },
    ],
    [
      'records the uncordon before going on',
      { ...back, state: state('recovering'), node: post },
      { kind: 'writeState', state: { cordoned: false } },
    ],
    [
      'never uncordons a node an admin cordoned',
      {
        ...back,
        state: state('recovering', { cordoned: false }),
        node: { unschedulable: true, ...post },
        slots: [slot('general', 0, 'g1')],
      },
      { kind: 'releaseSlots' },
    ],
    [
      'releases its slots after the uncordon',
      {
        ...back,
        state: state('recovering', { cordoned: false }),
        node: post,
        slots: [slot('general', 0, 'g1'), slot('fleet', 2, 'g1')],
      },
      {
        kind: 'releaseSlots',
        slots: [
          { group: 'fleet', index: 2 },
          { group: 'general', index: 0 },
        ],
      },
    ],
    [
      'drops the record, remembers the reboot and says done',
      { ...back, now: NOW, state: state('recovering', { cordoned: false }), node: post },
      {
        kind: 'writeState',
        state: null,
        lastReboot: { atMs: NOW, bootId: 'boot-2', sentinelSurvived: false },
        tell: { event: { reason: 'RebootDone' }, notify: { event: 'done' } },
      },
    ],
    [
      'reports a reboot loop when the sentinel survived the reboot',
      { ...back, rebootRequired: true, state: state('recovering', { cordoned: false }), node: post },
      {
        kind: 'writeState',
        state: null,
        lastReboot: { sentinelSurvived: true },
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
      { ...back, now: NOW, state: state('recovering', { cordoned: false }), node: { ...post, unschedulable: true } },
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
      { state: state('recovering', { outcome: 'failed', keepCordoned: true }), node: { unschedulable: true } },
      { kind: 'writeState', state: { cordoned: false }, tell: { event: { type: 'Warning', reason: 'LeftCordoned' } } },
    ],
    [
      'after a failed attempt: does not wait for Ready or set post-reboot labels',
      { state: state('recovering', { outcome: 'failed' }), node: { ready: false, unschedulable: true } },
      { kind: 'uncordon' },
    ],
    [
      'after a failed attempt: records the failure and the earliest retry (window end)',
      { state: state('recovering', { outcome: 'failed', cordoned: false, reason: 'drain failed: x' }) },
      {
        kind: 'writeState',
        state: { phase: 'failed', attempt: 1, retryAfterMs: CLOSE, reason: 'drain failed: x', slots: [] },
      },
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
  const back = { bootId: 'boot-2' };
  rows([
    ['in acquiring, holding no slot yet, tries again', { state: state('acquiring') }, { kind: 'acquireSlot' }],
    [
      'in acquiring, holding its slot, checks blockers before cordon',
      { state: state('acquiring'), slots: [slot('general', 0, 'g1')], blockers: null },
      { kind: 'checkBlockers' },
    ],
    [
      'in cordoning, cordoned already, goes on to drain',
      { state: state('cordoning'), node: { unschedulable: true } },
      { kind: 'writeState', state: { phase: 'draining' } },
    ],
    [
      'in draining, drains again (pods may be left)',
      { state: state('draining'), node: { unschedulable: true } },
      { kind: 'drain' },
    ],
    [
      'in rebooting, before the reboot took place, commands it',
      { state: state('rebooting'), node: { unschedulable: true } },
      { kind: 'reboot' },
    ],
    [
      'in rebooting, after the reboot, recovers',
      { ...back, state: state('rebooting'), node: { unschedulable: true } },
      { kind: 'writeState', state: { phase: 'recovering' } },
    ],
    [
      'in recovering, continues undoing',
      { ...back, state: state('recovering'), node: { unschedulable: true } },
      { kind: 'writeState', state: { labels: {} }, labels: { 'example.com/patched': 'true' } },
    ],
  ])('g1 $name', ({ situation, expected }) => {
    expect(act(situation)).toMatchObject(expected);
  });
});
