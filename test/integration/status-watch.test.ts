// `patchwindow status --watch` as a real process (stdout a pipe: a frame per change, after a blank
// line and a timestamp) against the real control plane and kwok nodes: a node's state annotation
// and a new grant Lease show up as new frames; SIGINT ends it with 0; --until-done ends it when the
// node is settled; a cut connection shows as "reconnecting" and the watch goes on; an API server
// that cannot be reached at start is one line and exit 2.
import {
  CoordinationV1Api,
  CoreV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  V1MicroTime,
} from '@kubernetes/client-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  coordinatorLeaseName,
  FLEET_LABEL,
  GRANT_LABEL,
  GRANT_POLICY_LABEL,
  grantLeaseName,
  NODE_UID_ANNOTATION,
} from '../../kube/grants.ts';
import { REBOOT_REQUIRED_LABEL, STATE_ANNOTATION } from '../../policy/keys.ts';
import { encodeState, type Phase } from '../../policy/state.ts';
import { runCli } from '../helpers/cli.ts';
import { retargetKubeconfig, startApiProxy } from '../helpers/api-proxy.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';
import { fleetYaml, policyYaml, spawnCli, unreachableKubeconfig, type CliProcess } from './reconcile-fixtures.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const leases = kc.makeApiClient(CoordinationV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const POOL = 'watch.patchwindow.dev/pool';
const WAIT = { timeout: 60_000, interval: 200 };
const MERGE = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** The last frame printed so far (frames start with `--- <timestamp>`). */
const lastFrame = (p: CliProcess) => p.output().split(/^--- /m).at(-1) ?? '';

