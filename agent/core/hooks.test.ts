// Table tests of the hooks on the agent's side: no cordon (nor drain) while the pre-reboot hook
// runs; a failed one aborts the attempt before anything is cordoned (a `pre-hook` failure) or, with
// onFailure continue, lets it go on; after the uncordon the post-reboot hook is asked for, waited
// for and recorded (a `post-hook` failure noted once) before the grant goes back — also after a
// failed attempt, never after a lost grant. The fence refuses the cordon while the hook holds.
import { describe, expect, it } from 'vitest';
import { testConfig } from '../../test/fakes/config.ts';
import { act, EPOCH, grantOf, NOW, state, WINDOW } from '../../test/fakes/decide-fixtures.ts';
import { CORDONED_BY_ANNOTATION } from '../../policy/keys.ts';
import type { HookRun } from '../../policy/hooks.ts';
import { preHookHolds } from './hooks.ts';

const JOB = { template: { spec: { containers: [{ name: 'x', image: 'tools:1' }] } } };
const run = (hook: string, onFailure: HookRun['onFailure'] = 'abort'): HookRun => ({
  hook,
  timeoutMs: 600_000,
  onFailure,
  template: JOB,
});
const config = (onFailure: HookRun['onFailure'] = 'abort') =>
  testConfig({ windows: WINDOW, hooks: { preReboot: run('step-down', onFailure), postReboot: run('step-up') } });
const ABORT = config('abort');
const CONTINUE = config('continue');
const ours = { unschedulable: true, annotations: { [CORDONED_BY_ANNOTATION]: EPOCH } };
const pending = { state: 'pending' } as const;
const succeeded = { state: 'succeeded' } as const;
const failed = { state: 'failed', reason: 'the Job failed: DeadlineExceeded' } as const;

describe('the pre-reboot hook, before the cordon', () => {
  it('waits while it runs, keeping the grant watch (and its renewal)', () => {
    const a = act({
      config: ABORT,
      grant: EPOCH,
      hooks: { preReboot: pending },
      state: state('cordoning', { cordoned: false }),
    });
    expect(a).toMatchObject({ kind: 'wait', reason: 'pre-hook', watch: true });
    expect(a.kind === 'wait' && a.detail).toMatch(
      /^waiting for the pre-reboot hook step-down \(Job patchwindow-pre-g1-[0-9a-f]{8}, timeout 10m\) before the cordon$/,
    );
  });

  it('does not drain a node an admin cordoned before the hook is done either', () => {
    expect(
      act({
        config: ABORT,
        grant: EPOCH,
        hooks: { preReboot: pending },
        state: state('cordoning', { cordoned: false }),
        node: { unschedulable: true },
      }),
    ).toMatchObject({ kind: 'wait', reason: 'pre-hook' });
  });

  it('cordons once it succeeded', () => {
    expect(
      act({
        config: ABORT,
        grant: EPOCH,
        hooks: { preReboot: succeeded },
        state: state('cordoning', { cordoned: false }),
      }),
    ).toMatchObject({
      kind: 'cordon',
      epoch: EPOCH,
    });
  });

  it('with onFailure abort: no cordon, the attempt fails with a pre-hook failure noted for spec.halt', () => {
    expect(
      act({
        config: ABORT,
        grant: EPOCH,
        hooks: { preReboot: failed },
        state: state('cordoning', { cordoned: false }),
      }),
    ).toMatchObject({
      kind: 'writeState',
      state: {
        phase: 'recovering',
        outcome: 'failed',
        cordoned: false,
        reason: 'pre-reboot hook step-down failed: the Job failed: DeadlineExceeded',
      },
      failure: {
        kind: 'pre-hook',
        policy: 'general',
        atMs: NOW,
        reason: 'pre-reboot hook step-down failed: the Job failed: DeadlineExceeded',
      },
      tell: { event: { type: 'Warning', reason: 'PreHookFailed' }, notify: { event: 'failed' } },
    });
  });

  it('with onFailure continue: the reboot goes on (the coordinator told it with a Warning Event)', () => {
    expect(
      act({
        config: CONTINUE,
        grant: EPOCH,
        hooks: { preReboot: failed },
        state: state('cordoning', { cordoned: false }),
      }),
    ).toMatchObject({
      kind: 'cordon',
    });
  });

  it('a grant given without the mark (the policy gained its hook later) has no pre hook to wait for', () => {
    expect(act({ config: ABORT, grant: EPOCH, state: state('cordoning', { cordoned: false }) })).toMatchObject({
      kind: 'cordon',
    });
  });

  it('a restarted agent that finds its own cordon goes on (the cordon proves the hook passed)', () => {
    expect(
      act({
        config: ABORT,
        grant: EPOCH,
        hooks: { preReboot: succeeded },
        state: state('cordoning', { cordoned: false }),
        node: ours,
      }),
    ).toMatchObject({ kind: 'writeState', state: { phase: 'draining', cordoned: true } });
  });

  it('the fence refuses the cordon while the hook runs or after it failed with abort, never after success or with continue', () => {
    const grant = (status?: typeof pending | typeof succeeded | typeof failed) => ({
      ...grantOf(EPOCH),
      ...(status ? { hooks: { preReboot: status } } : {}),
    });
    expect(preHookHolds(ABORT, grant(pending))).toBe('the pre-reboot hook step-down is still running');
    expect(preHookHolds(ABORT, grant(failed))).toBe(
      'the pre-reboot hook step-down failed (the Job failed: DeadlineExceeded)',
    );
    expect(preHookHolds(ABORT, grant(succeeded))).toBeUndefined();
    expect(preHookHolds(CONTINUE, grant(failed))).toBeUndefined();
    expect(preHookHolds(ABORT, grant())).toBeUndefined();
    expect(preHookHolds(testConfig(), grant(pending))).toBeUndefined();
  });
});

