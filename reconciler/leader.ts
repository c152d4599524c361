// Leader election on a coordination.k8s.io/v1 Lease, so several reconciler replicas are safe:
// only the holder applies. The holder renews every `renewMs`; others take over once the Lease has
// not been renewed for `leaseMs`. A stopping leader gives the Lease up so a follower takes over at once.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { statusOf } from '../agent/adapters/kube/errors.ts';
import { messageOf } from '../policy/errors.ts';

export interface LeaderOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseMs?: number;
  readonly renewMs?: number;
  readonly onChange: (leading: boolean) => void;
  readonly onError?: (message: string) => void;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly o: LeaderOptions;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private lastRenewMs = 0;

  constructor(options: LeaderOptions) {
    this.o = options;
    this.api = options.kc.makeApiClient(CoordinationV1Api);
    this.leaseMs = options.leaseMs ?? 15_000;
    this.renewMs = options.renewMs ?? 5_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  start(): void {
    this.stopped = false;
    void this.tick();
  }

  private set(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.o.onChange(leading);
  }

  private body(now: number, transitions: number, resourceVersion?: string): V1Lease {
    return {
      metadata: { name: this.o.name, namespace: this.o.namespace, ...(resourceVersion ? { resourceVersion } : {}) },
      spec: {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
        acquireTime: new V1MicroTime(now),
        renewTime: new V1MicroTime(now),
        leaseTransitions: transitions,
      },
    };
  }

  private async attempt(): Promise<boolean> {
    const now = Date.now();
    const { namespace, name, identity } = this.o;
    let lease: V1Lease | undefined;
    try {
      lease = await this.api.readNamespacedLease({ name, namespace });
    } catch (err: unknown) {
      if (statusOf(err) !== 404) throw err;
    }
    if (!lease) {
      await this.api.createNamespacedLease({ namespace, body: this.body(now, 0) });
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    const renewed = spec.renewTime ? new Date(spec.renewTime).getTime() : 0;
    const expired = holder === '' || renewed + (spec.leaseDurationSeconds ?? 0) * 1000 < now;
    if (holder !== identity && !expired) return false;
    const body = this.body(now, (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1), lease.metadata?.resourceVersion);
    if (holder === identity && spec.acquireTime) body.spec!.acquireTime = spec.acquireTime;
    await this.api.replaceNamespacedLease({ name, namespace, body });
    return true;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const won = await this.attempt();
      if (won) this.lastRenewMs = Date.now();
      this.set(won);
    } catch (err: unknown) {
      // A conflict means someone else wrote the Lease first; anything else, keep leading only
      // while our last renewal is still valid.
      if (statusOf(err) !== 409) this.o.onError?.(`leader election: ${messageOf(err).split('\n')[0]!}`);
      if (Date.now() - this.lastRenewMs > this.leaseMs * 0.66) this.set(false);
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.tick(), this.leading ? this.renewMs : Math.min(this.renewMs, 2_000));
  }

  /** Stops electing; a leader empties the Lease so a follower takes over without waiting for expiry. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    if (!this.leading) return;
    this.set(false);
    try {
      const lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity === this.o.identity) {
        lease.spec.holderIdentity = '';
        await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease });
      }
    } catch (err: unknown) {
      this.o.onError?.(`leader election: giving up the Lease failed (${messageOf(err).split('\n')[0]!}); it expires by itself`);
    }
  }
}
