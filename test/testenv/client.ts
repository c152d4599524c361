import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  setHeaderOptions,
  type V1Node,
  type V1Taint,
} from '@kubernetes/client-node';
import { renderKubeconfig } from './kubeconfig.ts';
import { parsePrometheusText, sumSamples, type Sample } from './metrics.ts';
import { uniqueName } from './names.ts';
import { issueClientCert } from './pki.ts';
import { requestApiserverRestart } from './control.ts';
import { NOT_READY_ANNOTATION } from './stages.ts';
import { httpGet, waitFor } from './wait.ts';

/** Everything a test process needs to reach the cluster; plain data, passed through vitest `provide`. */
export interface ClusterInfo {
  /** Cluster working dir: kubeconfig, pki/, logs/, etcd data, kwok-stages.yaml. */
  dir: string;
  /** Admin kubeconfig (client cert in group system:masters). */
  kubeconfigPath: string;
  /** https://127.0.0.1:<port> */
  apiUrl: string;
  caCertPath: string;
  pkiDir: string;
  logDir: string;
  binDir: string;
  /** kube-apiserver gitVersion, e.g. v1.36.3. */
  version: string;
  /** Secure ports of kube-controller-manager and kube-scheduler (/healthz and /metrics need no auth). */
  controllerManagerUrl: string;
  schedulerUrl: string;
  /** The global setup's control endpoint (control.ts); absent for a cluster started by startCluster() alone. */
  controlUrl?: string;
}

/** A kwok-managed Node to create. kubernetes.io/hostname and kubernetes.io/os=linux are added. */
export interface NodeSpec {
  name: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  taints?: V1Taint[];
}

const SYSTEM_TAINT_PREFIX = 'node.kubernetes.io/';

function readyStatus(node: V1Node): string | undefined {
  return node.status?.conditions?.find((c) => c.type === 'Ready')?.status;
}

function hasSystemTaint(node: V1Node, key?: string): boolean {
  return (node.spec?.taints ?? []).some((t) =>
    key === undefined ? t.key.startsWith(SYSTEM_TAINT_PREFIX) : t.key === key,
  );
}

/** Ready=True and no taint but the ones the test asked for (not-ready/unreachable/uninitialized gone). */
export function nodeSettled(node: V1Node): boolean {
  return readyStatus(node) === 'True' && !hasSystemTaint(node);
}

function describeNode(node: V1Node | undefined): string {
  if (node === undefined) return 'absent';
  const taints = (node.spec?.taints ?? []).map((t) => `${t.key}:${t.effect}`).join(',') || 'none';
  return `${node.metadata?.name ?? '?'} Ready=${readyStatus(node) ?? 'unset'} taints=${taints}`;
}

