// Small builders shared by the decision modules (pure).
import { compileSchedule, type CompiledSchedule } from '../../policy/windows.ts';
import type { AgentConfig, Schedule } from '../../policy/model.ts';
import type { Action, Facts, Tell, WaitReason } from './facts.ts';
import type { NodeState } from '../../policy/state.ts';
import type { FailureNote } from '../../policy/failures.ts';
import type { NodeEvent } from '../../kube/ports.ts';

const compiled = new WeakMap<Schedule, CompiledSchedule>();

/** The policy's schedule, compiled once per config object (the forecast asks millions of times). */
export function scheduleOf(config: AgentConfig): CompiledSchedule {
  let s = compiled.get(config.policy.schedule);
  if (s === undefined) {
    s = compileSchedule(config.policy.schedule);
    compiled.set(config.policy.schedule, s);
  }
  return s;
}

/** Time a start needs left in its window: the drain timeout plus the expected reboot time. */
export function neededMs(config: AgentConfig): number {
  return config.policy.drain.timeoutMs + config.policy.reboot.expectedDurationMs;
}

/** A wait action; `untilMs` null or undefined: until something changes. */
export function wait(
  reason: WaitReason,
  detail: string,
  opts: {
    untilMs?: number | null | undefined;
    watch: boolean;
    blockers?: Extract<Action, { kind: 'wait' }>['blockers'];
    group?: string;
  },
): Action {
  return {
    kind: 'wait',
    reason,
    detail,
    watch: opts.watch,
    ...(opts.untilMs !== undefined && opts.untilMs !== null ? { untilMs: opts.untilMs } : {}),
    ...(opts.blockers !== undefined ? { blockers: opts.blockers } : {}),
    ...(opts.group !== undefined ? { group: opts.group } : {}),
  };
}

/** A writeState action (state null: remove the record). */
export function writeState(
  state: NodeState | null,
  extra: {
    labels?: Readonly<Record<string, string | null>>;
    tell?: Tell;
    lastReboot?: Extract<Action, { kind: 'writeState' }>['lastReboot'];
    failure?: FailureNote;
  } = {},
): Action {
  return { kind: 'writeState', state, ...extra };
}

/** A Normal Event. */
export function normal(reason: string, message: string): NodeEvent {
  return { type: 'Normal', reason, message };
}

/** A Warning Event. */
export function warning(reason: string, message: string): NodeEvent {
  return { type: 'Warning', reason, message };
}

/** The node booted since the attempt started: the reboot happened (ours or someone else's). */
export function bootChanged(f: Facts, s: NodeState): boolean {
  return f.bootId !== s.bootId;
}

/** `ms` as RFC 3339, for messages. */
export function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Labels of `wanted` that differ on the node (null in `wanted`: the label must be absent). */
export function labelChanges<V extends string | null>(
  wanted: Readonly<Record<string, V>>,
  current: Readonly<Record<string, string>>,
): Record<string, V> {
  const out: Record<string, V> = {};
  for (const [key, value] of Object.entries(wanted)) {
    const has = Object.hasOwn(current, key);
    if (value === null ? has : current[key] !== value) out[key] = value;
  }
  return out;
}
