// Grants port on coordination.k8s.io/v1 Leases: one Lease per granted node, named after the node,
// created by the coordinator and renewed and released by the node's agent. The grant's epoch is
// the Lease's uid: a grant freed and given again is a new object, so an agent that recorded the
// epoch of its grant can tell its own grant from a later one (docs/decisions/0007).
import type { V1Lease, V1LeaseList } from '@kubernetes/client-node';
import { stableName } from '../policy/names.ts';
import {
  decodeHookStatus,
  encodeHookStatus,
  hookAnnotation,
  PRE_HOOK_ANNOTATION,
  type HookKind,
  type HookStatus,
} from '../policy/hooks.ts';
import { definedOnly, watchCache } from './cache.ts';
import { call } from './errors.ts';
import type { Cache, Grant, Grants, NewGrant } from './ports.ts';
import type { Rest } from './rest.ts';

export const FLEET_LABEL = 'patchwindow.io/fleet';
export const GRANT_LABEL = 'patchwindow.io/grant';
export const GRANT_POLICY_LABEL = 'patchwindow.io/policy';
export const NODE_UID_ANNOTATION = 'patchwindow.io/node-uid';
export const TAKES_NO_BUDGET_ANNOTATION = 'patchwindow.io/takes-no-budget';

/** Name of the grant Lease of `node` (what an operator deletes to free a stuck grant). */
export function grantLeaseName(node: string): string {
  return stableName(['patchwindow', 'grant', node]);
}

/** The Grant of a Lease, or undefined for a Lease that is not a complete grant. */
export function grantOf(lease: V1Lease): Grant | undefined {
  const node = lease.spec?.holderIdentity;
  const policy = lease.metadata?.labels?.[GRANT_POLICY_LABEL];
  const epoch = lease.metadata?.uid;
  if (!node || policy === undefined || !epoch) return undefined;
  const ms = (t: Date | string | undefined) => (t === undefined ? 0 : new Date(t).getTime());
  const granted = ms(lease.spec?.acquireTime);
  const annotations = lease.metadata?.annotations ?? {};
  const hooks: { [K in HookKind]?: HookStatus } = {};
  for (const kind of ['preReboot', 'postReboot'] as const) {
    const status = decodeHookStatus(annotations[hookAnnotation(kind)]);
    if (status !== undefined) hooks[kind] = status;
  }
  return {
    node,
    policy,
    epoch,
    nodeUid: lease.metadata?.annotations?.[NODE_UID_ANNOTATION] ?? '',
    grantedMs: granted,
    renewedMs: lease.spec?.renewTime === undefined ? granted : ms(lease.spec.renewTime),
    ttlMs: (lease.spec?.leaseDurationSeconds ?? 0) * 1000,
    resourceVersion: lease.metadata?.resourceVersion ?? '',
    ...(Object.keys(hooks).length > 0 ? { hooks } : {}),
    ...(annotations[TAKES_NO_BUDGET_ANNOTATION] === 'true' ? { takesNoBudget: true as const } : {}),
  };
}

export class KubeGrants implements Grants {
  private readonly rest: Rest;
  private readonly namespace: string;
  private readonly fleet: string;
  private readonly onWatchError: ((err: unknown) => void) | undefined;

  constructor(rest: Rest, options: { namespace: string; fleet: string; onWatchError?: (err: unknown) => void }) {
    this.rest = rest;
    this.namespace = options.namespace;
    this.fleet = options.fleet;
    this.onWatchError = options.onWatchError;
  }

  private path(): string {
    return `/apis/coordination.k8s.io/v1/namespaces/${this.namespace}/leases`;
  }

  private async cache(
    what: string,
    selectors: { labelSelector: string; fieldSelector?: string },
  ): Promise<Cache<Grant>> {
    const cache = await watchCache({
      rest: this.rest,
      what,
      path: this.path(),
      ...selectors,
      list: () => this.rest.request<V1LeaseList>('GET', this.path(), { query: selectors }),
      map: grantOf,
      onError: this.onWatchError,
    });
    return definedOnly(cache);
  }

  watchAll(): Promise<Cache<Grant>> {
    return this.cache(`watch grants in ${this.namespace}`, {
      labelSelector: `${FLEET_LABEL}=${this.fleet},${GRANT_LABEL}=true`,
    });
  }