describe('the post-reboot hook, after the uncordon and before the grant goes back', () => {
  const back = (extra = {}) => state('recovering', { cordoned: false, ...extra });

  it('asks for it on the grant of the attempt once the node is back in service', () => {
    expect(act({ config: ABORT, grant: EPOCH, state: back(), bootId: 'boot-2' })).toMatchObject({
      kind: 'requestHook',
      hook: 'postReboot',
      grant: { epoch: EPOCH },
      tell: { event: { reason: 'PostHookRequested' } },
    });
  });

  it('not before the uncordon', () => {
    expect(
      act({ config: ABORT, grant: EPOCH, state: back({ cordoned: true }), node: ours, bootId: 'boot-2' }),
    ).toMatchObject({
      kind: 'uncordon',
    });
  });

  it('waits while it runs, keeping the grant (the next node waits)', () => {
    expect(
      act({ config: ABORT, grant: EPOCH, hooks: { postReboot: pending }, state: back(), bootId: 'boot-2' }),
    ).toMatchObject({
      kind: 'wait',
      reason: 'post-hook',
      watch: true,
    });
  });

  it('records a success, then gives the grant back', () => {
    expect(
      act({ config: ABORT, grant: EPOCH, hooks: { postReboot: succeeded }, state: back(), bootId: 'boot-2' }),
    ).toMatchObject({
      kind: 'writeState',
      state: { phase: 'recovering', postHook: 'succeeded' },
    });
    expect(
      act({
        config: ABORT,
        grant: EPOCH,
        hooks: { postReboot: succeeded },
        state: back({ postHook: 'succeeded' }),
        bootId: 'boot-2',
      }),
    ).toMatchObject({
      kind: 'releaseGrant',
    });
  });

  it('records a failure once, noted for spec.halt, then gives the grant back', () => {
    const a = act({ config: ABORT, grant: EPOCH, hooks: { postReboot: failed }, state: back(), bootId: 'boot-2' });
    expect(a).toMatchObject({
      kind: 'writeState',
      state: { postHook: 'failed: the Job failed: DeadlineExceeded' },
      failure: { kind: 'post-hook', reason: 'post-reboot hook step-up failed: the Job failed: DeadlineExceeded' },
      tell: { event: { type: 'Warning', reason: 'PostHookFailed' } },
    });
    const recorded = back({ postHook: 'failed: the Job failed: DeadlineExceeded' });
    expect(
      act({ config: ABORT, grant: EPOCH, hooks: { postReboot: failed }, state: recorded, bootId: 'boot-2' }),
    ).toMatchObject({
      kind: 'releaseGrant',
    });
  });

  it('runs after a failed attempt too (the pre hook failed, nothing was cordoned)', () => {
    expect(
      act({
        config: ABORT,
        grant: EPOCH,
        hooks: { preReboot: failed },
        state: back({ outcome: 'failed', reason: 'pre-reboot hook step-down failed' }),
      }),
    ).toMatchObject({ kind: 'requestHook' });
  });

  it('not after a lost grant: there is no slot to run it in', () => {
    expect(act({ config: ABORT, grant: null, state: back({ outcome: 'lost', reason: 'gone' }) })).toMatchObject({
      kind: 'writeState',
      state: null,
    });
    expect(act({ config: ABORT, grant: 'epoch-2', state: back({ outcome: 'lost', reason: 'gone' }) })).toMatchObject({
      kind: 'releaseGrant',
      grant: { epoch: 'epoch-2' },
    });
  });

  it('after a recorded result and the release, ends the failed attempt as before (retry later)', () => {
    expect(
      act({ config: ABORT, grant: null, state: back({ outcome: 'failed', reason: 'x', postHook: 'succeeded' }) }),
    ).toMatchObject({
      kind: 'writeState',
      state: { phase: 'failed' },
    });
  });
});
