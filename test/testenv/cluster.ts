// Starts a real control plane (etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok)
// on loopback with random ports and a throwaway PKI, for the `cluster` vitest project.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { resolveBinaries, type Binaries, type BinaryName } from './binaries.ts';
import { connectCluster, nodeSettled, type ClusterClient, type ClusterInfo } from './client.ts';
import {
  DEFAULT_CONTROLLERS,
  apiserverArgs,
  controllerManagerArgs,
  etcdArgs,
  kwokArgs,
  schedulerArgs,
  type Ports,
} from './components.ts';
import { renderKubeconfig } from './kubeconfig.ts';
import { createPki } from './pki.ts';
import { freePorts } from './ports.ts';
import {
  killComponent,
  logTail,
  reapOrphans,
  startComponent,
  stopComponent,
  type Component,
  type OwnerRecord,
} from './processes.ts';
import { composeKwokStages } from './stages.ts';
import { httpGet, waitFor } from './wait.ts';

export const DIR_PREFIX = 'patchwindow-testenv-';

export interface StartOptions {
  /** Parent of the cluster dir (default: PATCHWINDOW_TESTENV_DIR or the OS temp dir). */
  baseDir?: string;
  /** Pre-resolved binaries (default: resolveBinaries(), which may build them). */
  binaries?: Binaries;
  /** kube-controller-manager --controllers (default DEFAULT_CONTROLLERS). */
  controllers?: readonly string[];
  /** Progress messages (default: stderr). */
  log?: (message: string) => void;
  /** Budget for each readiness wait (default 60 s). */
  readyTimeoutMs?: number;
  /**
   * Duration of the simulated kubelets' Node Leases (default 40 s, as a kubelet's: renewed every
   * 10 s). A bench of thousands of nodes on two cores sets it long, with the controller manager's
   * grace period to match, or the renewals alone saturate the machine and nodes go NotReady.
   */
  nodeLeaseSeconds?: number;
}

/** A running cluster: its info, test operations, and stop(). */
export interface Cluster extends ClusterInfo, ClusterClient {
  components: readonly Component[];
  /** Milliseconds from the first process spawn to "ready" (excludes resolving/building binaries). */
  startMs: number;
  /**
   * Stops every component (SIGTERM, then SIGKILL after 3 s, whole process groups). Removes the
   * cluster dir unless keepDir is set, in which case its path is printed for debugging.
   */
  stop(opts?: { keepDir?: boolean }): Promise<void>;
  /**
   * Kills kube-apiserver (SIGKILL: a crash), keeps it down `downMs`, starts it again on the same port
   * with the same etcd and waits for /readyz. Resolves with the time it was unreachable.
   */
  restartApiserver(opts?: { downMs?: number }): Promise<{ downMs: number }>;
}

const defaultLog = (m: string): void => void process.stderr.write(`testenv: ${m}\n`);

