// Leader election on a coordination.k8s.io/v1 Lease, so several reconciler replicas are safe:
// only the holder applies. The holder renews every `renewMs`; others take over once the Lease has
// not been renewed for `leaseMs`. A stopping leader gives the Lease up so a follower takes over at once.
//
// Expiry is judged by this process's own clock: a follower notes when it last saw the Lease record
// change and takes over once it stays unchanged for the lease duration (as client-go does), so a
// skewed clock on another node cannot make two replicas lead at once.
import { CoordinationV1Api, V1MicroTime, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { statusOf } from './errors.ts';
import { requestProblem } from './cluster-errors.ts';

export interface LeaderOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  readonly identity: string;
  readonly leaseMs?: number;
  readonly renewMs?: number;
  /** Written on the Lease while this replica holds it (e.g. where followers forward sync requests). */
  readonly annotations?: Readonly<Record<string, string>>;
  readonly onChange: (leading: boolean) => void;
  readonly onError?: (message: string) => void;
}

/** Who holds the Lease, with the annotations the holder wrote. */
export interface LeaseHolder {
  readonly identity: string;
  readonly annotations: Readonly<Record<string, string>>;
}

export class LeaderElector {
  private readonly api: CoordinationV1Api;
  private readonly o: LeaderOptions;
  private readonly leaseMs: number;
  private readonly renewMs: number;
  private leading = false;
  private timer: NodeJS.Timeout | undefined;
  /** The election attempt under way; stop() waits for it so it cannot win after stop returned. */
  private inflight: Promise<void> | undefined;
  private stopped = false;
  private lastRenewMs = 0;
  private observed: { readonly record: string; readonly atMs: number } | undefined;
  private contact = false;
  private followingLive = false;

  constructor(options: LeaderOptions) {
    this.o = options;
    this.api = options.kc.makeApiClient(CoordinationV1Api);
    this.leaseMs = options.leaseMs ?? 15_000;
    this.renewMs = options.renewMs ?? 5_000;
  }

  get isLeader(): boolean {
    return this.leading;
  }

  /** The last attempt found another replica holding a valid Lease: this one stands by. */
  get following(): boolean {
    return this.followingLive;
  }

  /** The last election attempt reached the API server (won, lost, or lost a race). */
  get reachedApi(): boolean {
    return this.contact;
  }

  start(): void {
    this.stopped = false;
    this.inflight = this.tick();
  }

  private set(leading: boolean): void {
    if (leading === this.leading) return;
    this.leading = leading;
    this.o.onChange(leading);
  }

  private body(now: number, transitions: number, resourceVersion?: string): V1Lease {
    return {
      metadata: {
        name: this.o.name,
        namespace: this.o.namespace,
        ...(this.o.annotations ? { annotations: { ...this.o.annotations } } : {}),
        ...(resourceVersion ? { resourceVersion } : {}),
      },
      spec: {
        holderIdentity: this.o.identity,
        leaseDurationSeconds: Math.ceil(this.leaseMs / 1000),
        acquireTime: new V1MicroTime(now),
        renewTime: new V1MicroTime(now),
        leaseTransitions: transitions,
      },
    };
  }

  /** Whether the Lease record stayed unchanged for its duration, by our own clock. */
  private expired(lease: V1Lease, now: number): boolean {
    const spec = lease.spec ?? {};
    if (!spec.holderIdentity) return true;
    const record = `${spec.holderIdentity}|${String(spec.renewTime)}|${lease.metadata?.resourceVersion ?? ''}`;
    if (this.observed?.record !== record) this.observed = { record, atMs: now };
    return now - this.observed.atMs > (spec.leaseDurationSeconds ?? Math.ceil(this.leaseMs / 1000)) * 1000;
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
    this.contact = true;
    if (!lease) {
      await this.api.createNamespacedLease({ namespace, body: this.body(now, 0) });
      return true;
    }
    const spec = lease.spec ?? {};
    const holder = spec.holderIdentity ?? '';
    if (holder !== identity && !this.expired(lease, now)) return false;
    const body = this.body(
      now,
      (spec.leaseTransitions ?? 0) + (holder === identity ? 0 : 1),
      lease.metadata?.resourceVersion,
    );
    if (holder === identity && spec.acquireTime) body.spec!.acquireTime = spec.acquireTime;
    await this.api.replaceNamespacedLease({ name, namespace, body });
    return true;
  }

  private async tick(): Promise<void> {
    if (this.stopped) return;
    try {
      const won = await this.attempt();
      if (won) this.lastRenewMs = Date.now();
      this.followingLive = !won;
      this.set(won);
    } catch (err: unknown) {
      // A conflict means someone else wrote the Lease first; anything else, keep leading only
      // while our last renewal is still valid.
      const status = statusOf(err);
      if (status !== 409) this.o.onError?.(`leader election: ${requestProblem(err)}`);
      this.contact = status !== undefined;
      if (status !== 409) this.followingLive = false;
      if (Date.now() - this.lastRenewMs > this.leaseMs * 0.66) this.set(false);
    }
    if (this.stopped) return;
    this.timer = setTimeout(
      () => {
        this.inflight = this.tick();
      },
      this.leading ? this.renewMs : Math.min(this.renewMs, 2_000),
    );
  }

  /** The current holder (undefined when nobody holds the Lease). */
  async holder(): Promise<LeaseHolder | undefined> {
    try {
      const lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      const identity = lease.spec?.holderIdentity ?? '';
      return identity === '' ? undefined : { identity, annotations: lease.metadata?.annotations ?? {} };
    } catch (err: unknown) {
      if (statusOf(err) === 404) return undefined;
      throw err;
    }
  }

  /**
   * Stops electing. A leader empties the Lease so a follower takes over without waiting for
   * expiry, unless `release` is false (its last cycle may still be writing: the Lease then expires).
   */
  async stop(release = true): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.inflight;
    if (!this.leading) return;
    this.set(false);
    if (!release) return;
    try {
      const lease = await this.api.readNamespacedLease({ name: this.o.name, namespace: this.o.namespace });
      if (lease.spec?.holderIdentity === this.o.identity) {
        lease.spec.holderIdentity = '';
        await this.api.replaceNamespacedLease({ name: this.o.name, namespace: this.o.namespace, body: lease });
      }
    } catch (err: unknown) {
      this.o.onError?.(`leader election: giving up the Lease failed (${requestProblem(err)}); it expires by itself`);
    }
  }
}
