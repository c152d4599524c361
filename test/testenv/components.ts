// Command lines of the control-plane components: pure functions of ports and paths, so the flags
// and the reasons for them sit in one place. Findings behind them: test/testenv/README.md.
import type { Pki } from './pki.ts';

export interface Ports {
  etcdClient: number;
  etcdPeer: number;
  apiserver: number;
  controllerManager: number;
  scheduler: number;
}

/**
 * Controllers the suites rely on. DaemonSet, disruption (PDB status for evictions),
 * Deployment/ReplicaSet, garbage collector, node lifecycle (Ready -> not-ready taints) and its
 * taint-based eviction, namespace deletion, ServiceAccounts and their tokens, pod GC (pods of deleted
 * nodes), StatefulSet/Job for workload variety, and the kube-root-ca.crt publisher that
 * ServiceAccount-admitted pods reference.
 */
export const DEFAULT_CONTROLLERS = [
  'daemonset-controller',
  'deployment-controller',
  'replicaset-controller',
  'statefulset-controller',
  'job-controller',
  'disruption-controller',
  'garbage-collector-controller',
  'node-lifecycle-controller',
  'taint-eviction-controller',
  'pod-garbage-collector-controller',
  'namespace-controller',
  'serviceaccount-controller',
  'serviceaccount-token-controller',
  'root-ca-certificate-publisher-controller',
] as const;

/**
 * A TEST-NET-2 address (RFC 5737): never routed, never local. kube-apiserver needs an advertise
 * address; without one it derives it from the default route and refuses to start on hosts that
 * have none (verified in a network namespace with only loopback). 127.0.0.1 is not allowed into
 * the `kubernetes` Endpoints, so the endpoint reconciler is off (the Service has no endpoints;
 * nothing in-cluster dials it because kwok runs no real pods).
 */
export const ADVERTISE_ADDRESS = '198.51.100.10';

export function etcdArgs(ports: Ports, dataDir: string): string[] {
  const client = `http://127.0.0.1:${ports.etcdClient}`;
  const peer = `http://127.0.0.1:${ports.etcdPeer}`;
  return [
    '--name=testenv',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`, // required whenever --listen-client-urls is set
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=testenv=${peer}`,
    '--unsafe-no-fsync=true', // throwaway data: no fsync keeps writes fast on slow disks
    '--auto-compaction-retention=1',
    '--quota-backend-bytes=4294967296',
    '--log-level=warn',
  ];
}

export function apiserverArgs(ports: Ports, pki: Pki): string[] {
  return [
    `--etcd-servers=http://127.0.0.1:${ports.etcdClient}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.apiserver}`,
    `--advertise-address=${ADVERTISE_ADDRESS}`,
    '--endpoint-reconciler-type=none',
    `--tls-cert-file=${pki.servingCert}`,
    `--tls-private-key-file=${pki.servingKey}`,
    `--client-ca-file=${pki.caCert}`,
    '--service-account-issuer=https://kubernetes.default.svc.cluster.local',
    `--service-account-key-file=${pki.serviceAccountKey}`,
    `--service-account-signing-key-file=${pki.serviceAccountKey}`,
    '--service-cluster-ip-range=10.0.0.0/24',
    '--authorization-mode=RBAC',
    // Request-header (front proxy) settings as kubeadm sets them. Without them kube-controller-manager
    // and kube-scheduler log "missing content for CA bundle ... requestheader-client-ca-file" forever.
    `--requestheader-client-ca-file=${pki.caCert}`,
    '--requestheader-allowed-names=front-proxy-client',
    '--requestheader-username-headers=X-Remote-User',
    '--requestheader-group-headers=X-Remote-Group',
    '--requestheader-extra-headers-prefix=X-Remote-Extra-',
    `--proxy-client-cert-file=${pki.frontProxyCert}`,
    `--proxy-client-key-file=${pki.frontProxyKey}`,
    // Default admission plugins stay on, ServiceAccount included: the controller manager runs the
    // ServiceAccount controller, so namespaces get their `default` SA (tests wait for it).
    '--allow-privileged=true',
    '--profiling=false',
  ];
}

export function controllerManagerArgs(
  ports: Ports,
  pki: Pki,
  kubeconfig: string,
  controllers: readonly string[],
  nodeLeaseSeconds?: number,
): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.controllerManager}`,
    '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
    '--leader-elect=false',
    `--controllers=${controllers.join(',')}`,
    `--root-ca-file=${pki.caCert}`,
    `--service-account-private-key-file=${pki.serviceAccountKey}`,
    // Suites create tens of nodes and pods at once; the default 20 QPS would be the bottleneck.
    '--kube-api-qps=200',
    '--kube-api-burst=400',
    // Longer simulated leases (StartOptions.nodeLeaseSeconds): a node is NotReady only after its lease expired.
    ...(nodeLeaseSeconds === undefined ? [] : [`--node-monitor-grace-period=${nodeLeaseSeconds + 10}s`]),
  ];
}

export function schedulerArgs(ports: Ports, kubeconfig: string): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--authentication-kubeconfig=${kubeconfig}`,
    `--authorization-kubeconfig=${kubeconfig}`,
    '--bind-address=127.0.0.1',
    `--secure-port=${ports.scheduler}`,
    '--authorization-always-allow-paths=/healthz,/readyz,/livez,/metrics',
    '--leader-elect=false',
    '--kube-api-qps=200',
    '--kube-api-burst=400',
  ];
}

/** kwok simulates a kubelet for every Node (Ready, leases, pods Running, deletions finished). */
export function kwokArgs(kubeconfig: string, stagesPath: string, nodeLeaseSeconds = 40): string[] {
  return [
    `--kubeconfig=${kubeconfig}`,
    `--config=${stagesPath}`, // v0.8 has no built-in stages: without this it exits "no stages found"
    '--manage-all-nodes=true',
    // Leases are the heartbeat (renewed every quarter of this); node status is rewritten only every ~10 min.
    `--node-lease-duration-seconds=${nodeLeaseSeconds}`,
    '--cidr=10.244.0.0/16',
    '--node-ip=10.244.0.1',
  ];
}
