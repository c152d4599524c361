// `patchwindow status` against the real control plane: policies applied with `patchwindow apply`,
// kwok nodes in several phases (state annotations as the agent writes them, a held slot Lease, an
// admin hold, a NotReady and a cordoned node, a waiting Event), read back as text and as JSON.
import { CoordinationV1Api, CoreV1Api, RbacAuthorizationV1Api, V1MicroTime } from '@kubernetes/client-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  coordinatorLeaseName,
  GRANT_LABEL,
  GRANT_POLICY_LABEL,
  grantLeaseName,
  NODE_UID_ANNOTATION,
} from '../../kube/grants.ts';
import {
  HOLD_KEY,
  REBOOT_REQUIRED_LABEL,
  REBOOT_REQUIRED_SINCE_ANNOTATION,
  STATE_ANNOTATION,
} from '../../policy/keys.ts';
import { encodeState } from '../../policy/state.ts';
import { StatusStore } from '../../reconciler/gitops/status-store.ts';
import { runCli } from '../helpers/cli.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';
import { fleetYaml, policyYaml, unreachableKubeconfig } from './reconcile-fixtures.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const leases = kc.makeApiClient(CoordinationV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const POOL = 'status.patchwindow.dev/pool';
const NOW = Date.now();
const HOUR = 3_600_000;

