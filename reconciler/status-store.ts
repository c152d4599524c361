// Where the reconciler shows its state without logs: a ConfigMap (last applied and last attempted
// commit, time, result, errors) and Events on it. Nothing written here contains credentials: the
// source is described with its URL masked.
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { messageOf } from '../policy/errors.ts';
import { describeResult, type CycleResult } from './cycle.ts';

export interface StatusStoreOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** Masked description of the source, e.g. https://***@git.example/policies.git@main. */
  readonly source: string;
  readonly onError?: (message: string) => void;
}

/** The ConfigMap's data after a cycle, given the data it had. */
export function statusData(previous: Readonly<Record<string, string>>, r: CycleResult, nowIso: string, source: string): Record<string, string> {
  const data: Record<string, string> = {
    ...previous,
    source,
    lastAttemptTime: nowIso,
    lastAttemptedCommit: r.commit ?? previous.lastAttemptedCommit ?? '',
    lastResult: r.outcome,
    message: describeResult(r).join('\n'),
  };
  if (r.outcome === 'applied') {
    data.lastAppliedCommit = r.commit;
    data.lastAppliedTime = nowIso;
    data.policies = String(r.policies);
    data.pools = String(r.pools);
    data.errors = '';
  } else {
    data.errors = describeResult(r).slice(r.outcome === 'invalid' ? 1 : 0).join('\n');
  }
  return data;
}

export class StatusStore {
  private readonly core: CoreV1Api;
  private readonly o: StatusStoreOptions;

  constructor(options: StatusStoreOptions) {
    this.o = options;
    this.core = options.kc.makeApiClient(CoreV1Api);
  }

  async read(): Promise<Record<string, string>> {
    try {
      const cm = await this.core.readNamespacedConfigMap({ name: this.o.name, namespace: this.o.namespace });
      return cm.data ?? {};
    } catch {
      return {};
    }
  }

  /** Records a cycle's result; failures to write are reported, never thrown. */
  async record(r: CycleResult, nowMs: number): Promise<void> {
    const nowIso = new Date(nowMs).toISOString();
    const data = statusData(await this.read(), r, nowIso, this.o.source);
    try {
      await this.core.patchNamespacedConfigMap(
        {
          name: this.o.name,
          namespace: this.o.namespace,
          fieldManager: 'patchwindow-reconciler',
          force: true,
          body: { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: this.o.name, namespace: this.o.namespace, labels: { 'app.kubernetes.io/name': 'patchwindow', 'app.kubernetes.io/component': 'reconciler' } }, data },
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    } catch (err: unknown) {
      this.o.onError?.(`status ConfigMap ${this.o.namespace}/${this.o.name} not written: ${messageOf(err).split('\n')[0]!}`);
    }
    await this.event(r, nowMs);
  }

  private async event(r: CycleResult, nowMs: number): Promise<void> {
    const now = new Date(nowMs);
    const lines = describeResult(r);
    const reason = r.outcome === 'applied' ? 'Applied' : r.outcome === 'invalid' ? 'InvalidPolicies' : 'ReconcileFailed';
    try {
      await this.core.createNamespacedEvent({
        namespace: this.o.namespace,
        body: {
          metadata: { name: `${this.o.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`, namespace: this.o.namespace },
          involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', name: this.o.name, namespace: this.o.namespace },
          type: r.outcome === 'applied' ? 'Normal' : 'Warning',
          reason,
          message: lines.join('\n').slice(0, 1000),
          source: { component: 'patchwindow-reconciler' },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (err: unknown) {
      this.o.onError?.(`event ${reason} not recorded: ${messageOf(err).split('\n')[0]!}`);
    }
  }
}