const mergePatch = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Test-side operations on a running cluster (works in any process that has the ClusterInfo). */
export interface ClusterClient {
  info: ClusterInfo;
  /** A KubeConfig for the admin user. */
  kubeConfig(): KubeConfig;
  /**
   * Issues a client certificate (CN = user, O = groups) and writes a kubeconfig for it. No RBAC is
   * granted: bind roles to `user` or a group. A user `system:serviceaccount:<ns>:<name>` with groups
   * `system:serviceaccounts(:<ns>)` is authorized exactly like that ServiceAccount.
   */
  createUser(opts: {
    user: string;
    groups?: readonly string[];
  }): Promise<{ kubeconfigPath: string; kubeConfig: KubeConfig }>;
  /** Kubeconfig with a real ServiceAccount token (TokenRequest API), e.g. for spawned agent processes. */
  serviceAccountKubeconfig(opts: {
    namespace: string;
    name: string;
    expirationSeconds?: number;
    /**
     * Binds the token to a Pod or Node, as the kubelet does for a pod's projected token: the API
     * server then adds the node's name to the token's user (extra authentication.kubernetes.io/node-name).
     */
    boundObject?: { kind: 'Pod' | 'Node'; name: string; uid: string };
  }): Promise<string>;
  /** Creates a namespace `<prefix>-<random>` and waits for its `default` ServiceAccount. */
  createNamespace(prefix: string, labels?: Record<string, string>): Promise<string>;
  /**
   * Creates kwok-managed Nodes and waits until every one is Ready with no node.kubernetes.io/* taint
   * (settle: false returns the created objects at once, as a kubelet registering goes on meanwhile).
   */
  createNodes(specs: readonly NodeSpec[], opts?: { timeoutMs?: number; settle?: boolean }): Promise<V1Node[]>;
  /** Deletes Nodes (kcm's pod GC removes their pods) and waits until they are gone. */
  deleteNodes(names: readonly string[], opts?: { timeoutMs?: number }): Promise<void>;
  /**
   * Simulates a kubelet reporting NotReady (ready=false) or recovering (ready=true) through
   * kwok's stages (annotation NOT_READY_ANNOTATION). Waits until the Ready condition flipped and
   * the node lifecycle controller applied (false) or removed (true) the node.kubernetes.io/not-ready taints.
   */
  setNodeReady(name: string, ready: boolean, opts?: { timeoutMs?: number }): Promise<V1Node>;
  /** Scrapes kube-apiserver /metrics (admin client cert). */
  scrapeMetrics(): Promise<Sample[]>;
  /** Sum of apiserver_request_total over samples matching `where` (e.g. { verb: 'PATCH', resource: 'nodes' }). */
  apiserverRequestTotal(where?: Record<string, string>): Promise<number>;
  /** Crashes kube-apiserver (SIGKILL), keeps it down `downMs`, restarts it on the same port and etcd, waits for /readyz. */
  restartApiserver(opts?: { downMs?: number }): Promise<{ downMs: number }>;
}