describe('patchwindow status --watch', () => {
  let dir: string;
  const ns = uniqueName('watch');
  const fleet = uniqueName('fleet');
  const pool = uniqueName('alpha');
  const a1 = `${pool}-1`;
  const a2 = `${pool}-2`;
  const admin = { KUBECONFIG: cluster.info.kubeconfigPath };
  const running: CliProcess[] = [];
  const watch = (args: readonly string[], env: Record<string, string> = admin) => {
    const p = spawnCli(['status', '--watch', '--namespace', ns, ...args], env);
    running.push(p);
    return p;
  };
  const setNode = async (name: string, o: { required: boolean; phase?: Phase }) => {
    const state =
      o.phase === undefined
        ? null
        : encodeState({
            phase: o.phase,
            policy: 'alpha',
            attempt: 1,
            bootId: 'b1',
            cordoned: false,
            labels: {},
            startedMs: Date.now(),
            sinceMs: Date.now(),
            ...(o.phase === 'acquiring' ? {} : { grant: 'epoch-1' }),
            // What a rebooting record carries (policy/state.ts), or it reads as unknown.
            ...(o.phase === 'rebooting' ? { drainDeadlineMs: Date.now(), rebootAtMs: Date.now() } : {}),
          });
    await core.patchNode(
      {
        name,
        body: {
          metadata: {
            labels: { [REBOOT_REQUIRED_LABEL]: o.required ? 'true' : null },
            annotations: { [STATE_ANNOTATION]: state },
          },
        },
      },
      MERGE,
    );
  };

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'patchwindow-status-watch-'));
    await writeFile(join(dir, 'fleet.yaml'), fleetYaml({ name: fleet, namespace: ns, poolLabel: POOL }));
    await writeFile(join(dir, 'alpha.yaml'), policyYaml('alpha', [pool]));
    expect((await runCli(['apply', dir], { env: admin })).code).toBe(0);
    await cluster.createNodes([
      { name: a1, labels: { [POOL]: pool, [REBOOT_REQUIRED_LABEL]: 'true' } },
      { name: a2, labels: { [POOL]: pool } },
    ]);
    const now = new V1MicroTime(Date.now());
    await leases.createNamespacedLease({
      namespace: ns,
      body: {
        metadata: { name: coordinatorLeaseName(fleet) },
        spec: { holderIdentity: 'coordinator-0', leaseDurationSeconds: 3600, acquireTime: now, renewTime: now },
      },
    });
  });

  afterEach(async () => {
    for (const p of running.splice(0)) {
      if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill('SIGKILL');
      await p.exited;
    }
  });

  afterAll(async () => {
    await cluster.deleteNodes([a1, a2]);
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('prints a new frame when a node changes phase and when it is granted, and ends with 0 on SIGINT', async () => {
    const p = watch(['--interval', '2s']);
    await vi.waitFor(() => {
      expect(lastFrame(p)).toMatch(new RegExp(`^${a1} +alpha +pending +- +`, 'm'));
      expect(lastFrame(p)).toMatch(/^alpha +\[\.{10}\] 0\/1 rebooted +0\/1 +/m);
    }, WAIT);
    expect(lastFrame(p)).toMatch(new RegExp(`^${a2} +alpha +idle +- +-$`, 'm'));

    await setNode(a1, { required: true, phase: 'acquiring' });
    await vi.waitFor(() => expect(lastFrame(p)).toMatch(new RegExp(`^${a1} +alpha +acquiring +- `, 'm')), WAIT);

    await leases.createNamespacedLease({
      namespace: ns,
      body: {
        metadata: {
          name: grantLeaseName(a1),
          labels: { [FLEET_LABEL]: fleet, [GRANT_LABEL]: 'true', [GRANT_POLICY_LABEL]: 'alpha' },
          annotations: { [NODE_UID_ANNOTATION]: 'uid' },
        },
        spec: {
          holderIdentity: a1,
          leaseDurationSeconds: 900,
          acquireTime: new V1MicroTime(Date.now()),
          renewTime: new V1MicroTime(Date.now()),
        },
      },
    });
    await vi.waitFor(() => expect(lastFrame(p)).toMatch(new RegExp(`^${a1} +alpha +acquiring +held 0m`, 'm')), WAIT);
    expect(lastFrame(p)).toMatch(/^alpha +\[\.{10}\] 0\/1 rebooted +1\/1 +/m);
    // Frames in a pipe: a blank line and a timestamp line between them.
    expect(p.output()).toMatch(/\n\n--- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\nPOLICY /);

    p.child.kill('SIGINT');
    expect(await p.exited).toBe(0);
  });

  it('--until-done exits 0 once every node of the policies is settled', async () => {
    await setNode(a1, { required: true, phase: 'rebooting' });
    const p = watch(['--until-done']);
    await vi.waitFor(() => expect(lastFrame(p)).toMatch(new RegExp(`^${a1} +alpha +`, 'm')), WAIT);
    expect(p.child.exitCode).toBeNull();
    await leases.deleteNamespacedLease({ namespace: ns, name: grantLeaseName(a1) }).catch(() => undefined);
    await setNode(a1, { required: false });
    expect(await p.exited).toBe(0);
    expect(lastFrame(p)).toMatch(/^alpha +\[##########\] 1\/1 rebooted +0\/1 +-$/m);
    expect(lastFrame(p)).toMatch(new RegExp(`^${a1} +alpha +idle +- +-$`, 'm'));
  });

  it('shows "reconnecting" while the API server cannot be reached, and catches up after', async () => {
    const proxy = await startApiProxy(cluster.info.apiUrl);
    try {
      const kubeconfig = await retargetKubeconfig(admin.KUBECONFIG, join(dir, 'proxy.kubeconfig'), proxy.url);
      const p = watch([], { KUBECONFIG: kubeconfig });
      await vi.waitFor(() => expect(lastFrame(p)).toMatch(new RegExp(`^${a2} +alpha +idle`, 'm')), WAIT);
      proxy.cut('reset');
      await vi.waitFor(
        () => expect(lastFrame(p)).toMatch(/^reconnecting: watch .+\(showing the last state seen\)$/m),
        WAIT,
      );
      await setNode(a2, { required: true });
      proxy.restore();
      await vi.waitFor(() => {
        expect(lastFrame(p)).not.toContain('reconnecting');
        expect(lastFrame(p)).toMatch(new RegExp(`^${a2} +alpha +pending`, 'm'));
      }, WAIT);
      expect(p.child.exitCode).toBeNull();
    } finally {
      await setNode(a2, { required: false });
      await proxy.close();
    }
  });

  it('exits 2 with one line when the API server cannot be reached at start', async () => {
    const { path: kubeconfig, port } = await unreachableKubeconfig(dir);
    const run = await runCli(['status', '--watch', '--kubeconfig', kubeconfig]);
    expect(run.code).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toMatch(
      new RegExp(`^patchwindow: cannot reach the Kubernetes API server https://127\\.0\\.0\\.1:${port} \\(.+\\n$`),
    );
  });
});
