// After the drain and before the reboot, the wait for the node's volumes to detach
// (spec.drain.waitForVolumeDetach): the drained pods' volumes are detached by their CSI drivers and
// the attach/detach controller, which takes a while; rebooting before would leave VolumeAttachments
// that keep the volumes from attaching elsewhere (Multi-Attach errors). Attachments left at the
// timeout make the drain fail, so drain.onFailure applies. A restarted agent drains again (the node
// is empty: quick) and waits again, with the full timeout.
import type { Clock } from '../policy/clock.ts';
import type { VolumeAttachments } from '../kube/ports.ts';
import type { DrainOutcome } from './core/facts.ts';

export interface VolumeWaitOptions {
  readonly volumes: VolumeAttachments;
  readonly clock: Clock;
  readonly nodeName: string;
  readonly timeoutMs: number;
  /** Pause between two looks. */
  readonly pollMs: number;
  readonly signal: AbortSignal;
  /** Called with the attachments still there after each look. */
  readonly onLook?: (attached: readonly string[]) => void;
}

/** Resolves ok once no VolumeAttachment names the node; a failure naming them at the timeout. */
export async function waitForVolumeDetach(o: VolumeWaitOptions): Promise<DrainOutcome> {
  const deadlineMs = o.clock.now() + o.timeoutMs;
  for (;;) {
    const attached = await o.volumes.onNode(o.nodeName);
    o.onLook?.(attached);
    if (attached.length === 0) return { ok: true };
    const leftMs = deadlineMs - o.clock.now();
    if (leftMs <= 0) {
      const shown = attached.slice(0, 5).join(', ') + (attached.length > 5 ? `, and ${attached.length - 5} more` : '');
      return {
        ok: false,
        reason: `volumes still attached to the node ${o.timeoutMs / 1000}s after the drain (VolumeAttachments ${shown}; drain.waitForVolumeDetach.timeout)`,
      };
    }
    await o.clock.sleep(Math.min(o.pollMs, leftMs), o.signal);
  }
}
