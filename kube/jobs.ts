// Jobs port on batch/v1: the hook Jobs the coordinator creates for the grants of its fleet (one per
// grant and hook, named after both so every coordinator creates the same one once), and a watch of
// them by label. Their outcome is read from the Job's own conditions (Complete, Failed with its
// reason, e.g. DeadlineExceeded or BackoffLimitExceeded).
import type { V1Job, V1JobList } from '@kubernetes/client-node';
import type { HookKind } from '../policy/hooks.ts';
import { definedOnly, watchCache } from './cache.ts';
import { call } from './errors.ts';
import { FLEET_LABEL } from './grants.ts';
import type { Cache, HookJobInfo, Jobs } from './ports.ts';
import type { Rest } from './rest.ts';

/** Labels and annotations of a hook Job. */
export const HOOK_LABEL = 'patchwindow.io/hook';
export const HOOK_EPOCH_LABEL = 'patchwindow.io/grant-epoch';
export const HOOK_NODE_LABEL = 'patchwindow.io/node';
/** The node's name in full (a label value holds 63 characters at most). */
export const HOOK_NODE_ANNOTATION = 'patchwindow.io/node';

const KINDS: readonly HookKind[] = ['preReboot', 'postReboot'];

/** The HookJobInfo of a Job, or undefined for a Job that is not a complete hook Job. */
export function hookJobOf(job: V1Job): HookJobInfo | undefined {
  const m = job.metadata;
  const hook = m?.labels?.[HOOK_LABEL] as HookKind | undefined;
  const epoch = m?.labels?.[HOOK_EPOCH_LABEL];
  const node = m?.annotations?.[HOOK_NODE_ANNOTATION];
  if (!m?.name || hook === undefined || !KINDS.includes(hook) || !epoch || !node) return undefined;
  const conditions = job.status?.conditions ?? [];
  const isTrue = (type: string) => conditions.find((c) => c.type === type && c.status === 'True');
  const failed = isTrue('Failed');
  const outcome: HookJobInfo['outcome'] = isTrue('Complete')
    ? { state: 'complete' }
    : failed
      ? { state: 'failed', reason: [failed.reason, failed.message].filter(Boolean).join(': ') || 'the Job failed' }
      : { state: 'running' };
  const created = m.creationTimestamp === undefined ? 0 : new Date(m.creationTimestamp).getTime();
  return { name: m.name, node, hook, epoch, createdMs: created, outcome };
}

export class KubeJobs implements Jobs {
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
    return `/apis/batch/v1/namespaces/${this.namespace}/jobs`;
  }

  async watch(): Promise<Cache<HookJobInfo>> {
    const labelSelector = `${FLEET_LABEL}=${this.fleet},${HOOK_LABEL}`;
    const path = this.path();
    const cache = await watchCache({
      rest: this.rest,
      what: `watch hook Jobs in ${this.namespace}`,
      path,
      labelSelector,
      list: () => this.rest.request<V1JobList>('GET', path, { query: { labelSelector } }),
      map: hookJobOf,
      onError: this.onWatchError,
    });
    return definedOnly(cache);
  }

  create(job: Readonly<Record<string, unknown>>): Promise<boolean> {
    const name = (job.metadata as { name?: string } | undefined)?.name ?? '';
    return call(
      `create hook Job ${this.namespace}/${name}`,
      async () => {
        await this.rest.request('POST', this.path(), { body: job });
        return true;
      },
      { 409: () => false },
    );
  }
}
