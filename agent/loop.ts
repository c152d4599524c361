// The agent's imperative shell: sense, gather facts, ask the pure core (`nextAction`), carry out the
// answer, repeat. Everything it needs comes in through `RunAgentOptions`, so the wiring (main) only
// builds adapters and passes them here.
//
// Cost when idle: one watch of its own Node and a local sentinel check every checkIntervalMs; the
// watch of its own grant starts only while the node wants or holds one. The agent never lists or
// watches other Nodes or other grants: its cost does not grow with the fleet. Every port call may fail:
// the loop logs it, backs off (1 s doubling up to tuning.maxBackoffMs) and decides again from fresh
// facts. Every step is safe to repeat, so a retry, a crash or a restart all continue the same way.
// With `exitWhenIdle` (the supervisor's worker) an idle agent returns instead of waiting, and then
// costs nothing at all: the supervisor checks the sentinel and starts a worker again.
import { messageOf, TerminalError } from '../policy/errors.ts';
import { execute, stopWatch } from './act.ts';
import { isIdle, nextAction } from './core/decide.ts';
import type { Action, Facts } from './core/facts.ts';
import { LAST_REBOOT_ANNOTATION, STATE_ANNOTATION } from '../policy/keys.ts';
import { NO_OBSERVER, safely } from './observer.ts';
import { NO_LOG } from '../io/log.ts';
import {
  DEFAULT_TUNING,
  ownNode,
  type AgentOutcome,
  type Memory,
  type RunAgentOptions,
  type Runtime,
} from './runtime.ts';
import { decodeLastReboot, decodeState } from '../policy/state.ts';
import { createTeller, type Teller } from './tell.ts';
import { createWaker } from './wake.ts';
import { stopSilenceKeeper, syncSilenceKeeper } from './silence-lease.ts';

/**
 * Runs the agent of `nodeName` until `signal` aborts ('stopped'; the recorded state stays for the
 * next run) or, with `exitWhenIdle`, until it is idle ('idle').
 */
export async function runAgent(o: RunAgentOptions): Promise<AgentOutcome> {
  if (o.config.policy.blockers.alerts !== null && o.ports.alerts === null) {
    throw new TerminalError(
      `policy ${o.config.policy.name} has an alert blocker, but the agent has no Prometheus client; pass ports.alerts`,
    );
  }
  if (o.config.policy.silences !== null && (o.ports.silences ?? null) === null) {
    throw new TerminalError(
      `policy ${o.config.policy.name} has spec.silences, but the agent has no Alertmanager client; pass ports.silences`,
    );
  }
  if (o.config.policy.drain.volumeDetachTimeoutMs !== null && (o.ports.volumes ?? null) === null) {
    throw new TerminalError(
      `policy ${o.config.policy.name} waits for volumes to detach, but the agent has no VolumeAttachments client; pass ports.volumes`,
    );
  }
  const log = o.log ?? NO_LOG;
  const observer = safely(o.observer ?? NO_OBSERVER);
  const tuning = { ...DEFAULT_TUNING, ...o.tuning };
  const waker = createWaker(o.clock, o.signal);
  let failures = 0;
  const backOff = async (operation: string, err: unknown): Promise<void> => {
    failures++;
    observer.error(operation, messageOf(err));
    log.warn({ operation, err: messageOf(err), failures }, `${operation} failed; retrying`);
    await o.clock.sleep(Math.min(tuning.maxBackoffMs, 1_000 * 2 ** (failures - 1)), o.signal);
  };
  const retrying = async <T>(operation: string, fn: () => Promise<T>): Promise<T | undefined> => {
    while (!o.signal.aborted) {
      try {
        const value = await fn();
        failures = 0;
        return value;
      } catch (err: unknown) {
        if (o.signal.aborted) return undefined;
        await backOff(operation, err);
      }
    }
    return undefined;
  };

  const own = await retrying('watch own node', () => o.ports.nodes.watchOne(o.nodeName));
  if (own === undefined) return 'stopped';
  const offOwn = own.onChange(() => waker.poke());
  const memory: Memory = {
    rebootRequired: null,
    nextSenseMs: -Infinity,
    bootId: '',
    blockers: null,
    drain: null,
    rebootCommandedMs: null,
    dryRunReportedMs: null,
    dryRunState: null,
    watch: null,
    grantLost: null,
    silenceKeeper: null,
  };
  const rt: Runtime = { ...o, log, observer, tuning, dryRun: o.dryRun ?? false, own, waker, memory };
  const teller = createTeller(rt);
  let idle = false;
  try {
    const bootId = await retrying('read boot id', () => o.ports.host.bootId());
    if (bootId === undefined) return 'stopped';
    memory.bootId = bootId;
    log.info({ node: o.nodeName, policy: o.config.policy.name, bootId, dryRun: rt.dryRun }, 'agent started');
    while (!o.signal.aborted) {
      let action: Action | undefined;
      try {
        if (o.clock.now() >= memory.nextSenseMs) await sense(rt);
        waker.take();
        const facts = gather(rt);
        syncSilenceKeeper(rt, teller, facts.state);
        action = nextAction(facts, o.config, o.clock.now());
        observer.progress?.(nextDecisionByMs(action, memory.nextSenseMs, o.clock.now()));
        teller.decided(action, facts);
        if (o.exitWhenIdle && isIdle(action, facts)) {
          idle = true;
          break;
        }
        if (action.kind !== 'wait') log.debug({ action: action.kind }, `next: ${action.kind}`);
        await execute(rt, teller, action, facts);
        failures = 0;
      } catch (err: unknown) {
        if (o.signal.aborted) break;
        await backOff(action?.kind ?? 'decide', err);
      }
    }
  } finally {
    stopWatch(rt);
    stopSilenceKeeper(rt);
    offOwn();
    own.stop();
  }
  if (idle) return settleIdle(rt, teller);
  log.info({ node: o.nodeName }, 'agent stopped');
  return 'stopped';
}

