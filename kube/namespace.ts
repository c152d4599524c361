// The reconciler's own namespace (leader Lease, status ConfigMap, Events) must exist before leader
// election can do anything. In a cluster it does (the pod runs there); run from a workstation against
// a fresh cluster it may not. Create it when allowed, or say in one line what is missing.
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { UsageError } from '../policy/errors.ts';
import { requestProblem } from './cluster-errors.ts';
import { statusOf } from './errors.ts';

/**
 * 'exists', 'created', or 'unknown': this identity may not read namespaces, or the API server is not
 * reachable yet (leader election retries and logs why; /readyz stays 503 meanwhile).
 */
export async function ensureNamespace(kc: KubeConfig, name: string): Promise<'exists' | 'created' | 'unknown'> {
  const core = kc.makeApiClient(CoreV1Api);
  try {
    await core.readNamespace({ name });
    return 'exists';
  } catch (err: unknown) {
    if (statusOf(err) !== 404) return 'unknown';
  }
  try {
    await core.createNamespace({ body: { metadata: { name } } });
    return 'created';
  } catch (err: unknown) {
    if (statusOf(err) === 409) return 'exists';
    if (statusOf(err) === 403)
      throw new UsageError(
        `namespace "${name}" does not exist and this identity may not create it: create it (kubectl create namespace ${name}) or pass --namespace with an existing one`,
      );
    throw new UsageError(`namespace "${name}" does not exist and creating it failed: ${requestProblem(err)}`);
  }
}
