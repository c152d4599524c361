// Hooks around the reboot (spec.hooks), the agent's side (pure). The coordinator runs the Jobs and
// writes their results on the grant Lease (policy/hooks.ts); the agent only waits and reads:
//  - before the cordon (and before the drain of a node an admin cordoned): no step while the
//    pre-reboot hook is pending; a failed one with onFailure abort ends the attempt (a `pre-hook`
//    failure) before anything was cordoned; with onFailure continue the coordinator's Warning Event
//    says so and the reboot goes on;
//  - after the uncordon, before the grant is given back: ask for the post-reboot hook (mark it
//    pending), wait while it runs (the slot stays taken: the next node waits), record its result
//    in the record (a failure noted once, for spec.halt), then give the grant back.
// A grant given without the pre-hook mark (the policy gained its hook after the grant) has no
// pre-hook to wait for. A grant lost meanwhile has no post hook: there is no slot to run it in.
import type { AgentConfig } from '../../policy/model.ts';
import { encodeHookStatus, hookJobName } from '../../policy/hooks.ts';
import type { NodeState } from '../../policy/state.ts';
import type { FailureNote } from '../../policy/failures.ts';
import { formatDuration } from '../../policy/duration.ts';
import { normal, wait, warning, writeState } from './decide-common.ts';
import type { Action, Facts } from './facts.ts';
import type { Grant } from '../../kube/ports.ts';

/** Before the cordon: undefined to go on; a wait while the hook runs; `abort` with the reason when it failed. */
export function preHookGate(
  f: Facts,
  config: AgentConfig,
  s: NodeState,
): undefined | { readonly wait: Action } | { readonly abort: string } {
  const hook = config.policy.hooks?.preReboot;
  const mine = f.grant?.mine ?? null;
  if (hook === undefined || mine === null || mine.epoch !== s.grant) return undefined;
  const status = mine.hooks?.preReboot;
  if (status === undefined || status.state === 'succeeded') return undefined;
  if (status.state === 'pending') {
    const job = hookJobName('preReboot', f.nodeName, mine.epoch);
    const detail = `waiting for the pre-reboot hook ${hook.hook} (Job ${job}, timeout ${formatDuration(hook.timeoutMs)}) before the cordon`;
    return { wait: wait('pre-hook', detail, { watch: true }) };
  }
  if (hook.onFailure === 'continue') return undefined;
  return { abort: `pre-reboot hook ${hook.hook} failed: ${status.reason}` };
}

/**
 * After the uncordon (and the silence), before the grant goes back: the post-reboot hook's next
 * step, or undefined when there is none (no hook, no grant of this attempt, or its result recorded).
 */
export function postHookStep(f: Facts, config: AgentConfig, s: NodeState, nowMs: number): Action | undefined {
  const hook = config.policy.hooks?.postReboot;
  const mine = f.grant?.mine ?? null;
  if (hook === undefined || s.postHook !== undefined || mine === null || mine.epoch !== s.grant) return undefined;
  const status = mine.hooks?.postReboot;
  const job = hookJobName('postReboot', f.nodeName, mine.epoch);
  if (status === undefined)
    return {
      kind: 'requestHook',
      grant: mine,
      hook: 'postReboot',
      tell: {
        event: normal('PostHookRequested', `asked the coordinator for the post-reboot hook ${hook.hook} (Job ${job})`),
      },
    };
  if (status.state === 'pending')
    return wait(
      'post-hook',
      `waiting for the post-reboot hook ${hook.hook} (Job ${job}) before giving the grant back`,
      {
        watch: true,
      },
    );
  const recorded = { ...s, postHook: encodeHookStatus(status) };
  if (status.state === 'succeeded') return writeState(recorded);
  const reason = `post-reboot hook ${hook.hook} failed: ${status.reason}`;
  const failure: FailureNote = { atMs: nowMs, policy: s.policy, kind: 'post-hook', reason };
  return writeState(recorded, {
    failure,
    tell: { event: warning('PostHookFailed', `${reason}; giving the grant back`), notify: { event: 'failed', reason } },
  });
}

/** Why the pre-reboot hook holds the cordon under `grant` (the fence's fresh read); undefined: it does not. */
export function preHookHolds(config: AgentConfig, grant: Grant): string | undefined {
  const hook = config.policy.hooks?.preReboot;
  const status = grant.hooks?.preReboot;
  if (hook === undefined || status === undefined || status.state === 'succeeded') return undefined;
  if (status.state === 'pending') return `the pre-reboot hook ${hook.hook} is still running`;
  return hook.onFailure === 'abort' ? `the pre-reboot hook ${hook.hook} failed (${status.reason})` : undefined;
}