  watchOwn(node: string): Promise<Cache<Grant>> {
    return this.cache(`watch the grant of ${node}`, {
      labelSelector: `${FLEET_LABEL}=${this.fleet},${GRANT_LABEL}=true`,
      fieldSelector: `metadata.name=${grantLeaseName(node)}`,
    });
  }

  async read(node: string): Promise<Grant | undefined> {
    const lease = await call(`read the grant of ${node}`, () => this.readLease(grantLeaseName(node)), {
      404: () => undefined,
    });
    const grant = lease === undefined ? undefined : grantOf(lease);
    return grant?.node === node ? grant : undefined;
  }

  private readLease(name: string): Promise<V1Lease> {
    return this.rest.request<V1Lease>('GET', `${this.path()}/${name}`);
  }

  async give(g: NewGrant, nowMs: number): Promise<boolean> {
    const now = microTime(nowMs);
    const body = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: grantLeaseName(g.node),
        namespace: this.namespace,
        labels: {
          [FLEET_LABEL]: this.fleet,
          [GRANT_LABEL]: 'true',
          [GRANT_POLICY_LABEL]: g.policy,
          'app.kubernetes.io/managed-by': 'patchwindow',
        },
        annotations: {
          [NODE_UID_ANNOTATION]: g.nodeUid,
          // Pending from the start: the slot counts from this moment, and the agent waits for it.
          ...(g.preHook === true ? { [PRE_HOOK_ANNOTATION]: 'pending' } : {}),
          ...(g.takesNoBudget === true ? { [TAKES_NO_BUDGET_ANNOTATION]: 'true' } : {}),
        },
      },
      spec: {
        holderIdentity: g.node,
        leaseDurationSeconds: Math.max(1, Math.ceil(g.ttlMs / 1000)),
        acquireTime: now,
        renewTime: now,
        leaseTransitions: 0,
      },
    };
    return call(
      `grant a reboot to ${g.node}`,
      async () => {
        await this.rest.request('POST', this.path(), { body });
        return true;
      },
      { 409: () => false },
    );
  }

  renew(grant: Grant, nowMs: number): Promise<boolean> {
    return this.update(grant, `renew the grant of ${grant.node}`, (lease) => {
      // As the API server writes a MicroTime; client-node's types call it a Date.
      lease.spec!.renewTime = microTime(nowMs) as unknown as Date;
    });
  }

  markHook(grant: Pick<Grant, 'node' | 'epoch'>, kind: HookKind, status: HookStatus): Promise<boolean> {
    return this.update(grant, `write the ${kind} hook of the grant of ${grant.node}`, (lease) => {
      lease.metadata!.annotations = {
        ...lease.metadata!.annotations,
        [hookAnnotation(kind)]: encodeHookStatus(status),
      };
    });
  }

  /** Read, check the epoch, change, replace (optimistic lock on resourceVersion; retried on conflict). */
  private async update(
    grant: Pick<Grant, 'node' | 'epoch'>,
    what: string,
    change: (lease: V1Lease) => void,
  ): Promise<boolean> {
    const name = grantLeaseName(grant.node);
    for (let attempt = 0; attempt < 3; attempt++) {
      const current = await call(what, () => this.readLease(name), { 404: () => undefined });
      if (!current?.spec || current.metadata?.uid !== grant.epoch || current.spec.holderIdentity !== grant.node)
        return false;
      change(current);
      const done = await call(
        what,
        async () => {
          await this.rest.request('PUT', `${this.path()}/${name}`, { body: current });
          return true;
        },
        { 409: () => false, 404: () => false },
      );
      if (done) return true;
    }
    return false;
  }

  async release(grant: Pick<Grant, 'node' | 'epoch'>): Promise<void> {
    // The uid precondition deletes this grant only, never a later one given to the same node.
    await call(
      `release the grant of ${grant.node}`,
      () =>
        this.rest.request('DELETE', `${this.path()}/${grantLeaseName(grant.node)}`, {
          body: { preconditions: { uid: grant.epoch } },
        }),
      { 404: () => undefined, 409: () => undefined },
    );
  }
}

/** A Lease's MicroTime as the API server writes it (RFC 3339, microseconds). */
function microTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, -1) + '000Z';
}

/** Name of the election Lease of a Fleet's coordinator, in the Fleet's namespace (status reads it). */
export function coordinatorLeaseName(fleet: string): string {
  return stableName(['patchwindow', 'coordinator', fleet]);
}
