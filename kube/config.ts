// Where the Kubernetes client gets its credentials: in a pod the ServiceAccount, elsewhere
// $KUBECONFIG or ~/.kube/config. Never the library's silent fallback to http://localhost:8080.
import { KubeConfig } from '@kubernetes/client-node';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { IoError } from '../policy/errors.ts';

export function loadKubeConfig(env: Readonly<Record<string, string | undefined>> = process.env): KubeConfig {
  const kc = new KubeConfig();
  try {
    const files = (env.KUBECONFIG ?? '').split(':').filter(Boolean);
    if (files.length === 1) {
      kc.loadFromFile(files[0]!);
    } else if (files.length > 1) {
      kc.loadFromDefault();
    } else if (existsSync(join(homedir(), '.kube', 'config'))) {
      kc.loadFromDefault();
    } else if (env.KUBERNETES_SERVICE_HOST) {
      kc.loadFromCluster();
    } else {
      throw new Error('no kubeconfig found');
    }
  } catch (err: unknown) {
    throw new IoError(
      `cannot load Kubernetes credentials (${err instanceof Error ? err.message : String(err)}); set KUBECONFIG, create ~/.kube/config, or run in a pod with a ServiceAccount`,
      { cause: err },
    );
  }
  if (!kc.getCurrentCluster()) {
    throw new IoError('the kubeconfig has no current cluster; run kubectl config use-context NAME');
  }
  reuseConnections(kc);
  return kc;
}

/** What client-node's KubeConfig makes each request's connections with (an undici Dispatcher). */
interface Pool {
  close(): Promise<void>;
}
type MakePool = (cluster: unknown, agentOptions: unknown) => Pool | undefined;

/** Pools kept for TLS settings that changed (a rotated client certificate): the newest few. */
const MAX_POOLS = 4;

/**
 * client-node makes a new connection pool for every request (KubeConfig.createDispatcher, called
 * from applySecurityAuthentication), so every request opened its own TLS connection: a handshake's
 * CPU and about 4 KiB of certificates each, on the path of every step of a reboot and of every
 * grant. Here requests with the same connection settings (server, proxy, CA, client certificate)
 * share one pool, whose idle connections undici closes by itself. Credentials sent as headers
 * (tokens, also rotated ones) are set per request as before.
 */
export function reuseConnections(kc: KubeConfig): void {
  const own = kc as unknown as { createDispatcher: MakePool };
  const make = own.createDispatcher.bind(kc);
  const pools = new Map<string, Pool | undefined>();
  own.createDispatcher = (cluster, agentOptions) => {
    const settings = kc.createDispatcherOptions(cluster as never, agentOptions as never);
    const key = createHash('sha256')
      .update(JSON.stringify({ server: (cluster as { server?: string } | null)?.server, settings }))
      .digest('hex');
    if (pools.has(key)) return pools.get(key);
    const pool = make(cluster, agentOptions);
    pools.set(key, pool);
    for (const [old, p] of pools) {
      if (pools.size <= MAX_POOLS) break;
      pools.delete(old);
      void p?.close();
    }
    return pool;
  };
}
