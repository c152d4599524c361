// The coordinator's hook decision (pure): which Jobs to create and which results to write on the
// grants, from what the caches show; a restarted coordinator that finds the Job creates none again.
import { describe, expect, it } from 'vitest';
import type { Grant } from '../../kube/ports.ts';
import { hookJobName, type HookJobInfo, type HookRun, type PolicyHooks } from '../../policy/hooks.ts';
import type { NodeState } from '../../policy/state.ts';
import { decideHooks, hookJob, HOOK_TIMEOUT_GRACE_MS, type HookInput } from './hooks.ts';

const NOW = Date.parse('2026-12-05T10:00:00Z');
const run = (hook: string, timeoutMs = 60_000): HookRun => ({
  hook,
  timeoutMs,
  onFailure: 'abort',
  template: {
    backoffLimit: 1,
    template: {
      metadata: { labels: { team: 'db' } },
      spec: {
        serviceAccountName: 'db-hooks',
        containers: [
          {
            name: 'step',
            image: 'tools:1',
            env: [
              { name: 'MODE', value: 'x' },
              { name: 'NODE_NAME', value: 'spoofed' },
            ],
          },
        ],
      },
    },
  },
});
const HOOKS: PolicyHooks = { preReboot: run('step-down'), postReboot: run('step-up') };
const grant = (hooks: Grant['hooks'], node = 'n1', epoch = 'uid-1') => ({ node, policy: 'db', epoch, hooks });
const cordoning = (epoch = 'uid-1'): NodeState => ({
  phase: 'cordoning',
  policy: 'db',
  attempt: 1,
  bootId: 'b',
  grant: epoch,
  cordoned: false,
  labels: {},
  startedMs: NOW,
  sinceMs: NOW,
});
const job = (
  hook: 'preReboot' | 'postReboot',
  outcome: HookJobInfo['outcome'],
  createdMs = NOW - 1_000,
): HookJobInfo => ({
  name: hookJobName(hook, 'n1', 'uid-1'),
  node: 'n1',
  hook,
  epoch: 'uid-1',
  createdMs,
  outcome,
});
const decide = (o: Partial<HookInput>) =>
  decideHooks({
    grants: [],
    jobs: [],
    states: new Map([['n1', cordoning()]]),
    hooks: new Map([['db', HOOKS]]),
    nowMs: NOW,
    ...o,
  });
const pending = { state: 'pending' } as const;

