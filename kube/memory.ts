// The coordinator's memory on the API server: one Lease of the fleet's namespace
// (`patchwindow-memory-<fleet>`), the record in an annotation. A Lease because the coordinator
// already may create and update Leases in its own namespace (its grants, its election) and nothing
// else there: its memory needs no new rights. Writes carry the resourceVersion they read, so an old
// leader still running cannot overwrite what the new one wrote.
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import { stableName } from '../policy/names.ts';
import { call } from './errors.ts';
import { FLEET_LABEL } from './grants.ts';
import type { Memory } from './ports.ts';

export const MEMORY_ANNOTATION = 'patchwindow.io/memory';

/** Name of the memory Lease of a fleet's coordinator (what an operator edits to clear a canary). */
export function memoryLeaseName(fleet: string): string {
  return stableName(['patchwindow', 'memory', fleet]);
}

export class KubeMemory implements Memory {
  private readonly api: CoordinationV1Api;
  private readonly namespace: string;
  private readonly fleet: string;

  constructor(kc: KubeConfig, options: { namespace: string; fleet: string }) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.namespace = options.namespace;
    this.fleet = options.fleet;
  }

  async read(): Promise<{ data: string | undefined; version: string }> {
    const lease = await call(
      'read the coordinator memory',
      () => this.api.readNamespacedLease({ name: memoryLeaseName(this.fleet), namespace: this.namespace }),
      { 404: () => undefined },
    );
    return {
      data: lease?.metadata?.annotations?.[MEMORY_ANNOTATION],
      version: lease?.metadata?.resourceVersion ?? '',
    };
  }

  async write(data: string, version: string): Promise<string | undefined> {
    const name = memoryLeaseName(this.fleet);
    const body: V1Lease = {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name,
        namespace: this.namespace,
        labels: { [FLEET_LABEL]: this.fleet, 'app.kubernetes.io/managed-by': 'patchwindow' },
        annotations: { [MEMORY_ANNOTATION]: data },
        ...(version === '' ? {} : { resourceVersion: version }),
      },
      // No holder: the grant watch (by label) and the election (by name) never take it for theirs.
      spec: {},
    };
    const done = await call(
      'write the coordinator memory',
      () =>
        version === ''
          ? this.api.createNamespacedLease({ namespace: this.namespace, body })
          : this.api.replaceNamespacedLease({ name, namespace: this.namespace, body }),
      { 409: () => undefined, 404: () => undefined },
    );
    return done?.metadata?.resourceVersion;
  }
}
