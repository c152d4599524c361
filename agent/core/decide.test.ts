// Table tests of the start decisions: sensing, the start gate, blockers and the budget. Each row
// reads as a sentence: "g1 <situation> -> <what it does>". Fixtures: test/fakes/decide-fixtures.ts.
import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE, count, percent, testConfig } from '../../test/fakes/config.ts';
import {
  act,
  CLOSE,
  NOW,
  OPEN,
  WINDOW,
  at,
  peer,
  slot,
  state,
  type Situation,
} from '../../test/fakes/decide-fixtures.ts';
import { HOLD_KEY, REBOOT_REQUIRED_LABEL } from '../../policy/keys.ts';

type Row = [string, Situation, Record<string, unknown>];

const rows = (table: Row[]) => it.each(table.map(([name, situation, expected]) => ({ name, situation, expected })));

describe('sensing', () => {
  rows([
    [
      'marks the node when the sentinel appears',
      { node: { labels: { [REBOOT_REQUIRED_LABEL]: 'false' } } },
      { kind: 'markRebootRequired', required: true },
    ],
    [
      'unmarks the node when the sentinel is gone',
      { rebootRequired: false, node: { labels: { [REBOOT_REQUIRED_LABEL]: 'true' } } },
      { kind: 'markRebootRequired', required: false },
    ],
    ['does not mark again while the mark is there', {}, { kind: 'writeState' }],
    [
      'changes no mark while the sentinel cannot be checked',
      { rebootRequired: null, node: { labels: { [REBOOT_REQUIRED_LABEL]: 'true' } } },
      { kind: 'wait', reason: 'sentinel-unknown', watch: false },
    ],
    [
      'waits, idle, while no reboot is needed',
      { rebootRequired: false },
      { kind: 'wait', reason: 'not-required', watch: false },
    ],
    ['waits while it does not see its own Node', { node: null }, { kind: 'wait', reason: 'node-unknown' }],
  ])('g1 $name', ({ situation, expected }) => {
    expect(act(situation)).toMatchObject(expected);
  });
});

describe('start gate: window, pause, hold, loop guard, failed attempts', () => {
  const tooShort = CLOSE - 40 * MINUTE;
  const paused = testConfig({ windows: WINDOW, pause: { kind: 'indefinite' } });
  const pausedUntil = testConfig({ windows: WINDOW, pause: { kind: 'until', epochMs: NOW + HOUR } });
  const blackout = testConfig({
    windows: WINDOW,
    blackouts: [
      {
        start: { kind: 'date', date: '2026-06-01' },
        end: { kind: 'date', date: '2026-06-02' },
        reason: 'freeze',
        source: 'fleet',
      },
    ],
  });
  rows([
    [
      'starts right when the window opens',
      { now: OPEN },
      { kind: 'writeState', state: { phase: 'acquiring', attempt: 1 } },
    ],
    [
      'starts with exactly drain timeout + expected reboot time left',
      { now: tooShort },
      { kind: 'writeState', state: { phase: 'acquiring' } },
    ],
    [
      'waits with one millisecond too little left',
      { now: tooShort + 1 },
      { kind: 'wait', reason: 'window-too-short', untilMs: at('2026-06-08T22:00:00Z'), watch: false },
    ],
    [
      'waits before the window, until it opens',
      { now: OPEN - 1 },
      { kind: 'wait', reason: 'outside-window', untilMs: OPEN, watch: false },
    ],
    [
      'waits at the window end, until next week',
      { now: CLOSE },
      { kind: 'wait', reason: 'outside-window', untilMs: at('2026-06-08T22:00:00Z') },
    ],
    ['waits while the policy is paused', { config: paused }, { kind: 'wait', reason: 'paused', watch: false }],
    [
      'waits while paused until later in the window',
      { config: pausedUntil },
      { kind: 'wait', reason: 'paused', untilMs: NOW + HOUR },
    ],
    ['waits during a blackout', { config: blackout }, { kind: 'wait', reason: 'outside-window' }],
    [
      'waits while held by the hold label',
      { node: { labels: { [HOLD_KEY]: 'db-migration' } } },
      {
        kind: 'wait',
        reason: 'hold',
        detail: expect.stringContaining('db-migration') as unknown,
        blockers: [{ kind: 'hold', source: 'label', value: 'db-migration' }],
      },
    ],
    [
      'waits while held by the hold annotation',
      { node: { annotations: { [HOLD_KEY]: 'true' } } },
      { kind: 'wait', reason: 'hold', watch: false },
    ],
    ['ignores a hold set to "false"', { node: { labels: { [HOLD_KEY]: 'false' } } }, { kind: 'writeState' }],
    [
      'waits out the loop back-off after a reboot the sentinel survived',
      { lastReboot: { atMs: NOW - HOUR, bootId: 'boot-1', sentinelSurvived: true } },
      { kind: 'wait', reason: 'reboot-loop', untilMs: NOW + 5 * HOUR },
    ],
    [
      'starts again once the loop back-off is over',
      { lastReboot: { atMs: NOW - 6 * HOUR, bootId: 'boot-1', sentinelSurvived: true } },
      { kind: 'writeState' },
    ],
    [
      'is not held back by a reboot that cleared the sentinel',
      { lastReboot: { atMs: NOW - MINUTE, bootId: 'boot-1', sentinelSurvived: false } },
      { kind: 'writeState' },
    ],
    [
      'waits for a later window after a failed attempt',
      { state: state('failed', { retryAfterMs: CLOSE, reason: 'drain failed' }) },
      { kind: 'wait', reason: 'retry-later', untilMs: CLOSE, watch: false },
    ],
    [
      'starts attempt 2 in the next window after a failed attempt',
      { state: state('failed', { attempt: 1, retryAfterMs: NOW - 1 }) },
      { kind: 'writeState', state: { phase: 'acquiring', attempt: 2 } },
    ],
    [
      'drops the failure record once no reboot is needed',
      { state: state('failed', { retryAfterMs: CLOSE }), rebootRequired: false },
      { kind: 'writeState', state: null },
    ],
  ])('g1 $name', ({ situation, expected }) => {
    expect(act(situation)).toMatchObject(expected);
  });
});