/** Lets the last Events and notifications go out, then returns 'idle' (or 'stopped' when aborted meanwhile). */
async function settleIdle(rt: Runtime, teller: Teller): Promise<AgentOutcome> {
  // The Events and notifications of the last steps (RebootDone, "done") go out before the process
  // that sent them exits. Each is bounded (notify.ts: 47 s at most by default); the limit guards
  // against a call that never returns. A stop does not wait for them.
  const settled = new AbortController();
  await Promise.race([
    teller.settled().finally(() => settled.abort()),
    rt.clock.sleep(IDLE_SETTLE_LIMIT_MS, AbortSignal.any([rt.signal, settled.signal])),
  ]);
  if (rt.signal.aborted) {
    rt.log.info({ node: rt.nodeName }, 'agent stopped');
    return 'stopped';
  }
  rt.log.info(
    { idle: true },
    'agent idle: no reboot needed and nothing recorded on the Node; stopping until the sentinel appears',
  );
  return 'idle';
}

/** Longest wait for the last Events and notifications before an idle agent returns. */
export const IDLE_SETTLE_LIMIT_MS = 60_000;

/** Checks the sentinel (a local file or command: no API call). */
async function sense(rt: Runtime): Promise<void> {
  let required: boolean | null;
  try {
    required = await rt.ports.host.rebootRequired();
  } catch (err: unknown) {
    required = null;
    rt.log.warn({ err: messageOf(err) }, 'cannot check the sentinel');
  }
  rt.memory.nextSenseMs = rt.clock.now() + rt.config.agent.checkIntervalMs;
  if (required !== rt.memory.rebootRequired) {
    rt.memory.rebootRequired = required;
    rt.observer.rebootRequired(required);
  }
}

function gather(rt: Runtime): Facts {
  const m = rt.memory;
  const node = ownNode(rt);
  return {
    nodeName: rt.nodeName,
    node:
      node === undefined
        ? null
        : { labels: node.labels, annotations: node.annotations, unschedulable: node.unschedulable, ready: node.ready },
    state: rt.dryRun
      ? m.dryRunState === null
        ? { kind: 'none' }
        : { kind: 'ok', state: m.dryRunState }
      : decodeState(node?.annotations[STATE_ANNOTATION]),
    lastReboot: decodeLastReboot(node?.annotations[LAST_REBOOT_ANNOTATION]) ?? null,
    rebootRequired: m.rebootRequired,
    bootId: m.bootId,
    grant:
      m.watch === null
        ? null
        : { mine: m.watch.grant.list().find((g) => g.node === rt.nodeName) ?? null, lost: m.grantLost },
    blockers: m.blockers,
    drain: m.drain,
    rebootCommandedMs: m.rebootCommandedMs,
    dryRun: rt.dryRun,
    dryRunReportedMs: m.dryRunReportedMs,
  };
}

/** When the loop will decide again after carrying out `action` (what the liveness probe expects). */
function nextDecisionByMs(action: Action, nextSenseMs: number, nowMs: number): number {
  if (action.kind === 'wait') return Math.max(nowMs, Math.min(action.untilMs ?? Infinity, nextSenseMs));
  if (action.kind === 'drain') return Math.max(nowMs, action.deadlineMs);
  return nowMs;
}
