// The halts of a Fleet's pools (spec.halt) on one coordination.k8s.io/v1 Lease in the Fleet's
// namespace, one annotation per policy (policy/halt.ts), and beside them the failures the
// coordinator noted itself (policy/gate-failures.ts: health gates after a return; it may not write
// Nodes). A Lease because every identity that needs it already holds Lease rights there (the
// coordinator writes halts and notes, the reconciler reads and clears halts); no new rights. It is
// never used for election: it holds no holder. Writes replace with the read resourceVersion, so two
// writers never lose each other's annotations.
import { CoordinationV1Api, type KubeConfig, type V1Lease } from '@kubernetes/client-node';
import {
  decodeGateFailures,
  encodeGateFailures,
  gateFailuresKey,
  policyOfGateFailuresKey,
  type GateFailure,
} from '../policy/gate-failures.ts';
import { decodeHalt, encodeHalt, haltKey, policyOfHaltKey, type HaltRecord } from '../policy/halt.ts';
import { stableName } from '../policy/names.ts';
import { TransientError } from '../policy/errors.ts';
import { call } from './errors.ts';
import { FLEET_LABEL } from './grants.ts';

/** Name of the halt Lease of a Fleet, in the Fleet's namespace (`kubectl get lease` shows it). */
export function haltLeaseName(fleet: string): string {
  return stableName(['patchwindow', 'halt', fleet]);
}

/** Every policy's halt record on a Fleet's halt Lease (absent Lease: none). */
export function haltsOfLease(lease: V1Lease | undefined): Map<string, HaltRecord> {
  const out = new Map<string, HaltRecord>();
  for (const [key, raw] of Object.entries(lease?.metadata?.annotations ?? {})) {
    const policy = policyOfHaltKey(key);
    const record = policy === undefined ? undefined : decodeHalt(raw);
    if (policy !== undefined && record !== undefined) out.set(policy, record);
  }
  return out;
}

/** Reads and writes the halt records (and the coordinator's noted failures) of one Fleet. */
export interface Halts {
  /** Every policy's record (absent: none); an absent Lease reads as no records. */
  read(): Promise<Map<string, HaltRecord>>;
  /** Writes `policy`'s record (creates the Lease if needed); retried on conflicts. */
  write(policy: string, record: HaltRecord): Promise<void>;
  /** The failures the coordinator noted, by policy (absent: none). */
  readNoted(): Promise<Map<string, GateFailure[]>>;
  /** Replaces `policy`'s noted failures (creates the Lease if needed); retried on conflicts. */
  writeNoted(policy: string, list: readonly GateFailure[]): Promise<void>;
}

export class KubeHalts implements Halts {
  private readonly api: CoordinationV1Api;
  private readonly namespace: string;
  private readonly fleet: string;
  private readonly name: string;

  constructor(kc: KubeConfig, options: { namespace: string; fleet: string }) {
    this.api = kc.makeApiClient(CoordinationV1Api);
    this.namespace = options.namespace;
    this.fleet = options.fleet;
    this.name = haltLeaseName(options.fleet);
  }

  private lease(): Promise<V1Lease | undefined> {
    return call(
      `read the halt Lease ${this.namespace}/${this.name}`,
      () => this.api.readNamespacedLease({ name: this.name, namespace: this.namespace }),
      { 404: () => undefined },
    );
  }

  async read(): Promise<Map<string, HaltRecord>> {
    return haltsOfLease(await this.lease());
  }

  write(policy: string, record: HaltRecord): Promise<void> {
    return this.annotate(haltKey(policy), encodeHalt(record), `write the halt of policy ${policy}`);
  }

  async readNoted(): Promise<Map<string, GateFailure[]>> {
    const out = new Map<string, GateFailure[]>();
    for (const [key, raw] of Object.entries((await this.lease())?.metadata?.annotations ?? {})) {
      const policy = policyOfGateFailuresKey(key);
      if (policy !== undefined) out.set(policy, decodeGateFailures(raw));
    }
    return out;
  }

  writeNoted(policy: string, list: readonly GateFailure[]): Promise<void> {
    return this.annotate(
      gateFailuresKey(policy),
      encodeGateFailures(list),
      `write the noted failures of policy ${policy}`,
    );
  }

  /** Sets one annotation, keeping every other; retried when the Lease changed meanwhile. */
  private async annotate(key: string, value: string, doing: string): Promise<void> {
    const what = `${doing} on Lease ${this.namespace}/${this.name}`;
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.lease();
      const annotations = { ...current?.metadata?.annotations, [key]: value };
      const done =
        current === undefined
          ? await call(
              what,
              async () => {
                await this.api.createNamespacedLease({ namespace: this.namespace, body: this.body(annotations) });
                return true;
              },
              { 409: () => false },
            )
          : await call(
              what,
              async () => {
                current.metadata = { ...current.metadata, annotations };
                await this.api.replaceNamespacedLease({ name: this.name, namespace: this.namespace, body: current });
                return true;
              },
              { 409: () => false, 404: () => false },
            );
      if (done) return;
    }
    throw new TransientError(`${what}: it kept changing under the write; try again`);
  }

  private body(annotations: Record<string, string>): V1Lease {
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: {
        name: this.name,
        namespace: this.namespace,
        labels: { [FLEET_LABEL]: this.fleet, 'app.kubernetes.io/managed-by': 'patchwindow' },
        annotations,
      },
      spec: {},
    };
  }
}
