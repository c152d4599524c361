// Carrying out one action of the decision core. Each step is one or two port calls; after its own
// writes the agent waits (briefly) until its watches show them, so the next decision starts from
// what it just did. Errors propagate to the loop, which backs off and decides again.
//
// Fencing (docs/decisions/0007, fence.ts): the cordon, each eviction round and the reboot command
// are taken only right after fresh reads (no cache) prove that the grant of the attempt's epoch is
// still this node's and the Node's record still names it. A proof of loss is remembered
// (`grantLost`) and the core stops the attempt; a read that fails takes no step (the loop backs
// off and decides again). A running drain also stops as soon as the watches show the grant, the
// cordon or the record gone.
import type { Action, Facts } from './core/facts.ts';
import { drainUnderGrant, fence } from './fence.ts';
import { planDrain, podName } from './core/drain-plan.ts';
import {
  CORDONED_BY_ANNOTATION,
  FAILURES_ANNOTATION,
  LAST_REBOOT_ANNOTATION,
  REBOOT_REQUIRED_LABEL,
  REBOOT_REQUIRED_SINCE_ANNOTATION,
  STATE_ANNOTATION,
} from '../policy/keys.ts';
import { ownNode, type Runtime } from './runtime.ts';
import { evaluateBlockers } from './sense.ts';
import { encodeLastReboot, encodeState, type Phase } from '../policy/state.ts';
import { appendFailure } from '../policy/failures.ts';
import type { Teller } from './tell.ts';
import { untilSeen } from './wake.ts';
import { startGrantWatch } from './watches.ts';
import { carryOutSilence } from './silence-lease.ts';

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
      m.watch ??= await startGrantWatch({
        grants: rt.ports.grants,
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
      m.drain = await drainUnderGrant(rt, action.deadlineMs, action.epoch);
      if (m.drain === null) return;
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
  const { nodes, host } = rt.ports;
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
    case 'silence': {
      const state = await carryOutSilence(rt, teller, action);
      return writeState(rt, { kind: 'writeState', state }, settle, previous);
    }
    case 'releaseGrant': {
      await rt.ports.grants.release(action.grant);
      rt.log.info({ epoch: action.grant.epoch }, 'gave the grant back');
      const watch = rt.memory.watch;
      if (watch)
        await untilSeen(
          rt.clock,
          watch.grant,
          () => !watch.grant.list().some((g) => g.epoch === action.grant.epoch),
          rt.tuning.settleMs,
          rt.signal,
        );
      return;
    }
    case 'requestHook': {
      const epoch = action.grant.epoch;
      if (!(await rt.ports.grants.markHook(action.grant, 'postReboot', { state: 'pending' }))) return;
      const watch = rt.memory.watch;
      if (watch)
        await untilSeen(
          rt.clock,
          watch.grant,
          () => watch.grant.list().some((g) => g.epoch === epoch && g.hooks?.postReboot !== undefined),
          rt.tuning.settleMs,
          rt.signal,
        );
      return;
    }
    case 'cordon': {
      const node = await fence(rt, action.epoch, { beforeCordon: true });
      if (node === undefined) return;
      // Cordoned by someone else since the decision: theirs; the core moves on without owning it.
      if (node.unschedulable) return;
      if (!(await nodes.cordon(rt.nodeName, { owner: action.epoch, resourceVersion: node.resourceVersion }))) {
        rt.log.info({}, 'the Node changed since it was read; deciding again before cordoning');
        return;
      }
      await settle(() => ownNode(rt)?.annotations[CORDONED_BY_ANNOTATION] === action.epoch);
      return;
    }
    case 'uncordon': {
      const node = await nodes.get(rt.nodeName);
      // Only a cordon this attempt provably made (its mark) is undone.
      if (node === undefined || node.annotations[CORDONED_BY_ANNOTATION] !== action.epoch) return;
      if (!(await nodes.uncordon(rt.nodeName, { resourceVersion: node.resourceVersion }))) return;
      await settle(() => ownNode(rt)?.annotations[CORDONED_BY_ANNOTATION] === undefined);
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
      // The grant is checked last, right before the command, after the wait for the notifications.
      if ((await fence(rt, action.epoch)) === undefined) return;
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
    if (a.failure !== undefined)
      annotations[FAILURES_ANNOTATION] = appendFailure(ownNode(rt)?.annotations[FAILURES_ANNOTATION], a.failure);
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

/** Stops the grant watch and its keeper (the agent is idle). */
export function stopWatch(rt: Runtime): void {
  rt.memory.watch?.stop();
  rt.memory.watch = null;
}