export function connectCluster(info: ClusterInfo): ClusterClient {
  const admin = new KubeConfig();
  admin.loadFromFile(info.kubeconfigPath);
  const core = admin.makeApiClient(CoreV1Api);

  async function listNodes(names: ReadonlySet<string>): Promise<Map<string, V1Node>> {
    const list = await core.listNode();
    return new Map(list.items.filter((n) => names.has(n.metadata?.name ?? '')).map((n) => [n.metadata?.name ?? '', n]));
  }

  async function writeUserKubeconfig(user: string, text: string): Promise<string> {
    const dir = join(info.dir, 'users');
    await mkdir(dir, { recursive: true });
    const path = join(dir, `${uniqueName(user.replace(/:/g, '-'))}.kubeconfig`);
    await writeFile(path, text, { mode: 0o600 });
    return path;
  }

  async function scrapeMetrics(): Promise<Sample[]> {
    const [ca, cert, key] = await Promise.all(
      [info.caCertPath, join(info.pkiDir, 'admin.crt'), join(info.pkiDir, 'admin.key')].map((p) => readFile(p, 'utf8')),
    );
    const res = await httpGet(`${info.apiUrl}/metrics`, { ca, cert, key }, 30_000);
    if (res.status !== 200)
      throw new Error(`testenv: GET ${info.apiUrl}/metrics returned ${res.status}: ${res.body.slice(0, 200)}`);
    return parsePrometheusText(res.body);
  }

  return {
    info,
    kubeConfig: () => {
      const kc = new KubeConfig();
      kc.loadFromFile(info.kubeconfigPath);
      return kc;
    },

    async createUser({ user, groups }) {
      const fileBase = uniqueName(`user-${user.replace(/:/g, '-')}`);
      const { cert, key } = await issueClientCert(info.pkiDir, { fileBase, user, groups });
      const text = renderKubeconfig({
        server: info.apiUrl,
        caFile: info.caCertPath,
        user,
        credentials: { certFile: cert, keyFile: key },
      });
      const kubeconfigPath = await writeUserKubeconfig(user, text);
      const kubeConfig = new KubeConfig();
      kubeConfig.loadFromFile(kubeconfigPath);
      return { kubeconfigPath, kubeConfig };
    },

    async serviceAccountKubeconfig({ namespace, name, expirationSeconds = 3600, boundObject }) {
      const tr = await core.createNamespacedServiceAccountToken({
        namespace,
        name,
        body: {
          spec: {
            audiences: [],
            expirationSeconds,
            ...(boundObject ? { boundObjectRef: { apiVersion: 'v1', ...boundObject } } : {}),
          },
        },
      });
      const token = tr.status?.token;
      if (token === undefined) throw new Error(`testenv: TokenRequest for ${namespace}/${name} returned no token`);
      const user = `system:serviceaccount:${namespace}:${name}`;
      return writeUserKubeconfig(
        user,
        renderKubeconfig({ server: info.apiUrl, caFile: info.caCertPath, user, credentials: { token } }),
      );
    },

    async createNamespace(prefix, labels) {
      const name = uniqueName(prefix);
      await core.createNamespace({ body: { metadata: { name, labels } } });
      // ServiceAccount admission rejects pods until the namespace's default SA exists.
      await waitFor(
        `ServiceAccount ${name}/default`,
        async () => (await core.readNamespacedServiceAccount({ namespace: name, name: 'default' })).metadata,
        {
          timeoutMs: 30_000,
          intervalMs: 100,
        },
      );
      return name;
    },

    async createNodes(specs, opts = {}) {
      const created = await Promise.all(
        specs.map((s) =>
          core.createNode({
            body: {
              metadata: {
                name: s.name,
                labels: {
                  'kubernetes.io/hostname': s.name,
                  'kubernetes.io/os': 'linux',
                  'kubernetes.io/arch': 'amd64',
                  ...s.labels,
                },
                annotations: { 'kwok.x-k8s.io/node': 'fake', ...s.annotations },
              },
              spec: { taints: s.taints },
            },
          }),
        ),
      );
      if (opts.settle === false) return created;
      const names = new Set(specs.map((s) => s.name));
      let last = new Map<string, V1Node>();
      return waitFor(
        `nodes ${[...names].join(', ')} to be Ready and free of node.kubernetes.io/* taints`,
        async () => {
          last = await listNodes(names);
          const nodes = [...last.values()];
          return nodes.length === names.size && nodes.every(nodeSettled) ? nodes : undefined;
        },
        { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 250 },
      ).catch((err: unknown) => {
        throw new Error(
          `${(err as Error).message}; observed: ${[...names].map((n) => describeNode(last.get(n))).join('; ')}`,
          { cause: err },
        );
      });
    },

    async deleteNodes(names, opts = {}) {
      await Promise.all(names.map((name) => core.deleteNode({ name })));
      const set = new Set(names);
      await waitFor(
        `nodes ${names.join(', ')} to be deleted`,
        async () => ((await listNodes(set)).size === 0 ? true : undefined),
        {
          timeoutMs: opts.timeoutMs ?? 30_000,
        },
      );
    },

    async setNodeReady(name, ready, opts = {}) {
      await core.patchNode(
        { name, body: { metadata: { annotations: { [NOT_READY_ANNOTATION]: ready ? null : 'true' } } } },
        mergePatch,
      );
      let last: V1Node | undefined;
      return waitFor(
        `node ${name} to become ${ready ? 'Ready' : 'NotReady'}`,
        async () => {
          last = await core.readNode({ name });
          const ok = ready
            ? nodeSettled(last)
            : readyStatus(last) === 'False' && hasSystemTaint(last, 'node.kubernetes.io/not-ready');
          return ok ? last : undefined;
        },
        { timeoutMs: opts.timeoutMs ?? 60_000, intervalMs: 250 },
      ).catch((err: unknown) => {
        throw new Error(`${(err as Error).message}; observed: ${describeNode(last)}`, { cause: err });
      });
    },

    scrapeMetrics,

    async apiserverRequestTotal(where = {}) {
      return sumSamples(await scrapeMetrics(), 'apiserver_request_total', where);
    },

    async restartApiserver({ downMs = 0 } = {}) {
      if (info.controlUrl === undefined)
        throw new Error(
          'testenv: this cluster has no control endpoint; call restartApiserver() on the startCluster() result',
        );
      return requestApiserverRestart(info.controlUrl, downMs);
    },
  };
}