describe('patchwindow status', () => {
  let dir: string;
  const ns = uniqueName('status');
  const fleet = uniqueName('fleet');
  const alpha = uniqueName('alpha');
  const beta = uniqueName('beta');
  const n = {
    draining: `${alpha}-draining`,
    pending: `${alpha}-pending`,
    held: `${beta}-held`,
    down: `${beta}-down`,
    cordoned: `${beta}-cordoned`,
    idle: `${beta}-idle`,
  };
  const eventName = uniqueName('wait');
  const admin = { KUBECONFIG: cluster.info.kubeconfigPath };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'patchwindow-status-'));
    await writeFile(join(dir, 'fleet.yaml'), fleetYaml({ name: fleet, namespace: ns, poolLabel: POOL }));
    await writeFile(join(dir, 'alpha.yaml'), policyYaml('alpha', [alpha]));
    await writeFile(join(dir, 'beta.yaml'), policyYaml('beta', [beta], { maxUnavailable: 2 }));
    expect((await runCli(['apply', dir], { env: admin })).code).toBe(0);

    const since = new Date(NOW - 2 * HOUR).toISOString();
    const required = { [REBOOT_REQUIRED_LABEL]: 'true' };
    const state = encodeState({
      phase: 'draining',
      policy: 'alpha',
      attempt: 1,
      bootId: 'b1',
      grant: 'epoch-1',
      cordoned: true,
      labels: {},
      startedMs: NOW - HOUR,
      sinceMs: NOW - HOUR,
      drainDeadlineMs: NOW + HOUR,
    });
    await cluster.createNodes([
      {
        name: n.draining,
        labels: { [POOL]: alpha, ...required },
        annotations: { [REBOOT_REQUIRED_SINCE_ANNOTATION]: since, [STATE_ANNOTATION]: state },
      },
      {
        name: n.pending,
        labels: { [POOL]: alpha, ...required },
        annotations: { [REBOOT_REQUIRED_SINCE_ANNOTATION]: since },
      },
      {
        name: n.held,
        labels: { [POOL]: beta, ...required, [HOLD_KEY]: 'audit' },
        annotations: { [REBOOT_REQUIRED_SINCE_ANNOTATION]: since },
      },
      { name: n.down, labels: { [POOL]: beta } },
      { name: n.cordoned, labels: { [POOL]: beta } },
      { name: n.idle, labels: { [POOL]: beta } },
    ]);
    await cluster.setNodeReady(n.down, false);
    await core.patchNode({ name: n.cordoned, body: [{ op: 'add', path: '/spec/unschedulable', value: true }] });
    const now = new V1MicroTime(NOW);
    await leases.createNamespacedLease({
      namespace: ns,
      body: {
        metadata: {
          name: grantLeaseName(n.draining),
          labels: { 'patchwindow.io/fleet': fleet, [GRANT_LABEL]: 'true', [GRANT_POLICY_LABEL]: 'alpha' },
          annotations: { [NODE_UID_ANNOTATION]: 'uid' },
        },
        spec: { holderIdentity: n.draining, leaseDurationSeconds: 900, acquireTime: now, renewTime: now },
      },
    });
    // The coordinator's election Lease, renewed just now by its leader.
    await leases.createNamespacedLease({
      namespace: ns,
      body: {
        metadata: { name: coordinatorLeaseName(fleet) },
        spec: { holderIdentity: 'coordinator-0', leaseDurationSeconds: 15, acquireTime: now, renewTime: now },
      },
    });
    await core.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: eventName },
        involvedObject: { apiVersion: 'v1', kind: 'Node', name: n.pending, uid: n.pending },
        type: 'Normal',
        reason: 'WaitingForGrant',
        message: 'budget of alpha spent: 1 of 1 unavailable',
        source: { component: 'patchwindow-agent', host: n.pending },
        firstTimestamp: new Date(NOW - HOUR),
        lastTimestamp: new Date(NOW - HOUR),
        count: 1,
      },
    });
  });

  afterAll(async () => {
    await cluster.deleteNodes(Object.values(n));
    await core.deleteNamespacedEvent({ namespace: 'default', name: eventName }).catch(() => undefined);
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('shows nodes in every phase and the budgets of their policies as JSON', async () => {
    const run = await runCli(['status', '--format', 'json', '--namespace', ns], { env: admin, nowMs: NOW });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const doc = JSON.parse(run.stdout) as {
      nodes: Record<string, unknown>[];
      pools: Record<string, unknown>[];
      coordinators: Record<string, unknown>[];
    };
    const row = (name: string) => doc.nodes.find((r) => r.node === name);
    expect(row(n.draining)).toMatchObject({
      fleet,
      policies: ['alpha'],
      pool: alpha,
      phase: 'draining',
      grant: { since: new Date(NOW).toISOString(), stalledSince: null },
      rebootRequiredSince: new Date(NOW - 2 * HOUR).toISOString(),
      unavailable: true,
    });
    expect(row(n.pending)).toMatchObject({
      policies: ['alpha'],
      phase: 'pending',
      grant: null,
      blocker: 'WaitingForGrant: budget of alpha spent: 1 of 1 unavailable',
      unavailable: false,
    });
    expect(row(n.held)).toMatchObject({
      policies: ['beta'],
      phase: 'pending',
      blocker: 'node label patchwindow.io/hold="audit" holds it',
    });
    expect(row(n.down)).toMatchObject({ phase: 'idle', unavailable: true, rebootRequired: false });
    expect(row(n.cordoned)).toMatchObject({ phase: 'idle', unavailable: true });
    expect(row(n.idle)).toMatchObject({ phase: 'idle', unavailable: false, blocker: null });
    expect((row(n.idle)!.nextWindow as { start: string }).start).toMatch(/T01:00:00\.000Z$/);
    expect(doc.pools).toEqual([
      expect.objectContaining({
        fleet,
        policy: 'alpha',
        nodes: 2,
        budget: '1',
        allowedUnavailable: 1,
        unavailable: 1,
        pending: 1,
      }),
      expect.objectContaining({
        fleet,
        policy: 'beta',
        nodes: 4,
        budget: '2',
        allowedUnavailable: 2,
        unavailable: 2,
        pending: 1,
      }),
    ]);
    expect(doc.coordinators).toEqual([
      { fleet, present: true, leader: 'coordinator-0', lastRenewal: new Date(NOW).toISOString() },
    ]);
  });

  it('prints the same as tables for a terminal', async () => {
    const run = await runCli(['status', '--namespace', ns], { env: admin, nowMs: NOW });
    expect(run.code).toBe(0);
    const line = (name: string) => run.stdout.split('\n').find((l) => l.startsWith(`${name} `)) ?? '';
    expect(line(n.draining)).toMatch(
      new RegExp(
        `^${n.draining} +alpha +${alpha} +\\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d \\+00:00 \\(2h\\) +draining +since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d \\+00:00 +- +`,
      ),
    );
    expect(line(n.held)).toContain('node label patchwindow.io/hold="audit" holds it');
    expect(run.stdout).toMatch(new RegExp(`^${fleet} +beta +4 +2 \\(2\\) +2 +1 +`, 'm'));
    expect(run.stdout).toMatch(new RegExp(`^${fleet} +present +coordinator-0 +`, 'm'));
  });

  it("shows the reconciler's last applied and last refused commit, with the reason", async () => {
    const store = new StatusStore({
      kc,
      namespace: ns,
      name: 'patchwindow-reconciler-status',
      source: 'https://git.example/policies.git@main',
    });
    const good = 'a'.repeat(40);
    const bad = 'b'.repeat(40);
    const noChange = { created: [], configured: [], unchanged: [], pruned: [] };
    await store.record(
      { outcome: 'applied', commit: good, result: noChange, policies: 2, pools: 2, warnings: [] },
      NOW - HOUR,
    );
    const error = {
      file: 'policies/alpha.yaml',
      line: 12,
      column: 14,
      path: 'spec.windows[0].start',
      severity: 'error' as const,
      message: '"25:00" is not a time of day; use HH:MM (00:00-23:59)',
      rule: 'schema',
    };
    await store.record({ outcome: 'invalid', commit: bad, diagnostics: [error] }, NOW - 60_000);
    const run = await runCli(['status', '--namespace', ns], { env: admin, nowMs: NOW });
    expect(run.stdout).toContain(
      `reconciler ${ns}/patchwindow-reconciler-status: last applied aaaaaaaaaaaa at ${new Date(NOW - HOUR).toISOString()} (last cycle: invalid)\n`,
    );
    expect(run.stdout).toContain(
      `  last refused bbbbbbbbbbbb at ${new Date(NOW - 60_000).toISOString()}: policies/alpha.yaml:12:14: error: spec.windows[0].start: "25:00" is not a time of day`,
    );
  });

  it('exits 2 with a clear message when the cluster cannot be reached', async () => {
    const { path: kubeconfig, port } = await unreachableKubeconfig(dir);
    const run = await runCli(['status', '--kubeconfig', kubeconfig]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(
      new RegExp(
        `^patchwindow: cannot reach the Kubernetes API server https://127\\.0\\.0\\.1:${port} \\(connect ECONNREFUSED`,
      ),
    );
  });
});
