// Fencing (docs/decisions/0007): fresh reads (no cache) that prove, right before a step that
// cannot be undone, that the grant of the attempt's epoch is still this node's and the Node's
// record still names it; and the drain run under that proof, each eviction round proven again.
// A proof of loss is remembered (`grantLost`) for the core; a pre-reboot hook still running (or
// failed, with onFailure abort) holds the cordon without being a loss: the core waits for it
// (agent/core/hooks.ts).
//
// The drain's log says which grant each eviction was made under: a line when a round starts
// (written before its proof is read, so its time is never later than the proof) and the epoch on
// every `evict` line. Operators can tell an old attempt's evictions from a new one's, and the
// end-to-end invariant watcher checks from them that no round began after its grant had ended
// (test/helpers/stale-evictions.ts). The eviction API takes no fencing token, so a round proven
// just before its grant ends may still land just after: what must never happen is a round begun
// on a grant that was already gone.
import { drainNode } from './drain.ts';
import type { DrainOutcome } from './core/facts.ts';
import { STATE_ANNOTATION } from '../policy/keys.ts';
import type { NodeInfo } from '../kube/ports.ts';
import { ownNode, type Runtime } from './runtime.ts';
import { decodeState } from '../policy/state.ts';
import { waitForVolumeDetach } from './volume-wait.ts';
import { preHookHolds } from './core/hooks.ts';

/** The message of the line that opens an eviction round (fields: epoch, round). */
export const EVICTION_ROUND_MESSAGE = 'eviction round: proving the grant';

/**
 * Fresh reads (no cache) of the grant and the own Node: the Node when the grant of `epoch` is
 * still this node's and its record names it; otherwise undefined, with the loss remembered for
 * the core. A failed read throws: no step is taken on an unproven grant.
 */
export async function fence(
  rt: Runtime,
  epoch: string,
  o: { readonly beforeCordon?: boolean } = {},
): Promise<NodeInfo | undefined> {
  const [grant, node] = await Promise.all([rt.ports.grants.read(rt.nodeName), rt.ports.nodes.get(rt.nodeName)]);
  const record = node === undefined ? undefined : decodeState(node.annotations[STATE_ANNOTATION]);
  let reason: string | undefined;
  if (grant === undefined) reason = `the grant ${epoch} is gone`;
  else if (grant.epoch !== epoch) reason = `the grant ${epoch} was replaced by ${grant.epoch}`;
  else if (node === undefined) reason = 'the Node is gone';
  else if (record?.kind !== 'ok' || record.state.grant !== epoch)
    reason = "the Node's record no longer names this grant";
  // Given because someone else had cordoned the node: once it is uncordoned, cordoning it would take
  // budget the grant never had. The cordon is conditional on this read's resourceVersion.
  else if (o.beforeCordon === true && grant.takesNoBudget === true && !node.unschedulable)
    reason = `the grant ${epoch} took no budget because the node was cordoned by someone else, and it is not cordoned any more`;
  if (reason === undefined && o.beforeCordon === true) {
    const held = preHookHolds(rt.config, grant!);
    if (held === undefined) return node;
    rt.log.info({ epoch }, `not cordoning: ${held}`);
    return undefined;
  }
  if (reason === undefined) return node;
  rt.memory.grantLost = { epoch, reason };
  rt.log.warn({ epoch, reason }, `not going on: ${reason}`);
  return undefined;
}

/**
 * The drain, each eviction round under a fresh proof of the grant, stopped as soon as the watches
 * show the grant, the cordon or the record gone. Null: stopped that way (the loss is remembered).
 */
export async function drainUnderGrant(rt: Runtime, deadlineMs: number, epoch: string): Promise<DrainOutcome | null> {
  const stop = new AbortController();
  const check = () => {
    const node = ownNode(rt);
    const record = node === undefined ? undefined : decodeState(node.annotations[STATE_ANNOTATION]);
    const grant = rt.memory.watch?.grant.list().find((g) => g.node === rt.nodeName);
    let reason: string | undefined;
    if (grant?.epoch !== epoch) reason = `the grant ${epoch} is gone`;
    else if (node === undefined || record?.kind !== 'ok' || record.state.grant !== epoch)
      reason = "the Node's record is gone";
    else if (!node.unschedulable) reason = 'the node is not cordoned any more';
    if (reason === undefined) return;
    rt.memory.grantLost = { epoch, reason };
    stop.abort();
  };
  let round = 0;
  const offNode = rt.own.onChange(check);
  const offGrant = rt.memory.watch?.grant.onChange(check);
  try {
    const outcome = await drainNode({
      pods: rt.ports.pods,
      clock: rt.clock,
      nodeName: rt.nodeName,
      settings: rt.config.policy.drain,
      deadlineMs,
      signal: AbortSignal.any([rt.signal, stop.signal]),
      concurrency: rt.tuning.drainConcurrency,
      pollMs: rt.tuning.drainPollMs,
      fence: async () => {
        rt.log.debug({ epoch, round: ++round }, EVICTION_ROUND_MESSAGE);
        return (await fence(rt, epoch)) !== undefined;
      },
      onEvict: (pod, result, detail) =>
        rt.log.debug({ pod, result, epoch, round, ...(detail ? { detail } : {}) }, `evict ${pod}: ${result}`),
    });
    const timeoutMs = rt.config.policy.drain.volumeDetachTimeoutMs;
    const volumes = rt.ports.volumes ?? null;
    const final =
      outcome.ok && timeoutMs !== null && volumes !== null && rt.memory.grantLost?.epoch !== epoch
        ? await waitForVolumeDetach({
            volumes,
            clock: rt.clock,
            nodeName: rt.nodeName,
            timeoutMs,
            pollMs: rt.tuning.drainPollMs,
            signal: AbortSignal.any([rt.signal, stop.signal]),
            onLook: (attached) => attached.length > 0 && rt.log.debug({ attached }, 'waiting for volumes to detach'),
          })
        : outcome;
    return rt.memory.grantLost?.epoch === epoch ? null : final;
  } catch (err: unknown) {
    if (!stop.signal.aborted || rt.signal.aborted) throw err;
    rt.log.warn({ epoch, reason: rt.memory.grantLost?.reason }, 'drain stopped: its grant, cordon or record is gone');
    return null;
  } finally {
    offNode();
    offGrant?.();
  }
}