describe('blockers', () => {
  const pod = { kind: 'pod', pod: 'ml/training-0' } as const;
  const unknown = { kind: 'unknown', blocker: 'alerts', message: 'Prometheus: connection refused' } as const;
  rows([
    ['checks blockers before taking a slot', { blockers: null }, { kind: 'checkBlockers' }],
    ['checks again when the last check is a check interval old', { blockersAgeMs: MINUTE }, { kind: 'checkBlockers' }],
    [
      'waits while a pod blocker matches, and keeps watching',
      { blockers: [pod] },
      { kind: 'wait', reason: 'blocked', untilMs: NOW + MINUTE, watch: true, blockers: [pod] },
    ],
    [
      'waits when a blocker cannot be evaluated',
      { blockers: [unknown] },
      { kind: 'wait', reason: 'blocked', detail: expect.stringContaining('connection refused') as unknown },
    ],
    [
      'records the attempt before taking a slot when blockers are clear',
      {},
      { kind: 'writeState', state: { phase: 'acquiring', bootId: 'boot-1', slots: [] } },
    ],
    [
      'gives up its slot when a blocker appears before cordon',
      { state: state('acquiring'), slots: [slot('general', 0, 'g1')], blockers: [pod], blockersSinceLastStep: true },
      { kind: 'releaseSlots', slots: [{ group: 'general', index: 0, holder: 'g1' }] },
    ],
    [
      'checks blockers again right before cordon',
      { state: state('acquiring'), slots: [slot('general', 0, 'g1')], blockersSinceLastStep: false },
      { kind: 'checkBlockers' },
    ],
    [
      'drops its record after giving up its slots',
      { state: state('acquiring'), blockers: [pod] },
      { kind: 'writeState', state: null, tell: { event: { reason: 'RebootPostponed' } } },
    ],
  ])('g1 $name', ({ situation, expected }) => {
    expect(act(situation)).toMatchObject(expected);
  });
});

