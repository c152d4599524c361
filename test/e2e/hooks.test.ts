// End to end, spec.hooks: real agent and coordinator processes on kwok nodes, the hook Jobs created
// by the coordinator with its real token from the install settings' templates, run by the real Job
// controller (kwok's pod-complete stage completes their pods), the invariants watched the whole time.
//  (1) pre and post hooks succeed: each node is cordoned only after its pre Job completed, its post
//      Job starts after its uncordon, and the next node is granted only after that post Job completed;
//  (2) a pre hook that fails (its pod cannot be scheduled: activeDeadlineSeconds ends it) stops the
//      node uncordoned (onFailure abort), notes a `pre-hook` failure, still runs the post hook, and
//      with spec.halt.afterFailures 1 halts the pool: the other node is never granted.
//
// Ordering is proved with resourceVersions: one etcd orders every write of this test cluster, so the
// revision of a Job's completion and of a Node's cordon tell which came first (a test-only reading of
// what Kubernetes calls opaque).
import {
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  type V1Job,
  type V1Lease,
  type V1Node,
} from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { E2eFleet, POOL_LABEL } from '../helpers/e2e-fleet.ts';
import { listWatch } from '../helpers/kube-watch.ts';
import { useCluster } from '../testenv/use-cluster.ts';
import { parseInstallSettings, type InstallSettings } from '../../reconciler/validate/install.ts';
import { hookJobName } from '../../policy/hooks.ts';
import { decodeFailures } from '../../policy/failures.ts';
import { CORDONED_BY_ANNOTATION, FAILURES_ANNOTATION } from '../../policy/keys.ts';
import { GRANT_LABEL } from '../../kube/grants.ts';
import { HOOK_LABEL } from '../../kube/jobs.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();

/** One write as the test's watches saw it, in etcd's order. */
interface Seen {
  readonly rv: number;
  readonly what: string;
}

/** Watches the fleet's Nodes, grant Leases and hook Jobs, noting the writes the test orders. */
async function recordWrites(f: E2eFleet): Promise<{ seen: Seen[]; stop: () => void; created: Map<string, V1Job> }> {
  const seen: Seen[] = [];
  // The Jobs as created (a Job goes with its grant: gone by the end of the test).
  const created = new Map<string, V1Job>();
  const note = (rv: string | undefined, what: string) => seen.push({ rv: Number(rv), what });
  const nodes = await listWatch<V1Node>({
    kc,
    path: '/api/v1/nodes',
    list: () => kc.makeApiClient(CoreV1Api).listNode({ labelSelector: POOL_LABEL }),
    labelSelector: POOL_LABEL,
    onChange: (c) => {
      const was = c.before?.spec?.unschedulable === true;
      const is = c.after?.spec?.unschedulable === true;
      const name = c.after?.metadata?.name ?? '';
      if (!name.startsWith(`${f.id}-`)) return;
      if (!was && is)
        note(
          c.after?.metadata?.resourceVersion,
          `cordon ${name} ${c.after?.metadata?.annotations?.[CORDONED_BY_ANNOTATION] ?? ''}`,
        );
      if (was && !is && c.after) note(c.after.metadata?.resourceVersion, `uncordon ${name}`);
    },
  });
  const leases = await listWatch<V1Lease>({
    kc,
    path: `/apis/coordination.k8s.io/v1/namespaces/${f.id}/leases`,
    list: () =>
      kc.makeApiClient(CoordinationV1Api).listNamespacedLease({ namespace: f.id, labelSelector: GRANT_LABEL }),
    labelSelector: GRANT_LABEL,
    onChange: (c) => {
      if (c.type === 'ADDED' && !c.initial)
        note(
          c.after?.metadata?.resourceVersion,
          `grant ${c.after?.spec?.holderIdentity ?? ''} ${c.after?.metadata?.uid ?? ''}`,
        );
    },
  });
  const jobs = await listWatch<V1Job>({
    kc,
    path: `/apis/batch/v1/namespaces/${f.id}/jobs`,
    list: () => kc.makeApiClient(BatchV1Api).listNamespacedJob({ namespace: f.id, labelSelector: HOOK_LABEL }),
    labelSelector: HOOK_LABEL,
    onChange: (c) => {
      const name = c.after?.metadata?.name ?? '';
      if (c.type === 'ADDED') {
        note(c.after?.metadata?.resourceVersion, `created ${name}`);
        created.set(name, c.after!);
      }
      const ended = (j: V1Job | undefined) =>
        j?.status?.conditions?.find((x) => (x.type === 'Complete' || x.type === 'Failed') && x.status === 'True')?.type;
      if (ended(c.before) === undefined && ended(c.after) !== undefined)
        note(c.after?.metadata?.resourceVersion, `${ended(c.after)} ${name}`);
    },
  });
  return {
    seen,
    created,
    stop: () => {
      nodes.stop();
      leases.stop();
      jobs.stop();
    },
  };
}

