// Carrying out one action of the decision core. Each step is one or two port calls; after its own
// writes the agent waits (briefly) until its watches show them, so the next decision starts from
// what it just did. Errors propagate to the loop, which backs off and decides again.
import type { Action, Facts } from './core/facts.ts';
import { drainNode } from './drain.ts';
import { planDrain, podName } from './core/drain-plan.ts';
import {
  LAST_REBOOT_ANNOTATION,
  REBOOT_REQUIRED_LABEL,
  REBOOT_REQUIRED_SINCE_ANNOTATION,
  STATE_ANNOTATION,
} from '../policy/keys.ts';
import { ownNode, type Runtime } from './runtime.ts';
import { evaluateBlockers } from './sense.ts';
import { encodeLastReboot, encodeState, type Phase } from '../policy/state.ts';
import type { Teller } from './tell.ts';
import { untilSeen } from './wake.ts';
import { startBudgetWatch } from './watches.ts';

/** Shortest sleep of a wait: a guard against spinning, far below any interval the agent uses. */
const MIN_WAIT_MS = 100;

/** Carries out `action`, decided on `facts`. */
export async function execute(rt: Runtime, teller: Teller, action: Action, facts: Facts): Promise<void> {
  const m = rt.memory;
  switch (action.kind) {
    case 'wait': {
      if (!action.watch) stopWatch(rt);
      const untilMs = Math.min(action.untilMs ?? Infinity, m.nextSenseMs);
      await rt.waker.sleep(Math.max(MIN_WAIT_MS, untilMs - rt.clock.now()));
      return;
    }
    case 'watch':
      m.watch ??= await startBudgetWatch({
        nodes: rt.ports.nodes,
        slots: rt.ports.slots,
        clock: rt.clock,
        nodeName: rt.nodeName,
        ttlMs: rt.config.agent.slotTtlMs,
        observer: rt.observer,
        log: rt.log,
        onChange: () => rt.waker.poke(),
        signal: rt.signal,
      });
      return;
    case 'checkBlockers': {
      const reasons = await evaluateBlockers(rt.ports, rt.config, rt.nodeName);
      m.blockers = { checkedAtMs: rt.clock.now(), reasons, sinceLastStep: true };
      return;
    }
    case 'drain': {
      const startedMs = rt.clock.now();
      m.drain = await drainNode({
        pods: rt.ports.pods,
        clock: rt.clock,
        nodeName: rt.nodeName,
        settings: rt.config.policy.drain,
        deadlineMs: action.deadlineMs,
        signal: rt.signal,
        concurrency: rt.tuning.drainConcurrency,
        pollMs: rt.tuning.drainPollMs,
        onEvict: (pod, result, detail) =>
          rt.log.debug({ pod, result, ...(detail ? { detail } : {}) }, `evict ${pod}: ${result}`),
      });
      rt.observer.drained(m.drain.ok, rt.clock.now() - startedMs);
      teller.tell(action.tell);
      return;
    }
    default:
      await step(rt, teller, action, facts.state.kind === 'ok' ? facts.state.state.phase : null);
      // A step was taken: blockers must be checked again before cordon, the drain outcome is used.
      if (m.blockers !== null) m.blockers = { ...m.blockers, sinceLastStep: false };
      m.drain = null;
      teller.tell(action.tell);
  }
}

type Step = Exclude<Action, { kind: 'wait' | 'watch' | 'checkBlockers' | 'drain' }>;

