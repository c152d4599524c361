// The drain: evict every pod the plan says through the eviction API (never a plain delete), a few
// at a time, and re-list until the node is empty — pods being deleted count until they are gone —
// or the deadline passes. A 429 (a PodDisruptionBudget says not now) or a failed call backs off
// for that pod only, doubling up to MAX_BACKOFF_MS, so other pods keep moving. Re-listing every
// round also picks up pods that appear meanwhile (kured lists once: research/kured.md §6.6).
import { formatDuration } from '../policy/duration.ts';
import { messageOf } from '../policy/errors.ts';
import type { DrainSettings } from '../policy/model.ts';
import { planDrain, podName } from './core/drain-plan.ts';
import type { DrainOutcome } from './core/facts.ts';
import type { PodInfo, Pods } from '../kube/ports.ts';
import type { Clock } from '../policy/clock.ts';
import { DEFAULT_TUNING } from './runtime.ts';

/** Back-off after a pod's first refused eviction; doubled each time up to MAX_BACKOFF_MS. */
export const FIRST_BACKOFF_MS = 1_000;
/** Longest wait between two evictions of one pod. */
export const MAX_BACKOFF_MS = 30_000;

/** What one drain needs. */
export interface DrainOptions {
  readonly pods: Pods;
  readonly clock: Clock;
  readonly nodeName: string;
  readonly settings: DrainSettings;
  /** The drain fails when the node is not empty at this instant. */
  readonly deadlineMs: number;
  /** Aborting stops the drain at once (it throws); what was evicted stays evicted. */
  readonly signal?: AbortSignal;
  /** Evictions in flight at once (default DEFAULT_TUNING.drainConcurrency). */
  readonly concurrency?: number;
  /** Pause between rounds (default DEFAULT_TUNING.drainPollMs). */
  readonly pollMs?: number;
  /**
   * Called right before each round of evictions: false stops the drain (the grant it runs under is
   * lost; the caller knows why). Each round evicts only under a grant proven live just before.
   */
  readonly fence?: () => Promise<boolean>;
  /** Told about each eviction and refusal, for logs. */
  readonly onEvict?: (pod: string, result: 'evicted' | 'blocked' | 'gone' | 'error', detail?: string) => void;
}

interface Backoff {
  untilMs: number;
  delayMs: number;
  why: string;
}

/** Drains the node; resolves ok when empty, or not ok with a reason naming what is left. */
export async function drainNode(o: DrainOptions): Promise<DrainOutcome> {
  const concurrency = o.concurrency ?? DEFAULT_TUNING.drainConcurrency;
  const pollMs = o.pollMs ?? DEFAULT_TUNING.drainPollMs;
  const timeout = formatDuration(o.settings.timeoutMs);
  const backoffs = new Map<string, Backoff>();
  for (;;) {
    throwIfAborted(o.signal);
    let pods: readonly PodInfo[];
    try {
      pods = await o.pods.listOnNode(o.nodeName);
    } catch (err: unknown) {
      throwIfAborted(o.signal);
      if (o.clock.now() >= o.deadlineMs)
        return {
          ok: false,
          reason: `timed out after ${timeout}: cannot list the pods of the node (${messageOf(err)})`,
        };
      await o.clock.sleep(Math.min(pollMs, o.deadlineMs - o.clock.now()), o.signal);
      continue;
    }
    const plan = planDrain(pods, o.settings);
    if (plan.refused.length > 0) return { ok: false, reason: plan.refused.map((r) => r.reason).join('; ') };
    if (plan.evict.length === 0 && plan.terminating.length === 0) return { ok: true };
    const nowMs = o.clock.now();
    if (nowMs >= o.deadlineMs)
      return {
        ok: false,
        reason: `timed out after ${timeout}; still on the node: ${leftOver(plan.evict, plan.terminating, backoffs)}`,
      };
    const due = plan.evict.filter((p) => (backoffs.get(p.uid)?.untilMs ?? 0) <= nowMs);
    if (due.length > 0 && o.fence !== undefined && !(await o.fence()))
      return { ok: false, reason: 'stopped: the grant is lost' };
    throwIfAborted(o.signal);
    await forEachBounded(due, concurrency, async (pod) => {
      let result: 'evicted' | 'blocked' | 'gone' | 'error';
      let detail: string | undefined;
      try {
        result = await o.pods.evict(pod, o.settings.gracePeriodSeconds);
      } catch (err: unknown) {
        result = 'error';
        detail = messageOf(err);
      }
      o.onEvict?.(podName(pod), result, detail);
      if (result === 'blocked' || result === 'error') {
        const delayMs = Math.min(MAX_BACKOFF_MS, (backoffs.get(pod.uid)?.delayMs ?? FIRST_BACKOFF_MS / 2) * 2);
        const why =
          result === 'blocked' ? 'eviction refused by a PodDisruptionBudget' : `eviction failed: ${detail ?? ''}`;
        backoffs.set(pod.uid, { untilMs: o.clock.now() + delayMs, delayMs, why });
      } else {
        backoffs.delete(pod.uid);
      }
    });
    throwIfAborted(o.signal);
    const present = new Set(pods.map((p) => p.uid));
    for (const uid of backoffs.keys()) if (!present.has(uid)) backoffs.delete(uid);
    const wakeMs = Math.min(o.clock.now() + pollMs, o.deadlineMs, ...[...backoffs.values()].map((b) => b.untilMs));
    await o.clock.sleep(Math.max(0, wakeMs - o.clock.now()), o.signal);
  }
}

function leftOver(
  evict: readonly PodInfo[],
  terminating: readonly PodInfo[],
  backoffs: ReadonlyMap<string, Backoff>,
): string {
  const described = [
    ...evict.map((p) => `${podName(p)} (${backoffs.get(p.uid)?.why ?? 'not evicted yet'})`),
    ...terminating.map((p) => `${podName(p)} (terminating)`),
  ];
  const shown = described.slice(0, 5).join(', ');
  return described.length > 5 ? `${shown} and ${described.length - 5} more` : shown;
}

function throwIfAborted(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new Error('drain stopped: the agent is shutting down');
}

async function forEachBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
