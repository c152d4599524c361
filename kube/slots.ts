// Slots port on coordination.k8s.io/v1 Leases: one Lease per (group, index), named after both, so
// two agents racing for a slot race for the same object and the API server lets exactly one win
// (create conflicts, resourceVersion preconditions).
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { TransientError } from '../policy/errors.ts';
import { stableName } from '../policy/names.ts';
import type { Cache, Slot, Slots } from './ports.ts';
import { watchCache } from './cache.ts';
import { call } from './errors.ts';

export const SLOT_GROUP_LABEL = 'patchwindow.io/slot-group';
export const SLOT_INDEX_LABEL = 'patchwindow.io/slot-index';
export const FLEET_LABEL = 'patchwindow.io/fleet';

/** Name of the Lease of slot (group, index). */
export function slotLeaseName(group: string, index: number): string {
  return stableName(['patchwindow', 'slot', group, String(index)]);
}

/** The Slot of a Lease, or undefined for Leases that are not complete slots. */
export function slotOf(lease: V1Lease): Slot | undefined {
  const labels = lease.metadata?.labels ?? {};
  const group = labels[SLOT_GROUP_LABEL];
  const index = Number(labels[SLOT_INDEX_LABEL]);
  const holder = lease.spec?.holderIdentity;
  if (group === undefined || !Number.isInteger(index) || !holder) return undefined;
  const renew = lease.spec?.renewTime ?? lease.spec?.acquireTime;
  return {
    group,
    index,
    holder,
    renewTimeMs: renew ? new Date(renew).getTime() : 0,
    ttlMs: (lease.spec?.leaseDurationSeconds ?? 0) * 1000,
    resourceVersion: lease.metadata?.resourceVersion ?? '',
  };
}

export class KubeSlots implements Slots {
  private readonly api: CoordinationV1Api;
  private readonly kc: KubeConfig;
  private readonly namespace: string;
  private readonly fleet: string;
  private readonly onWatchError: ((err: unknown) => void) | undefined;

  constructor(kc: KubeConfig, options: { namespace: string; fleet: string; onWatchError?: (err: unknown) => void }) {
    this.kc = kc;
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.namespace = options.namespace;
    this.fleet = options.fleet;
    this.onWatchError = options.onWatchError;
  }

  private selector(): string {
    return `${FLEET_LABEL}=${this.fleet},${SLOT_GROUP_LABEL}`;
  }

  async watch(): Promise<Cache<Slot>> {
    const labelSelector = this.selector();
    const cache = await watchCache({
      kc: this.kc,
      what: `watch slot Leases in ${this.namespace}`,
      path: `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`,
      labelSelector,
      list: () => this.api.listNamespacedLease({ namespace: this.namespace, labelSelector }),
      map: slotOf,
      onError: this.onWatchError,
    });
    return {
      list: () => cache.list().filter((s): s is Slot => s !== undefined),
      onChange: (l) => cache.onChange(l),
      stop: () => cache.stop(),
    };
  }

  private lease(
    group: string,
    index: number,
    holder: string,
    ttlMs: number,
    nowMs: number,
    transitions: number,
    resourceVersion?: string,
  ): V1Lease {
    const now = new V1MicroTime(nowMs);
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: slotLeaseName(group, index),
        namespace: this.namespace,
        labels: {
          [FLEET_LABEL]: this.fleet,
          [SLOT_GROUP_LABEL]: group,
          [SLOT_INDEX_LABEL]: String(index),
          'app.kubernetes.io/managed-by': 'patchwindow',
        },
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      spec: {
        holderIdentity: holder,
        leaseDurationSeconds: Math.max(1, Math.ceil(ttlMs / 1000)),
        acquireTime: now,
        renewTime: now,
        leaseTransitions: transitions,
      },
    };
  }

  async tryAcquire(
    group: string,
    index: number,
    holder: string,
    ttlMs: number,
    nowMs: number,
    expected?: Slot,
  ): Promise<boolean> {
    const name = slotLeaseName(group, index);
    const what = `take slot ${group}/${index}`;
    if (!expected) {
      return call(
        what,
        async () => {
          await this.api.createNamespacedLease({
            namespace: this.namespace,
            body: this.lease(group, index, holder, ttlMs, nowMs, 0),
          });
          return true;
        },
        { 409: () => false },
      );
    }
    // Taking over a Lease seen as free: replace it only if nobody changed it since it was seen.
    const current = await call(what, () => this.api.readNamespacedLease({ name, namespace: this.namespace }), {
      404: () => undefined,
    });
    if (!current) return this.tryAcquire(group, index, holder, ttlMs, nowMs);
    if (current.metadata?.resourceVersion !== expected.resourceVersion) return false;
    const transitions = (current.spec?.leaseTransitions ?? 0) + 1;
    return call(
      what,
      async () => {
        await this.api.replaceNamespacedLease({
          name,
          namespace: this.namespace,
          body: this.lease(group, index, holder, ttlMs, nowMs, transitions, expected.resourceVersion),
        });
        return true;
      },
      { 409: () => false, 404: () => false },
    );
  }

  async renew(slot: Slot, nowMs: number): Promise<boolean> {
    const name = slotLeaseName(slot.group, slot.index);
    const what = `renew slot ${slot.group}/${slot.index}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await call(what, () => this.api.readNamespacedLease({ name, namespace: this.namespace }), {
        404: () => undefined,
      });
      if (!current?.spec || current.spec.holderIdentity !== slot.holder) return false;
      current.spec.renewTime = new V1MicroTime(nowMs);
      current.spec.leaseDurationSeconds = Math.max(1, Math.ceil(slot.ttlMs / 1000));
      const done = await call(
        what,
        async () => {
          await this.api.replaceNamespacedLease({ name, namespace: this.namespace, body: current });
          return true;
        },
        { 409: () => false, 404: () => false },
      );
      if (done) return true;
    }
    return false;
  }

  async release(group: string, index: number, holder: string): Promise<void> {
    const name = slotLeaseName(group, index);
    const what = `release slot ${group}/${index}`;
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await call(what, () => this.api.readNamespacedLease({ name, namespace: this.namespace }), {
        404: () => undefined,
      });
      if (!current || current.spec?.holderIdentity !== holder) return;
      const resourceVersion = current.metadata?.resourceVersion;
      const done = await call(
        what,
        async () => {
          await this.api.deleteNamespacedLease({
            name,
            namespace: this.namespace,
            body: { preconditions: { resourceVersion } },
          });
          return true;
        },
        { 404: () => true, 409: () => false },
      );
      if (done) return;
    }
    throw new TransientError(`release slot ${group}/${index}: the Lease kept changing; it will expire after its TTL`);
  }
}