async function step(rt: Runtime, teller: Teller, action: Step, previous: Phase | null): Promise<void> {
  const { nodes, slots, host } = rt.ports;
  const settle = (ok: () => boolean) => untilSeen(rt.clock, rt.own, ok, rt.tuning.settleMs, rt.signal);
  switch (action.kind) {
    case 'markRebootRequired': {
      const since = action.required ? new Date(rt.clock.now()).toISOString() : null;
      await nodes.patchMetadata(rt.nodeName, {
        labels: { [REBOOT_REQUIRED_LABEL]: action.required ? 'true' : null },
        annotations: { [REBOOT_REQUIRED_SINCE_ANNOTATION]: since },
      });
      await settle(() => (ownNode(rt)?.labels[REBOOT_REQUIRED_LABEL] === 'true') === action.required);
      return;
    }
    case 'writeState':
      return writeState(rt, action, settle, previous);
    case 'acquireSlot': {
      const { group, candidate } = action;
      const nowMs = rt.clock.now();
      const ok = await slots.tryAcquire(
        group,
        candidate.index,
        rt.nodeName,
        rt.config.agent.slotTtlMs,
        nowMs,
        candidate.expected ?? undefined,
      );
      const watch = rt.memory.watch;
      if (ok) {
        rt.observer.slotAcquired(group, nowMs - (rt.memory.wantSlotSinceMs.get(group) ?? nowMs));
        rt.memory.wantSlotSinceMs.delete(group);
        rt.log.info({ group, index: candidate.index }, `took slot ${group}/${candidate.index}`);
      } else {
        rt.log.debug({ group, index: candidate.index }, `slot ${group}/${candidate.index} went to another node`);
      }
      // Wait until the watch shows the Lease as it is now, so the next decision does not retry it.
      const seen = () =>
        watch?.slots
          .list()
          .some(
            (s) =>
              s.group === group &&
              s.index === candidate.index &&
              s.resourceVersion !== candidate.expected?.resourceVersion,
          ) ?? true;
      if (watch) await untilSeen(rt.clock, watch.slots, seen, rt.tuning.settleMs, rt.signal);
      return;
    }
    case 'releaseSlots': {
      for (const s of action.slots) await slots.release(s.group, s.index, rt.nodeName);
      rt.log.info({ slots: action.slots.map((s) => `${s.group}/${s.index}`) }, 'released slots');
      const watch = rt.memory.watch;
      const gone = () =>
        !watch?.slots
          .list()
          .some(
            (s) => s.holder === rt.nodeName && action.slots.some((r) => r.group === s.group && r.index === s.index),
          );
      if (watch) await untilSeen(rt.clock, watch.slots, gone, rt.tuning.settleMs, rt.signal);
      return;
    }
    case 'cordon':
    case 'uncordon': {
      const cordon = action.kind === 'cordon';
      if (rt.dryRun) {
        rt.log.info({}, `would ${action.kind} the node`);
        return;
      }
      await nodes.setUnschedulable(rt.nodeName, cordon);
      await settle(() => ownNode(rt)?.unschedulable === cordon);
      return;
    }
    case 'reboot': {
      if (rt.dryRun) {
        rt.log.info({}, 'would reboot the node');
        return;
      }
      // The drain and reboot notifications go out before the reboot cuts their retries short, but
      // never hold the reboot longer than reboot.notifyTimeout.
      const timeoutMs = rt.config.policy.reboot.notifyTimeoutMs;
      const delivered = await Promise.race([
        teller.settled().then(() => true),
        rt.clock.sleep(timeoutMs).then(() => false),
      ]);
      if (!delivered)
        rt.log.warn(
          { notifyTimeoutMs: timeoutMs },
          `notifications still pending after ${timeoutMs} ms (reboot.notifyTimeout); rebooting anyway`,
        );
      rt.log.info({ method: rt.config.policy.reboot.method }, 'rebooting the node');
      await host.reboot();
      rt.memory.rebootCommandedMs = rt.clock.now();
      rt.observer.rebootCommanded();
      return;
    }
    case 'reportDryRun':
      return reportDryRun(rt, teller, action);
  }
}

async function writeState(
  rt: Runtime,
  a: Extract<Action, { kind: 'writeState' }>,
  settle: (ok: () => boolean) => Promise<void>,
  previous: Phase | null,
): Promise<void> {
  const m = rt.memory;
  const labels = a.labels ?? {};
  if (rt.dryRun) {
    m.dryRunState = a.state;
    for (const [k, v] of Object.entries(labels))
      rt.log.info({ label: k }, v === null ? `would remove label ${k}` : `would set label ${k}=${v}`);
  } else {
    const value = a.state === null ? null : encodeState(a.state);
    const annotations: Record<string, string | null> = { [STATE_ANNOTATION]: value };
    if (a.lastReboot !== undefined) annotations[LAST_REBOOT_ANNOTATION] = encodeLastReboot(a.lastReboot);
    await rt.ports.nodes.patchMetadata(rt.nodeName, {
      annotations,
      ...(Object.keys(labels).length > 0 ? { labels } : {}),
    });
    await settle(() => (ownNode(rt)?.annotations[STATE_ANNOTATION] ?? null) === value);
  }
  const s = a.state;
  if (s?.phase !== 'rebooting') m.rebootCommandedMs = null;
  if (s?.phase === 'recovering' && previous !== 'recovering') {
    if (s.outcome === 'rebooted')
      rt.observer.rebooted(s.rebootAtMs === undefined ? null : rt.clock.now() - s.rebootAtMs);
    if (s.outcome === 'failed') rt.observer.failed(s.rebootAtMs === undefined ? 'drain' : 'reboot');
  }
  rt.log.info({ phase: s?.phase ?? null, attempt: s?.attempt }, s === null ? 'state cleared' : `state ${s.phase}`);
}

async function reportDryRun(rt: Runtime, teller: Teller, a: Extract<Action, { kind: 'reportDryRun' }>): Promise<void> {
  const plan = planDrain(await rt.ports.pods.listOnNode(rt.nodeName), rt.config.policy.drain);
  const lines = [
    a.cordon ? 'would cordon the node' : 'would leave the node cordoned (cordoned by someone else)',
    ...Object.entries(a.labels).map(([k, v]) => `would set label ${k}=${v}`),
    plan.evict.length > 0 ? `would evict ${plan.evict.map(podName).join(', ')}` : 'would evict no pod',
    ...plan.refused.map((r) => `would fail the drain: ${r.reason}`),
    `would reboot (${rt.config.policy.reboot.method})`,
  ];
  for (const line of lines) rt.log.info({ dryRun: true }, line);
  teller.event({ type: 'Normal', reason: 'DryRun', message: lines.join('; ') });
  rt.memory.dryRunReportedMs = rt.clock.now();
}

/** Stops the budget watches and the slot keeper (the agent is idle). */
export function stopWatch(rt: Runtime): void {
  rt.memory.watch?.stop();
  rt.memory.watch = null;
  rt.memory.wantSlotSinceMs.clear();
}