/** The revision of the first write noted as `what` (fails the test when there is none). */
function rvOf(seen: readonly Seen[], what: string): number {
  const s = seen.find((x) => x.what === what);
  if (s === undefined)
    throw new Error(`no write "${what}" seen; seen:\n${seen.map((x) => `${x.rv} ${x.what}`).join('\n')}`);
  return s.rv;
}

function installSettings(): InstallSettings {
  const text = `apiVersion: patchwindow.io/v1alpha1
kind: InstallSettings
hooks:
  step-down:
    template:
      template:
        spec:
          containers: [{ name: step-down, image: registry.example/db-tools:1.4 }]
  step-up:
    template:
      template:
        spec:
          containers: [{ name: step-up, image: registry.example/db-tools:1.4 }]
  never-scheduled:
    template:
      template:
        spec:
          nodeSelector: { e2e.patchwindow.dev/no-such-node: "true" }
          containers: [{ name: stuck, image: registry.example/db-tools:1.4 }]
`;
  const parsed = parseInstallSettings('install.yaml', text, '0.1.0');
  if (parsed.settings === undefined) throw new Error(JSON.stringify(parsed.diagnostics));
  return parsed.settings;
}

describe('hooks around each reboot', () => {
  let fleet: E2eFleet | undefined;
  let stop: (() => void) | undefined;

  afterEach(async () => {
    stop?.();
    await fleet?.close();
    fleet = undefined;
  });

  it('cordons a node only after its pre Job completed, runs its post Job after the uncordon, and grants the next node only after that', async () => {
    fleet = await E2eFleet.create(cluster, {
      install: installSettings(),
      policies: [
        {
          name: 'db',
          pools: ['p'],
          maxUnavailable: 1,
          spec: {
            hooks: { preReboot: { hook: 'step-down', timeout: '2m' }, postReboot: { hook: 'step-up', timeout: '2m' } },
          },
        },
      ],
      nodes: { d1: { pool: 'p' }, d2: { pool: 'p' } },
    });
    const f = fleet;
    const rec = await recordWrites(f);
    stop = rec.stop;
    f.startAgents();
    await f.until(
      'both nodes rebooted',
      () => f.nodes.every((n) => f.host(n).boots === 1 && f.watcher.state(f.node(n)) === undefined),
      120_000,
    );

    const grants = rec.seen.filter((s) => s.what.startsWith('grant ')).sort((a, b) => a.rv - b.rv);
    expect(grants, f.report()).toHaveLength(2);
    const order = grants.map((g) => g.what.split(' ')[1]!);
    for (const [i, node] of order.entries()) {
      const epoch = grants[i]!.what.split(' ')[2]!;
      const pre = hookJobName('preReboot', node, epoch);
      const post = hookJobName('postReboot', node, epoch);
      // The pre Job is created under the grant and completes before the cordon of that grant.
      expect(rvOf(rec.seen, `created ${pre}`)).toBeGreaterThan(grants[i]!.rv);
      expect(rvOf(rec.seen, `Complete ${pre}`)).toBeLessThan(rvOf(rec.seen, `cordon ${node} ${epoch}`));
      // The post Job starts after the uncordon; the next node's grant comes after it completed.
      expect(rvOf(rec.seen, `created ${post}`)).toBeGreaterThan(rvOf(rec.seen, `uncordon ${node}`));
      if (i + 1 < grants.length) expect(grants[i + 1]!.rv).toBeGreaterThan(rvOf(rec.seen, `Complete ${post}`));
      // Each Job says for which node it ran, and its Event names it with the command to read its output.
      const job = rec.created.get(pre);
      const env = job?.spec?.template.spec?.containers[0]?.env ?? [];
      expect(env).toEqual(
        expect.arrayContaining([
          { name: 'NODE_NAME', value: node },
          { name: 'PATCHWINDOW_POLICY', value: 'db' },
          { name: 'PATCHWINDOW_HOOK', value: 'preReboot' },
        ]),
      );
      expect(job?.metadata?.ownerReferences?.[0]).toMatchObject({ kind: 'Lease', uid: epoch });
      const short = node.slice(f.id.length + 1);
      const events = await f.events(short);
      expect(events.map((e) => e.message).join('\n')).toContain(`kubectl -n ${f.id} logs job/${pre}`);
    }
    expect(f.watcher.maxGrantsHeld('db')).toBe(1);
    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
    expect(f.problems).toEqual([]);
  }, 300_000);

  it('stops a node whose pre hook fails without cordoning it, notes a pre-hook failure, still runs the post hook, and halts the pool', async () => {
    fleet = await E2eFleet.create(cluster, {
      install: installSettings(),
      policies: [
        {
          name: 'db',
          pools: ['p'],
          maxUnavailable: 1,
          spec: {
            halt: { afterFailures: 1, within: '1h' },
            hooks: {
              preReboot: { hook: 'never-scheduled', timeout: '3s', onFailure: 'abort' },
              postReboot: { hook: 'step-up', timeout: '2m' },
            },
          },
        },
      ],
      nodes: { d1: { pool: 'p' }, d2: { pool: 'p' } },
    });
    const f = fleet;
    const rec = await recordWrites(f);
    stop = rec.stop;
    f.startAgents();
    const failed = () => f.nodes.filter((n) => f.watcher.state(f.node(n))?.phase === 'failed');
    await f.until('one attempt failed', () => failed().length === 1, 120_000);
    const [first] = failed();
    const other = f.nodes.find((n) => n !== first)!;
    const notes = decodeFailures(f.watcher.node(f.node(first!))?.annotations[FAILURES_ANNOTATION]);
    expect(notes, f.report()).toMatchObject([{ policy: 'db', kind: 'pre-hook' }]);
    expect(notes[0]!.reason).toMatch(
      /^pre-reboot hook never-scheduled failed: Job patchwindow-pre-.* failed: DeadlineExceeded/,
    );
    // Never cordoned, never rebooted; the post Job ran (and completed) before the grant went back.
    expect(
      rec.seen.filter((s) => s.what.startsWith('cordon ')),
      f.report(),
    ).toEqual([]);
    expect(f.host(first!).boots).toBe(0);
    const grant = rec.seen.find((s) => s.what.startsWith(`grant ${f.node(first!)} `))!;
    const epoch = grant.what.split(' ')[2]!;
    expect(rvOf(rec.seen, `Failed ${hookJobName('preReboot', f.node(first!), epoch)}`)).toBeGreaterThan(grant.rv);
    expect(rvOf(rec.seen, `Complete ${hookJobName('postReboot', f.node(first!), epoch)}`)).toBeGreaterThan(grant.rv);
    const warnings = (await f.events(first!)).filter((e) => e.type === 'Warning').map((e) => e.reason);
    expect(warnings).toEqual(expect.arrayContaining(['HookFailed', 'PreHookFailed']));
    // One failure halts the pool: the other node keeps asking and is never granted.
    await sleep(6_000);
    expect(f.watcher.state(f.node(other))?.phase, f.report()).toBe('acquiring');
    expect(rec.seen.filter((s) => s.what.startsWith(`grant ${f.node(other)} `))).toEqual([]);
    expect((await f.events(first!)).map((e) => e.reason)).toContain('PoolHalted');
    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(f.problems).toEqual([]);
  }, 300_000);
});

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
