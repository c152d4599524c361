// Where the Kubernetes client gets its credentials: in a pod the ServiceAccount, elsewhere
// $KUBECONFIG or ~/.kube/config. Never the library's silent fallback to http://localhost:8080.
import { KubeConfig } from '@kubernetes/client-node';
import { existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { IoError } from '../policy/errors.ts';
import { Rest } from './rest.ts';
import { credentialsError, NO_CURRENT_CLUSTER } from './rest-config.ts';

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
    throw credentialsError(err);
  }
  if (!kc.getCurrentCluster()) throw new IoError(NO_CURRENT_CLUSTER);
  return kc;
}

/**
 * The REST client (kube/rest.ts) with the credentials of `kc`, whatever kind they are (exec
 * plugins included): the watch caches and the adapters of the ports run on it in every role.
 */
export function restOf(kc: KubeConfig): Rest {
  let rest = rests.get(kc);
  if (rest === undefined) rests.set(kc, (rest = newRest(kc)));
  return rest;
}

/** One client, so one pool of connections, per KubeConfig. */
const rests = new WeakMap<KubeConfig, Rest>();

function newRest(kc: KubeConfig): Rest {
  const cluster = kc.getCurrentCluster();
  if (!cluster) throw new IoError(NO_CURRENT_CLUSTER);
  return new Rest({
    server: cluster.server,
    async prepare(request) {
      // client-node sets a new agent of its own each time; the client's pooled one stays.
      const agent = request.agent;
      await kc.applyToHTTPSOptions(request);
      request.agent = agent;
    },
  });
}