/** Starts a cluster and waits until it can run workloads. On failure, kills everything, keeps the dir, throws. */
export async function startCluster(opts: StartOptions = {}): Promise<Cluster> {
  const log = opts.log ?? defaultLog;
  const baseDir = opts.baseDir ?? process.env.PATCHWINDOW_TESTENV_DIR ?? tmpdir();
  for (const reaped of reapOrphans(baseDir, DIR_PREFIX))
    log(`killed processes left behind by a crashed run in ${reaped}`);
  const bins = opts.binaries ?? (await resolveBinaries());
  const timeoutMs = opts.readyTimeoutMs ?? 60_000;

  await mkdir(baseDir, { recursive: true });
  const dir = await mkdtemp(join(baseDir, DIR_PREFIX));
  const logDir = join(dir, 'logs');
  await mkdir(logDir);
  const components: Component[] = [];
  const owner: OwnerRecord = { ownerPid: process.pid, components: [] };

  const stopAll = async (): Promise<void> => {
    // Reverse start order: clients before the apiserver, the apiserver before etcd.
    const [etcd, apiserver, ...rest] = components;
    await Promise.all(rest.map((c) => stopComponent(c)));
    if (apiserver !== undefined) await stopComponent(apiserver);
    if (etcd !== undefined) await stopComponent(etcd);
  };

  const started = Date.now();
  try {
    const [etcdClient, etcdPeer, apiserver, controllerManager, scheduler] = (await freePorts(5)) as [
      number,
      number,
      number,
      number,
      number,
    ];
    const ports: Ports = { etcdClient, etcdPeer, apiserver, controllerManager, scheduler };
    const pki = await createPki(join(dir, 'pki'));
    const apiUrl = `https://127.0.0.1:${ports.apiserver}`;
    const kubeconfigPath = join(dir, 'kubeconfig');
    await writeFile(
      kubeconfigPath,
      renderKubeconfig({
        server: apiUrl,
        caFile: pki.caCert,
        user: 'admin',
        credentials: { certFile: pki.adminCert, keyFile: pki.adminKey },
      }),
      { mode: 0o600 },
    );
    const stagesPath = join(dir, 'kwok-stages.yaml');
    await writeFile(stagesPath, composeKwokStages(await readFile(bins.upstreamStagesPath, 'utf8')));

    const start = async (name: BinaryName, args: string[]): Promise<Component> => {
      const c = startComponent({ name, bin: join(bins.binDir, name), args, logDir });
      components.push(c);
      owner.components.push({ name, pid: c.pid, bin: c.bin });
      await writeFile(join(dir, 'owner.json'), JSON.stringify(owner, null, 2));
      return c;
    };
    const anyExited = (): Promise<string> =>
      Promise.race(components.map((c) => c.exited.then((r) => `${c.name} ${r}`)));

    const etcd = await start('etcd', etcdArgs(ports, join(dir, 'etcd')));
    await waitFor(
      'etcd /health',
      async () => {
        const r = await httpGet(`http://127.0.0.1:${ports.etcdClient}/health`);
        return r.status === 200 && r.body.includes('"health":"true"') ? true : undefined;
      },
      { timeoutMs, intervalMs: 50, abort: etcd.exited.then((r) => `etcd ${r}`) },
    );

    await start('kube-apiserver', apiserverArgs(ports, pki));
    const ca = await readFile(pki.caCert, 'utf8');
    const apiserverReady = (abort: Promise<string>): Promise<unknown> =>
      waitFor(
        'kube-apiserver /readyz',
        async () => ((await httpGet(`${apiUrl}/readyz`, { ca })).status === 200 ? true : undefined),
        { timeoutMs, intervalMs: 100, abort },
      );
    await apiserverReady(anyExited());
    log(`etcd and kube-apiserver ready after ${Date.now() - started} ms`);

    await start(
      'kube-controller-manager',
      controllerManagerArgs(ports, pki, kubeconfigPath, opts.controllers ?? DEFAULT_CONTROLLERS, opts.nodeLeaseSeconds),
    );
    await start('kube-scheduler', schedulerArgs(ports, kubeconfigPath));
    await start('kwok', kwokArgs(kubeconfigPath, stagesPath, opts.nodeLeaseSeconds));
    const abort = anyExited();

    const kc = new KubeConfig();
    kc.loadFromFile(kubeconfigPath);
    const core = kc.makeApiClient(CoreV1Api);
    const controllerManagerUrl = `https://127.0.0.1:${ports.controllerManager}`;
    const schedulerUrl = `https://127.0.0.1:${ports.scheduler}`;
    const healthy = (url: string) => async () =>
      (await httpGet(`${url}/healthz`, { insecure: true })).status === 200 ? true : undefined;
    const probeNode = 'testenv-probe';
    await Promise.all([
      waitFor('kube-controller-manager /healthz', healthy(controllerManagerUrl), { timeoutMs, abort }),
      waitFor('kube-scheduler /healthz', healthy(schedulerUrl), { timeoutMs, abort }),
      // The ServiceAccount controller is running once kube-system has its default SA.
      waitFor(
        'ServiceAccount kube-system/default',
        async () => (await core.readNamespacedServiceAccount({ namespace: 'kube-system', name: 'default' })).metadata,
        {
          timeoutMs,
          abort,
        },
      ),
      // kwok (stages, leases) and the node lifecycle controller work once a new node settles.
      (async () => {
        await core.createNode({
          body: { metadata: { name: probeNode, labels: { 'kubernetes.io/hostname': probeNode } } },
        });
        await waitFor(
          'probe node Ready and untainted (kwok + node lifecycle controller)',
          async () => (nodeSettled(await core.readNode({ name: probeNode })) ? true : undefined),
          {
            timeoutMs,
            intervalMs: 100,
            abort,
          },
        );
        await core.deleteNode({ name: probeNode });
        await waitFor(
          'probe node deleted',
          async () => ((await core.listNode()).items.some((n) => n.metadata?.name === probeNode) ? undefined : true),
          {
            timeoutMs,
            abort,
          },
        );
      })(),
    ]);

    const admin = { ca, cert: await readFile(pki.adminCert, 'utf8'), key: await readFile(pki.adminKey, 'utf8') };
    const version = (JSON.parse((await httpGet(`${apiUrl}/version`, admin)).body) as { gitVersion: string }).gitVersion;
    const startMs = Date.now() - started;
    log(`cluster ${version} ready in ${startMs} ms: ${apiUrl}, dir ${dir}`);

    const info: ClusterInfo = {
      dir,
      kubeconfigPath,
      apiUrl,
      caCertPath: pki.caCert,
      pkiDir: pki.dir,
      logDir,
      binDir: bins.binDir,
      version,
      controllerManagerUrl,
      schedulerUrl,
    };
    let stopped = false;
    const killedOnPurpose = new Set<Component>();
    for (const c of components) {
      void c.exited.then((reason) => {
        if (!stopped && !killedOnPurpose.has(c))
          log(`${c.name} ${reason} while the cluster was in use; see ${c.logPath}`);
      });
    }
    return {
      ...info,
      ...connectCluster(info),
      components,
      startMs,
      async restartApiserver({ downMs = 0 } = {}) {
        const i = components.findIndex((c) => c.name === 'kube-apiserver');
        const old = components[i]!;
        const killedAt = Date.now();
        killedOnPurpose.add(old);
        await killComponent(old);
        await new Promise((resolve) => setTimeout(resolve, downMs));
        const fresh = startComponent({ name: old.name, bin: old.bin, args: apiserverArgs(ports, pki), logDir });
        components[i] = fresh;
        owner.components[i] = { name: fresh.name, pid: fresh.pid, bin: fresh.bin };
        await writeFile(join(dir, 'owner.json'), JSON.stringify(owner, null, 2));
        await apiserverReady(fresh.exited.then((r) => `kube-apiserver ${r}`));
        log(`kube-apiserver restarted (down ${Date.now() - killedAt} ms)`);
        return { downMs: Date.now() - killedAt };
      },
      async stop({ keepDir = false } = {}) {
        if (stopped) return;
        stopped = true;
        await stopAll();
        if (keepDir) log(`kept cluster dir for debugging (logs in ${logDir}): ${dir}`);
        else await rm(dir, { recursive: true, force: true });
      },
    };
  } catch (err: unknown) {
    const exited = components.filter((c) => c.exitReason !== undefined);
    await stopAll();
    const tails = (exited.length > 0 ? exited : components.slice(-1))
      .map((c) => `--- ${c.name} (${c.exitReason ?? 'running'}), last lines of ${c.logPath}:\n${logTail(c)}`)
      .join('\n');
    throw new Error(`testenv: cluster failed to start: ${(err as Error).message}\nCluster dir kept: ${dir}\n${tails}`, {
      cause: err,
    });
  }
}
