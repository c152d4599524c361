// Table tests of the start decisions: sensing, the start gate, blockers, the request and the grant. Each row
// reads as a sentence: "g1 <situation> -> <what it does>". Fixtures: test/fakes/decide-fixtures.ts.
import { describe, expect, it } from 'vitest';
import { HOUR, MINUTE, testConfig } from '../../test/fakes/config.ts';
import { act, CLOSE, EPOCH, NOW, OPEN, WINDOW, at, state, type Situation } from '../../test/fakes/decide-fixtures.ts';
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
    ['checks blockers before asking for a grant', { blockers: null }, { kind: 'checkBlockers' }],
    ['checks again when the last check is a check interval old', { blockersAgeMs: MINUTE }, { kind: 'checkBlockers' }],
    [
      'asks with the blockers named, so the coordinator does not grant',
      { blockers: [pod] },
      {
        kind: 'writeState',
        state: { phase: 'acquiring', blocked: expect.stringContaining('ml/training-0') as unknown },
      },
    ],
    [
      'waits, watching, while a pod blocker matches',
      {
        state: state('acquiring', {
          blocked: 'pod ml/training-0 on the node matches a pod blocker',
          renewedMs: NOW - MINUTE,
        }),
        blockers: [pod],
      },
      { kind: 'wait', reason: 'blocked', untilMs: NOW + MINUTE, watch: true, blockers: [pod] },
    ],
    [
      'waits when a blocker cannot be evaluated',
      { blockers: [unknown], state: state('acquiring', { blocked: 'x' }) },
      { kind: 'writeState', state: { blocked: expect.stringContaining('connection refused') as unknown } },
    ],
    [
      'publishes its request when blockers are clear',
      {},
      { kind: 'writeState', state: { phase: 'acquiring', bootId: 'boot-1', startedMs: NOW } },
    ],
    [
      'clears the blockers from its request when they clear, keeping since when it asks',
      { state: state('acquiring', { blocked: 'pod ml/training-0' }) },
      { kind: 'writeState', state: { phase: 'acquiring', startedMs: NOW - 10 * MINUTE } },
    ],
    [
      'gives back a grant when a blocker appears before cordon',
      { state: state('acquiring'), grant: EPOCH, blockers: [pod] },
      { kind: 'writeState', state: { phase: 'acquiring', blocked: expect.any(String) as unknown } },
    ],
    [
      'gives back a grant while blocked',
      {
        state: state('acquiring', { blocked: 'pod ml/training-0 on the node matches a pod blocker' }),
        grant: EPOCH,
        blockers: [pod],
      },
      { kind: 'releaseGrant', grant: { epoch: EPOCH } },
    ],
    [
      'checks blockers again right before cordon',
      { state: state('acquiring'), grant: EPOCH, blockersSinceLastStep: false },
      { kind: 'checkBlockers' },
    ],
  ])('g1 $name', ({ situation, expected }) => {
    expect(act(situation)).toMatchObject(expected);
  });
});

describe('request and grant', () => {
  const POD = { kind: 'pod', pod: 'ml/training-0' } as const;
  const POD_BLOCKED = 'pod ml/training-0 on the node matches a pod blocker';
  const acquiring = state('acquiring', { renewedMs: NOW - MINUTE });
  rows([
    ['starts the watch of its own grant when it wants one', { grant: false }, { kind: 'watch' }],
    [
      'waits for the grant, watching, once its request is published',
      { state: acquiring },
      { kind: 'wait', reason: 'grant', watch: true, untilMs: NOW + MINUTE },
    ],
    [
      'refreshes its request every third of the grant TTL while it waits (its sign of life to the coordinator)',
      { state: state('acquiring', { renewedMs: NOW - 5 * MINUTE }) },
      {
        kind: 'writeState',
        state: { phase: 'acquiring', renewedMs: NOW, startedMs: NOW - 10 * MINUTE, sinceMs: NOW - 5 * MINUTE },
      },
    ],
    [
      'counts a request not yet refreshed from when it was written',
      { state: state('acquiring', { sinceMs: NOW - 5 * MINUTE }) },
      { kind: 'writeState', state: { phase: 'acquiring', renewedMs: NOW } },
    ],
    [
      'wakes in time for the next refresh when it comes before the next check',
      { state: state('acquiring', { renewedMs: NOW - 4.5 * MINUTE }) },
      { kind: 'wait', reason: 'grant', untilMs: NOW + 0.5 * MINUTE },
    ],
    [
      'refreshes its request while blockers hold it too',
      { state: state('acquiring', { blocked: POD_BLOCKED, renewedMs: NOW - 6 * MINUTE }), blockers: [POD] },
      { kind: 'writeState', state: { phase: 'acquiring', blocked: POD_BLOCKED, renewedMs: NOW } },
    ],
    [
      'does not refresh a request once granted: it goes on to the cordon',
      { state: state('acquiring', { renewedMs: NOW - 6 * MINUTE }), grant: EPOCH },
      { kind: 'writeState', state: { phase: 'cordoning' } },
    ],
    [
      'gives back a grant when the window closes while it waits',
      { state: acquiring, now: CLOSE, grant: EPOCH },
      { kind: 'releaseGrant', grant: { epoch: EPOCH } },
    ],
    [
      'withdraws its request when the window closes',
      { state: acquiring, now: CLOSE },
      { kind: 'writeState', state: null, tell: { event: { reason: 'RebootPostponed' } } },
    ],
    [
      'gives back a grant when a hold appears while it waits',
      { state: acquiring, node: { labels: { [HOLD_KEY]: 'x' } }, grant: EPOCH },
      { kind: 'releaseGrant' },
    ],
    [
      'gives back a grant it does not need (no reboot needed any more)',
      { rebootRequired: false, grant: EPOCH },
      { kind: 'releaseGrant' },
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
  const held = { state: state('acquiring'), grant: EPOCH };
  it('g1 records cordoning with the grant epoch and everything it will change, then cordons', () => {
    expect(act({ ...held, node: { labels: { 'example.com/maintenance': 'none' } } })).toMatchObject({
      kind: 'writeState',
      state: {
        phase: 'cordoning',
        grant: EPOCH,
        cordoned: false,
        labels: { 'example.com/maintenance': 'none' },
        bootId: 'boot-1',
      },
      tell: { event: { type: 'Normal', reason: 'Cordoning' } },
    });
  });
  it('g1 says an admin cordoned it already (and will not own that cordon)', () => {
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
  it('g1 in dry run says what it would do, asks for nothing and writes nothing', () => {
    expect(act({ dryRun: true, grant: false })).toEqual({
      kind: 'reportDryRun',
      cordon: true,
      labels: { 'example.com/maintenance': 'reboot' },
    });
    expect(act({ dryRun: true, blockers: null })).toEqual({ kind: 'checkBlockers' });
  });
  it('g1 in dry run reports once per window', () => {
    expect(act({ dryRun: true, dryRunReportedMs: NOW })).toMatchObject({
      kind: 'wait',
      reason: 'dry-run-done',
      untilMs: CLOSE,
      watch: false,
    });
    expect(act({ dryRun: true, dryRunReportedMs: OPEN - 1 })).toMatchObject({ kind: 'reportDryRun' });
  });
});

describe('corrupt state', () => {
  const corrupt = { kind: 'corrupt', raw: '{"phase":', problem: 'is not JSON' } as const;
  rows([
    ['starts the grant watch to find its grant', { state: corrupt, grant: false }, { kind: 'watch' }],
    ['gives back the grant it holds', { state: corrupt, grant: EPOCH }, { kind: 'releaseGrant' }],
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