describe('budget and slots', () => {
  const acquiring = state('acquiring');
  const fleet = testConfig({ windows: WINDOW, budget: count(2), fleetBudget: count(1) });
  const gpu = { labels: { pool: 'gpu' } };
  rows([
    ['starts the watches when it wants a slot', { peers: null }, { kind: 'watch' }],
    [
      'takes the lowest free slot',
      { state: acquiring },
      { kind: 'acquireSlot', group: 'general', candidate: { index: 0, expected: null } },
    ],
    [
      'waits, watching, while another node holds the only slot',
      { state: acquiring, slots: [slot('general', 0, 'g2', { renewTimeMs: NOW - MINUTE })] },
      { kind: 'wait', reason: 'budget', group: 'general', watch: true, untilMs: NOW + 14 * MINUTE },
    ],
    [
      'waits while another node of the pool is NotReady',
      { peers: [peer('g2', { ready: false }), peer('g3')] },
      { kind: 'wait', reason: 'budget' },
    ],
    [
      'waits while another node of the pool is cordoned',
      { peers: [peer('g2', { unschedulable: true }), peer('g3')] },
      { kind: 'wait', reason: 'budget' },
    ],
    [
      'counts a NotReady node holding a slot once',
      {
        config: testConfig({ windows: WINDOW, budget: count(2) }),
        state: acquiring,
        peers: [peer('g2', { ready: false }), peer('g3')],
        slots: [slot('general', 0, 'g2')],
      },
      { kind: 'acquireSlot', candidate: { index: 1 } },
    ],
    [
      'does not count its own cordon against itself',
      { state: acquiring, node: { unschedulable: true } },
      { kind: 'acquireSlot', candidate: { index: 0 } },
    ],
    [
      'ignores unavailable nodes of other pools',
      { state: acquiring, peers: [peer('x1', { ...gpu, ready: false })] },
      { kind: 'acquireSlot', candidate: { index: 0 } },
    ],
    [
      'with budget 2 and one node NotReady, only tries slot 0',
      {
        config: testConfig({ windows: WINDOW, budget: count(2) }),
        state: acquiring,
        peers: [peer('g2', { ready: false }), peer('g3')],
        slots: [slot('general', 0, 'g3')],
      },
      { kind: 'wait', reason: 'budget' },
    ],
    [
      'with 25% of 8 nodes, two may go',
      {
        config: testConfig({ windows: WINDOW, budget: percent(25) }),
        state: acquiring,
        peers: ['g2', 'g3', 'g4', 'g5', 'g6', 'g7', 'g8'].map((n) => peer(n)),
        slots: [slot('general', 0, 'g2')],
      },
      { kind: 'acquireSlot', candidate: { index: 1 } },
    ],
    [
      'with 10% of 3 nodes, still one may go',
      { config: testConfig({ windows: WINDOW, budget: percent(10) }), state: acquiring },
      { kind: 'acquireSlot', candidate: { index: 0 } },
    ],
    [
      'takes over the slot of a node that no longer exists',
      { state: acquiring, slots: [slot('general', 0, 'gone')] },
      { kind: 'acquireSlot', candidate: { index: 0, expected: { holder: 'gone' } } },
    ],
    [
      'takes over a slot not renewed within its TTL',
      { state: acquiring, slots: [slot('general', 0, 'g2', { renewTimeMs: NOW - 15 * MINUTE })] },
      { kind: 'acquireSlot', candidate: { index: 0, expected: { holder: 'g2' } } },
    ],
    [
      'takes the policy slot first, then the fleet slot',
      { config: fleet, state: acquiring },
      { kind: 'acquireSlot', group: 'general' },
    ],
    [
      'holding the policy slot, takes the fleet slot',
      { config: fleet, state: acquiring, slots: [slot('general', 0, 'g1')] },
      { kind: 'acquireSlot', group: 'fleet', candidate: { index: 0 } },
    ],
    [
      'holds its policy slot while the fleet cap is spent elsewhere',
      {
        config: fleet,
        state: acquiring,
        peers: [peer('g2'), peer('x1', gpu)],
        slots: [slot('general', 0, 'g1'), slot('fleet', 0, 'x1')],
      },
      { kind: 'wait', reason: 'budget', group: 'fleet', detail: expect.stringContaining('fleet-wide cap') as unknown },
    ],
    [
      'counts NotReady nodes of other pools against the fleet cap',
      {
        config: fleet,
        state: acquiring,
        peers: [peer('x1', { ...gpu, ready: false })],
        slots: [slot('general', 0, 'g1')],
      },
      { kind: 'wait', reason: 'budget' },
    ],
    [
      'adopts slots it holds without a record (crash right after taking them)',
      { slots: [slot('general', 0, 'g1')] },
      { kind: 'writeState', state: { phase: 'acquiring' } },
    ],
    [
      'releases its slots when the window closes while it waits',
      { state: acquiring, now: CLOSE, slots: [slot('general', 0, 'g1')] },
      { kind: 'releaseSlots' },
    ],
    [
      'releases its slots when a hold appears while it waits',
      { state: acquiring, node: { labels: { [HOLD_KEY]: 'x' } }, slots: [slot('general', 0, 'g1')] },
      { kind: 'releaseSlots' },
    ],
    [
      'keeps the failure count when it gives up a retry',
      { state: state('acquiring', { attempt: 2 }), now: CLOSE },
      { kind: 'writeState', state: { phase: 'failed', attempt: 1 } },
    ],
  ])('g1 $name', ({ situation, expected }) => {
    expect(act(situation)).toMatchObject(expected);
  });
});

