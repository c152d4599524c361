// The coordinator's shell for hook Jobs (spec.hooks, docs/decisions/0008): the coordinator, not the
// agent, creates them (an agent's identity is on every node; `create jobs` there would let one
// compromised node start pods anywhere). After each decision it asks the pure core which Jobs to
// create and which results to write on the grants, and carries that out: the Job from the install
// settings' template, owned by the grant Lease (deleted with it); the result with the grant's epoch
// as precondition; an Event on the Node naming the Job and how to read its output; the metric.
import type { Events, Grant, Grants, HookJobInfo, Jobs, NodeInfo, Cache } from '../kube/ports.ts';
import type { Log } from '../io/log.ts';
import { grantLeaseName, FLEET_LABEL } from '../kube/grants.ts';
import { HOOK_EPOCH_LABEL, HOOK_LABEL, HOOK_NODE_ANNOTATION, HOOK_NODE_LABEL } from '../kube/jobs.ts';
import { messageOf, TerminalError } from '../policy/errors.ts';
import { hookLogsCommand, type PolicyHooks } from '../policy/hooks.ts';
import { STATE_ANNOTATION } from '../policy/keys.ts';
import { decodeState, type NodeState } from '../policy/state.ts';
import { decideHooks, hookJob, type HookAction } from './core/hooks.ts';
import type { CoordinatorMetrics } from './metrics.ts';
import type { FleetConfig } from './view.ts';

const LABELS = {
  fleet: FLEET_LABEL,
  hook: HOOK_LABEL,
  epoch: HOOK_EPOCH_LABEL,
  node: HOOK_NODE_LABEL,
  nodeAnnotation: HOOK_NODE_ANNOTATION,
};
const WORDS = { preReboot: 'pre-reboot', postReboot: 'post-reboot' } as const;

export interface HookRunner {
  /** Carries out what the hooks need now; returns when to look again at the latest (Infinity: on a change). */
  step(nodes: readonly NodeInfo[], grants: readonly Grant[], nowMs: number): Promise<number>;
  stop(): void;
}

/** The policies' hooks by name; empty when no policy has one (then nothing watches Jobs). */
export function fleetHooks(fleet: FleetConfig): Map<string, PolicyHooks> {
  const out = new Map<string, PolicyHooks>();
  for (const c of fleet.configs) if (c.policy.hooks !== undefined) out.set(c.policy.name, c.policy.hooks);
  return out;
}

/** Starts the watch of the fleet's hook Jobs; `onChange` wakes the loop. */
export async function startHookRunner(o: {
  readonly fleet: FleetConfig;
  readonly jobs: Jobs;
  readonly grants: Grants;
  readonly events: Events;
  readonly log: Log;
  readonly metrics: CoordinatorMetrics;
  readonly onChange: () => void;
}): Promise<HookRunner> {
  const hooks = fleetHooks(o.fleet);
  const cache: Cache<HookJobInfo> = await o.jobs.watch();
  const off = cache.onChange(o.onChange);
  const namespace = o.fleet.namespace;
  const logs = (job: string) => `logs: ${hookLogsCommand(namespace, job)}`;

  const create = async (a: Extract<HookAction, { kind: 'create' }>): Promise<void> => {
    const job = hookJob(a, { fleet: o.fleet.fleet, namespace, lease: grantLeaseName(a.node), labels: LABELS });
    try {
      if (!(await o.jobs.create(job))) return;
    } catch (err: unknown) {
      // A Job the API server refuses (an invalid template, no RBAC) will not start by retrying: the hook fails.
      if (!(err instanceof TerminalError)) throw err;
      return mark({
        ...a,
        kind: 'mark',
        status: { state: 'failed', reason: `the Job was refused: ${messageOf(err)}` },
      });
    }
    const message = `started the ${WORDS[a.hook]} hook ${a.run.hook} (policy ${a.policy}): Job ${namespace}/${a.job}; ${logs(a.job)}`;
    o.log.info({ node: a.node, policy: a.policy, hook: a.hook, job: a.job }, message);
    void o.events.record(a.node, { type: 'Normal', reason: 'HookStarted', message });
  };

  // Results written, until the grant watch shows them: told (metric, Event) once.
  const marked = new Set<string>();
  const mark = async (a: Extract<HookAction, { kind: 'mark' }>): Promise<void> => {
    const key = `${a.epoch}|${a.hook}`;
    if (marked.has(key)) return;
    if (!(await o.grants.markHook({ node: a.node, epoch: a.epoch }, a.hook, a.status))) return;
    marked.add(key);
    o.metrics.hookRun(a.policy, a.hook, a.status.state);
    const run = hooks.get(a.policy)?.[a.hook];
    const name = `the ${WORDS[a.hook]} hook ${run?.hook ?? ''} (policy ${a.policy}, Job ${namespace}/${a.job})`;
    if (a.status.state === 'succeeded') {
      o.log.info({ node: a.node, hook: a.hook, job: a.job }, `${name} succeeded`);
      void o.events.record(a.node, { type: 'Normal', reason: 'HookSucceeded', message: `${name} succeeded` });
      return;
    }
    const next =
      a.hook === 'postReboot'
        ? 'noted as a failure of the attempt'
        : run?.onFailure === 'continue'
          ? 'the reboot goes on (hooks.preReboot.onFailure: continue)'
          : 'the node is not cordoned and its attempt fails (hooks.preReboot.onFailure: abort)';
    const message = `${name} failed: ${a.status.reason}; ${next}; ${logs(a.job)}`;
    o.log.warn({ node: a.node, hook: a.hook, job: a.job, reason: a.status.reason }, message);
    void o.events.record(a.node, { type: 'Warning', reason: 'HookFailed', message });
  };

  return {
    async step(nodes, grants, nowMs) {
      const states = new Map<string, NodeState | null>();
      for (const n of nodes) {
        const read = decodeState(n.annotations[STATE_ANNOTATION]);
        states.set(n.name, read.kind === 'ok' ? read.state : null);
      }
      const live = new Set(grants.flatMap((g) => ['preReboot', 'postReboot'].map((h) => `${g.epoch}|${h}`)));
      for (const key of marked) if (!live.has(key)) marked.delete(key);
      const out = decideHooks({ grants, jobs: cache.list(), states, hooks, nowMs });
      for (const a of out.actions) {
        if (a.kind === 'create') await create(a);
        else await mark(a);
      }
      return out.nextCheckMs ?? Infinity;
    },
    stop() {
      off();
      cache.stop();
    },
  };
}