describe('decideHooks', () => {
  it('creates the pre-reboot Job once the agent recorded the grant (cordoning), not before', () => {
    const g = grant({ preReboot: pending });
    expect(decide({ grants: [g] }).actions).toEqual([
      {
        kind: 'create',
        node: 'n1',
        policy: 'db',
        hook: 'preReboot',
        epoch: 'uid-1',
        job: hookJobName('preReboot', 'n1', 'uid-1'),
        run: HOOKS.preReboot,
      },
    ]);
    const acquiring = { ...cordoning(), phase: 'acquiring' as const };
    expect(decide({ grants: [g], states: new Map([['n1', acquiring]]) }).actions).toEqual([]);
    expect(decide({ grants: [g], states: new Map([['n1', cordoning('uid-0')]]) }).actions).toEqual([]);
  });

  it('creates the post-reboot Job as soon as the agent asks for it', () => {
    const out = decide({
      grants: [grant({ preReboot: { state: 'succeeded' }, postReboot: pending })],
      states: new Map(),
    });
    expect(out.actions).toMatchObject([{ kind: 'create', hook: 'postReboot' }]);
  });

  it('a restarted coordinator that sees the Job running creates no second one, and looks again at its timeout', () => {
    const out = decide({ grants: [grant({ preReboot: pending })], jobs: [job('preReboot', { state: 'running' })] });
    expect(out.actions).toEqual([]);
    expect(out.nextCheckMs).toBe(NOW - 1_000 + 60_000 + HOOK_TIMEOUT_GRACE_MS);
  });

  it('writes succeeded when the Job completed, and the failure with its reason when it failed', () => {
    expect(
      decide({ grants: [grant({ preReboot: pending })], jobs: [job('preReboot', { state: 'complete' })] }).actions,
    ).toMatchObject([{ kind: 'mark', hook: 'preReboot', epoch: 'uid-1', status: { state: 'succeeded' } }]);
    const failed = job('preReboot', {
      state: 'failed',
      reason: 'DeadlineExceeded: Job was active longer than specified deadline',
    });
    expect(decide({ grants: [grant({ preReboot: pending })], jobs: [failed] }).actions).toMatchObject([
      {
        kind: 'mark',
        status: {
          state: 'failed',
          reason: `Job ${failed.name} failed: DeadlineExceeded: Job was active longer than specified deadline`,
        },
      },
    ]);
  });

  it('gives up on a Job still running past its timeout (a Job controller that never ends it)', () => {
    const late = job('postReboot', { state: 'running' }, NOW - 60_000 - HOOK_TIMEOUT_GRACE_MS);
    expect(decide({ grants: [grant({ postReboot: pending })], jobs: [late] }).actions).toMatchObject([
      {
        kind: 'mark',
        hook: 'postReboot',
        status: { state: 'failed', reason: `Job ${late.name} did not finish within 1m (hooks.postReboot.timeout)` },
      },
    ]);
  });

  it('leaves results alone once written, and a Job of an older grant of the node does not count for a new one', () => {
    expect(
      decide({ grants: [grant({ preReboot: { state: 'succeeded' }, postReboot: { state: 'failed', reason: 'x' } })] })
        .actions,
    ).toEqual([]);
    const newer = grant({ preReboot: pending }, 'n1', 'uid-2');
    const out = decide({
      grants: [newer],
      jobs: [job('preReboot', { state: 'complete' })],
      states: new Map([['n1', cordoning('uid-2')]]),
    });
    expect(out.actions).toMatchObject([
      { kind: 'create', epoch: 'uid-2', job: hookJobName('preReboot', 'n1', 'uid-2') },
    ]);
  });

  it('fails a pending hook the policy no longer has', () => {
    expect(decide({ grants: [grant({ postReboot: pending })], hooks: new Map() }).actions).toMatchObject([
      { kind: 'mark', status: { state: 'failed', reason: 'policy db names no postReboot hook any more' } },
    ]);
  });
});

describe('hookJob', () => {
  it('is the install settings JobSpec with the node in its environment, the timeout as its deadline and the grant as owner', () => {
    const [create] = decide({ grants: [grant({ preReboot: pending })] }).actions;
    const labels = {
      fleet: 'patchwindow.io/fleet',
      hook: 'patchwindow.io/hook',
      epoch: 'patchwindow.io/grant-epoch',
      node: 'patchwindow.io/node',
      nodeAnnotation: 'patchwindow.io/node',
    };
    const body = hookJob(create as Extract<typeof create, { kind: 'create' }>, {
      fleet: 'prod',
      namespace: 'pw',
      lease: 'patchwindow-grant-n1',
      labels,
    });
    const jobLabels = {
      'patchwindow.io/fleet': 'prod',
      'patchwindow.io/hook': 'preReboot',
      'patchwindow.io/grant-epoch': 'uid-1',
      'patchwindow.io/node': 'n1',
      'app.kubernetes.io/managed-by': 'patchwindow',
    };
    expect(body).toEqual({
      apiVersion: 'batch/v1',
      kind: 'Job',
      metadata: {
        name: hookJobName('preReboot', 'n1', 'uid-1'),
        namespace: 'pw',
        labels: jobLabels,
        annotations: { 'patchwindow.io/node': 'n1' },
        ownerReferences: [
          { apiVersion: 'coordination.k8s.io/v1', kind: 'Lease', name: 'patchwindow-grant-n1', uid: 'uid-1' },
        ],
      },
      spec: {
        backoffLimit: 1,
        activeDeadlineSeconds: 60,
        template: {
          metadata: { labels: { team: 'db', ...jobLabels } },
          spec: {
            serviceAccountName: 'db-hooks',
            restartPolicy: 'Never',
            containers: [
              {
                name: 'step',
                image: 'tools:1',
                env: [
                  { name: 'NODE_NAME', value: 'n1' },
                  { name: 'PATCHWINDOW_NODE', value: 'n1' },
                  { name: 'PATCHWINDOW_POLICY', value: 'db' },
                  { name: 'PATCHWINDOW_HOOK', value: 'preReboot' },
                  { name: 'MODE', value: 'x' },
                ],
              },
            ],
          },
        },
      },
    });
  });
});
