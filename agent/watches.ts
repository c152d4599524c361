// The budget watches (every Node, every slot Lease) and the slot keeper that renews this node's
// slots every TTL/3 while they run. They run only while the agent wants or holds a slot: an idle
// agent watches nothing but its own Node.
import { messageOf } from '../policy/errors.ts';
import type { AgentObserver } from './observer.ts';
import type { Log } from '../io/log.ts';
import type { Cache, NodeInfo, Nodes, Slot, Slots } from '../kube/ports.ts';
import type { Clock } from '../policy/clock.ts';

/** The running budget watches; `stop` ends them and the slot keeper. */
export interface BudgetWatch {
  readonly nodes: Cache<NodeInfo>;
  readonly slots: Cache<Slot>;
  stop(): void;
}

/** What the budget watches and the slot keeper need. */
export interface BudgetWatchOptions {
  readonly nodes: Nodes;
  readonly slots: Slots;
  readonly clock: Clock;
  readonly nodeName: string;
  readonly ttlMs: number;
  readonly observer: AgentObserver;
  /** The keeper runs beside the loop, which logs its own failed calls: a failed renewal is logged here. */
  readonly log: Log;
  /** Called on every change of either cache. */
  readonly onChange: () => void;
  readonly signal: AbortSignal;
}

/** Starts the node and slot watches and the keeper that renews this node's slots. */
export async function startBudgetWatch(o: BudgetWatchOptions): Promise<BudgetWatch> {
  const nodes = await o.nodes.watchAll();
  let slots: Cache<Slot>;
  try {
    slots = await o.slots.watch();
  } catch (err: unknown) {
    nodes.stop();
    throw err;
  }
  const offNodes = nodes.onChange(o.onChange);
  const offSlots = slots.onChange(o.onChange);
  const stopKeeper = new AbortController();
  const signal = AbortSignal.any([o.signal, stopKeeper.signal]);
  void keepSlots(o, slots, signal);
  return {
    nodes,
    slots,
    stop() {
      stopKeeper.abort();
      offNodes();
      offSlots();
      nodes.stop();
      slots.stop();
    },
  };
}

/** Renews every slot this node holds, at once and then every TTL/3 (sooner after an error). */
async function keepSlots(o: BudgetWatchOptions, cache: Cache<Slot>, signal: AbortSignal): Promise<void> {
  const periodMs = Math.max(1, Math.floor(o.ttlMs / 3));
  while (!signal.aborted) {
    let failed = false;
    for (const slot of cache.list().filter((s) => s.holder === o.nodeName)) {
      if (signal.aborted) return;
      try {
        if (!(await o.slots.renew(slot, o.clock.now()))) o.observer.slotLost(slot.group, slot.index);
      } catch (err: unknown) {
        if (signal.aborted) return;
        failed = true;
        o.observer.error('renew slot', messageOf(err));
        o.log.warn(
          { err: messageOf(err), group: slot.group, index: slot.index },
          `renewing slot ${slot.group}/${slot.index} failed; trying again`,
        );
      }
    }
    await o.clock.sleep(failed ? Math.min(periodMs, 5_000) : periodMs, signal);
  }
}
