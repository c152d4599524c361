// When the attempt's Alertmanager silence is created and ended (pure). Created once the node holds
// its grant, before the cordon, so the alerts of the drain are already muted; ended once the node is
// back in service (uncordoned, or left cordoned by the policy), before the grant is given back. The
// extensions in between are the shell's silence keeper (agent/silence-keeper.ts), since a drain or
// a reboot can outlast the silence while the loop is busy or down.
import type { AgentConfig } from '../../policy/model.ts';
import type { NodeState } from '../../policy/state.ts';
import type { Action } from './facts.ts';

/** The silence to create before the cordon, if the policy asks for one and the attempt has none. */
export function silenceBeforeCordon(config: AgentConfig, s: NodeState): Action | undefined {
  if (config.policy.silences === null || s.silence !== undefined) return undefined;
  return { kind: 'silence', op: 'create', state: s };
}

/**
 * The silence to end (after its grace) once the attempt has undone the cordon. Without settings
 * (the policy dropped spec.silences meanwhile) it cannot be reached and lapses by itself.
 */
export function silenceAfterUncordon(config: AgentConfig, s: NodeState): Action | undefined {
  if (config.policy.silences === null || s.silence === undefined || s.silence.ended) return undefined;
  return { kind: 'silence', op: 'end', state: s };
}

/** The record after the shell carried out `op` (`id`: what Alertmanager answered). */
export function withSilence(s: NodeState, op: 'create' | 'end', id: string, nowMs: number): NodeState {
  if (op === 'create') return { ...s, silence: { id, startedMs: nowMs, ended: false } };
  return { ...s, silence: { id, startedMs: s.silence?.startedMs ?? nowMs, ended: true } };
}