describe('cordon decision', () => {
  const held = { state: state('acquiring'), slots: [slot('general', 0, 'g1')] };
  it('g1 records cordoning with everything it will change, then cordons', () => {
    expect(act({ ...held, node: { labels: { 'example.com/maintenance': 'none' } } })).toMatchObject({
      kind: 'writeState',
      state: {
        phase: 'cordoning',
        cordoned: true,
        slots: [{ group: 'general', index: 0 }],
        labels: { 'example.com/maintenance': 'none' },
        bootId: 'boot-1',
      },
      tell: { event: { type: 'Normal', reason: 'Cordoning' } },
    });
  });
  it('g1 remembers that an admin cordoned it and will not uncordon it', () => {
    expect(act({ ...held, node: { unschedulable: true } })).toMatchObject({
      kind: 'writeState',
      state: { phase: 'cordoning', cordoned: false, labels: { 'example.com/maintenance': null } },
      tell: { event: { reason: 'AlreadyCordoned' } },
    });
  });
  it('g1 does not record a pre-reboot label that already has its value', () => {
    expect(act({ ...held, node: { labels: { 'example.com/maintenance': 'reboot' } } })).toMatchObject({
      state: { labels: {} },
    });
  });
  it('g1 in dry run says what it would do instead of cordoning', () => {
    expect(act({ ...held, dryRun: true })).toEqual({
      kind: 'reportDryRun',
      cordon: true,
      labels: { 'example.com/maintenance': 'reboot' },
    });
  });
  it('g1 in dry run gives its slot back after reporting, and waits for the next window', () => {
    expect(act({ ...held, dryRun: true, dryRunReportedMs: NOW })).toMatchObject({ kind: 'releaseSlots' });
    expect(act({ state: state('acquiring'), dryRun: true, dryRunReportedMs: NOW })).toEqual({
      kind: 'writeState',
      state: null,
    });
    expect(act({ dryRun: true, dryRunReportedMs: NOW })).toMatchObject({
      kind: 'wait',
      reason: 'dry-run-done',
      untilMs: CLOSE,
      watch: false,
    });
    expect(act({ dryRun: true, dryRunReportedMs: OPEN - 1 })).toMatchObject({
      kind: 'writeState',
      state: { phase: 'acquiring' },
    });
  });
});

describe('corrupt state', () => {
  const corrupt = { kind: 'corrupt', raw: '{"phase":', problem: 'is not JSON' } as const;
  rows([
    ['starts the watches to find its slots', { state: corrupt, peers: null }, { kind: 'watch' }],
    ['releases the slots it holds', { state: corrupt, slots: [slot('general', 0, 'g1')] }, { kind: 'releaseSlots' }],
    [
      'discards the record with a Warning, leaving cordon and labels alone',
      { state: corrupt, node: { unschedulable: true } },
      {
        kind: 'writeState',
        state: null,
        tell: {
          event: {
            type: 'Warning',
            reason: 'StateDiscarded',
            message: expect.stringContaining('is not JSON') as unknown,
          },
        },
      },
    ],
  ])('g1 with a corrupt record $name', ({ situation, expected }) => {
    // It leaves cordon and labels as found: no uncordon, and no labels restored with the write.
    const action = act(situation);
    expect(action).toMatchObject(expected);
    expect(action).not.toHaveProperty('labels');
  });
});
