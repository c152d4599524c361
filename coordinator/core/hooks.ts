// Hook Jobs (spec.hooks), the coordinator's decision (pure): for each grant whose hook is pending,
// create its Job, or write its result on the grant once the Job completed, failed, or ran past its
// timeout. Every step is derived from what the caches show, so a restarted (or another) coordinator
// picks up where the last one stopped: the Job's name comes from the node and the grant's epoch,
// so it is found again (never a second one), and a create that finds it answers 409.
//
// The pre-reboot Job starts only once the agent recorded the grant's epoch (phase cordoning): a
// grant the agent gives back at once (blocked, no longer needed) starts no hook. The post-reboot Job
// starts when the agent marks it pending, after its uncordon.
import { formatDuration } from '../../policy/duration.ts';
import {
  hookJobName,
  type HookJobInfo,
  type HookKind,
  type HookRun,
  type HookStatus,
  type PolicyHooks,
} from '../../policy/hooks.ts';
import type { NodeState } from '../../policy/state.ts';

/** A Job still running this long after its timeout (activeDeadlineSeconds) is given up by the coordinator itself. */
export const HOOK_TIMEOUT_GRACE_MS = 15_000;

export interface HookInput {
  /** The grants as the coordinator's watch shows them (kube/ports.ts Grant). */
  readonly grants: readonly {
    readonly node: string;
    readonly policy: string;
    readonly epoch: string;
    readonly hooks?: { readonly [K in HookKind]?: HookStatus };
  }[];
  readonly jobs: readonly HookJobInfo[];
  /** The agents' records by node (null: none or unreadable). */
  readonly states: ReadonlyMap<string, NodeState | null>;
  /** Each policy's hooks (absent: none). */
  readonly hooks: ReadonlyMap<string, PolicyHooks>;
  readonly nowMs: number;
}

export type HookAction =
  | {
      readonly kind: 'create';
      readonly node: string;
      readonly policy: string;
      readonly hook: HookKind;
      readonly epoch: string;
      readonly job: string;
      readonly run: HookRun;
    }
  | {
      readonly kind: 'mark';
      readonly node: string;
      readonly policy: string;
      readonly hook: HookKind;
      readonly epoch: string;
      readonly job: string;
      readonly status: Exclude<HookStatus, { state: 'pending' }>;
    };

export interface HookOutput {
  readonly actions: readonly HookAction[];
  /** When a running Job's timeout passes (decide again then); null: none. */
  readonly nextCheckMs: number | null;
}

export function decideHooks(input: HookInput): HookOutput {
  const actions: HookAction[] = [];
  let nextCheckMs: number | null = null;
  for (const g of input.grants) {
    for (const hook of ['preReboot', 'postReboot'] as const) {
      if (g.hooks?.[hook]?.state !== 'pending') continue;
      const job = hookJobName(hook, g.node, g.epoch);
      const base = { node: g.node, policy: g.policy, hook, epoch: g.epoch, job };
      const run = input.hooks.get(g.policy)?.[hook];
      if (run === undefined) {
        const reason = `policy ${g.policy} names no ${hook} hook any more`;
        actions.push({ ...base, kind: 'mark', status: { state: 'failed', reason } });
        continue;
      }
      const found = input.jobs.find((j) => j.name === job && j.epoch === g.epoch);
      if (found === undefined) {
        const state = input.states.get(g.node);
        const committed = state?.phase === 'cordoning' && state.grant === g.epoch;
        if (hook === 'postReboot' || committed) actions.push({ ...base, kind: 'create', run });
        continue;
      }
      if (found.outcome.state === 'complete') {
        actions.push({ ...base, kind: 'mark', status: { state: 'succeeded' } });
        continue;
      }
      if (found.outcome.state === 'failed') {
        const reason = `Job ${job} failed: ${found.outcome.reason}`;
        actions.push({ ...base, kind: 'mark', status: { state: 'failed', reason } });
        continue;
      }
      const deadlineMs = found.createdMs + run.timeoutMs + HOOK_TIMEOUT_GRACE_MS;
      if (input.nowMs >= deadlineMs) {
        const reason = `Job ${job} did not finish within ${formatDuration(run.timeoutMs)} (hooks.${hook}.timeout)`;
        actions.push({ ...base, kind: 'mark', status: { state: 'failed', reason } });
      } else nextCheckMs = Math.min(nextCheckMs ?? Infinity, deadlineMs);
    }
  }
  return { actions, nextCheckMs };
}

/** The Job of a `create` action: the install settings' JobSpec with the node, the timeout and the owner filled in. */
export function hookJob(
  a: Extract<HookAction, { kind: 'create' }>,
  o: { readonly fleet: string; readonly namespace: string; readonly lease: string; readonly labels: HookJobLabels },
): Record<string, unknown> {
  const spec = a.run.template;
  const pod = spec.template;
  const env = [
    { name: 'NODE_NAME', value: a.node },
    { name: 'PATCHWINDOW_NODE', value: a.node },
    { name: 'PATCHWINDOW_POLICY', value: a.policy },
    { name: 'PATCHWINDOW_HOOK', value: a.hook },
  ];
  const ours = new Set(env.map((e) => e.name));
  const labels: Record<string, string> = {
    [o.labels.fleet]: o.fleet,
    [o.labels.hook]: a.hook,
    [o.labels.epoch]: a.epoch,
    // A label value holds 63 characters; the annotation always has the full name.
    ...(a.node.length <= 63 ? { [o.labels.node]: a.node } : {}),
    'app.kubernetes.io/managed-by': 'patchwindow',
  };
  return {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: {
      name: a.job,
      namespace: o.namespace,
      labels,
      annotations: { [o.labels.nodeAnnotation]: a.node },
      // Deleted with its grant (the agent releases it, or an operator deletes it): no Job outlives its slot.
      ownerReferences: [{ apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: o.lease, uid: a.epoch }],
    },
    spec: {
      ...spec,
      backoffLimit: spec.backoffLimit ?? 0,
      activeDeadlineSeconds: Math.ceil(a.run.timeoutMs / 1000),
      template: {
        ...pod,
        metadata: { ...pod.metadata, labels: { ...pod.metadata?.labels, ...labels } },
        spec: {
          ...pod.spec,
          restartPolicy: pod.spec.restartPolicy ?? 'Never',
          containers: pod.spec.containers.map((c) => ({
            ...c,
            env: [...env, ...((c.env as { name: string }[] | undefined) ?? []).filter((e) => !ours.has(e.name))],
          })),
        },
      },
    },
  };
}

/** The label and annotation keys of hook Jobs (kube/jobs.ts owns them; the core gets them passed). */
export interface HookJobLabels {
  readonly fleet: string;
  readonly hook: string;
  readonly epoch: string;
  readonly node: string;
  readonly nodeAnnotation: string;
}
