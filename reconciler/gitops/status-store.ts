// Where the reconciler shows its state without logs: a ConfigMap (last applied and last attempted
// commit, time, result, errors) and Events on it. Nothing written here contains credentials: the
// source is described with its URL masked.
import { CoreV1Api, PatchStrategy, setHeaderOptions, type KubeConfig } from '@kubernetes/client-node';
import { randomBytes } from 'node:crypto';
import { statusOf } from '../../kube/errors.ts';
import { requestProblem } from '../../kube/cluster-errors.ts';
import { coverageLines, describeResult, type CycleResult } from './cycle.ts';

export interface StatusStoreOptions {
  readonly kc: KubeConfig;
  readonly namespace: string;
  readonly name: string;
  /** Masked description of the source, e.g. https://***@git.example/policies.git@main. */
  readonly source: string;
  /** The replica that ran the cycle (its leader identity). */
  readonly reconciler?: string;
  readonly onError?: (message: string) => void;
}

/**
 * Whether a cycle deserves an Event: something changed in the cluster, or the result differs from
 * the last one recorded. A reconciler that re-applies an unchanged commit every two minutes does
 * not flood the namespace with identical Events.
 */
export function eventWorthy(previous: Readonly<Record<string, string>>, r: CycleResult): boolean {
  if (r.outcome === 'applied') {
    const { created, configured, pruned } = r.result;
    return (
      previous.lastResult !== 'applied' ||
      previous.lastAppliedCommit !== r.commit ||
      created.length + configured.length + pruned.length > 0
    );
  }
  return previous.lastResult !== r.outcome || previous.message !== describeResult(r).join('\n');
}

/** The ConfigMap's data after a cycle, given the data it had. */
export function statusData(
  previous: Readonly<Record<string, string>>,
  r: CycleResult,
  nowIso: string,
  source: string,
): Record<string, string> {
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
    // Only a cycle that read the nodes replaces what the last check found.
    if (r.coverage?.checked) data.coverage = coverageLines(r).join('\n');
  } else {
    data.errors = describeResult(r)
      .slice(r.outcome === 'invalid' ? 1 : 0)
      .join('\n');
  }
  if (r.outcome === 'invalid') {
    // Kept until the next refusal, so `patchwindow status` shows the last refused commit and why
    // even after later commits applied.
    data.lastRefusedCommit = r.commit;
    data.lastRefusedTime = nowIso;
    data.lastRefusedReason = data.errors;
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

  /** The ConfigMap's data; {} when it does not exist yet. Other failures throw. */
  async read(): Promise<Record<string, string>> {
    try {
      const cm = await this.core.readNamespacedConfigMap({ name: this.o.name, namespace: this.o.namespace });
      return cm.data ?? {};
    } catch (err: unknown) {
      if (statusOf(err) === 404) return {};
      throw err;
    }
  }

  /** Records a cycle's result; failures to write are reported, never thrown. */
  async record(r: CycleResult, nowMs: number): Promise<void> {
    const nowIso = new Date(nowMs).toISOString();
    let previous: Record<string, string>;
    try {
      previous = await this.read();
    } catch (err: unknown) {
      // Writing without the previous data would drop lastAppliedCommit (apply owns every key it wrote).
      this.o.onError?.(
        `status ConfigMap ${this.o.namespace}/${this.o.name} not read, so not written: ${requestProblem(err)}`,
      );
      return;
    }
    const data = statusData(previous, r, nowIso, this.o.source);
    if (this.o.reconciler) data.reconciler = this.o.reconciler;
    try {
      await this.core.patchNamespacedConfigMap(
        {
          name: this.o.name,
          namespace: this.o.namespace,
          fieldManager: 'patchwindow-reconciler',
          force: true,
          body: {
            apiVersion: 'v1',
            kind: 'ConfigMap',
            metadata: {
              name: this.o.name,
              namespace: this.o.namespace,
              labels: { 'app.kubernetes.io/name': 'patchwindow', 'app.kubernetes.io/component': 'reconciler' },
            },
            data,
          },
        },
        setHeaderOptions('Content-Type', PatchStrategy.ServerSideApply),
      );
    } catch (err: unknown) {
      this.o.onError?.(`status ConfigMap ${this.o.namespace}/${this.o.name} not written: ${requestProblem(err)}`);
    }
    if (eventWorthy(previous, r)) await this.event(r, nowMs);
    const coverage = coverageLines(r);
    if (r.outcome === 'applied' && r.coverage && coverage.length > 0 && previous.coverage !== data.coverage) {
      await this.post(
        'Warning',
        'PolicyCoverage',
        `commit ${r.commit.slice(0, 12)}: ${coverage.map((l) => l.replace(/^warning: /, '')).join('; ')}`,
        nowMs,
      );
    }
  }

  private async event(r: CycleResult, nowMs: number): Promise<void> {
    const reason =
      r.outcome === 'applied' ? 'Applied' : r.outcome === 'invalid' ? 'InvalidPolicies' : 'ReconcileFailed';
    await this.post(r.outcome === 'applied' ? 'Normal' : 'Warning', reason, describeResult(r).join('\n'), nowMs);
  }

  private async post(type: 'Normal' | 'Warning', reason: string, message: string, nowMs: number): Promise<void> {
    const now = new Date(nowMs);
    try {
      await this.core.createNamespacedEvent({
        namespace: this.o.namespace,
        body: {
          metadata: {
            name: `${this.o.name}.${now.getTime().toString(16)}${randomBytes(3).toString('hex')}`,
            namespace: this.o.namespace,
          },
          involvedObject: { apiVersion: 'v1', kind: 'ConfigMap', name: this.o.name, namespace: this.o.namespace },
          type,
          reason,
          message: message.slice(0, 1000),
          source: { component: 'patchwindow-reconciler' },
          firstTimestamp: now,
          lastTimestamp: now,
          count: 1,
        },
      });
    } catch (err: unknown) {
      this.o.onError?.(`event ${reason} not recorded: ${requestProblem(err)}`);
    }
  }
}
