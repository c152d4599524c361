// The contract suites against the in-memory fakes. The same suites run against the real adapters
// on the real control plane (test/integration), so the fakes cannot drift from the API.
import { systemClock } from '../../io/clock.ts';
import { FakeCluster } from '../fakes/cluster.ts';
import { Faults } from '../fakes/faults.ts';
import { FakeMemory } from '../fakes/memory.ts';
import { clusterPorts } from '../fakes/session.ts';
import { describeClusterContracts, type ContractEnv } from './index.ts';
import { describeHaltsContract } from './halts.contract.ts';
import { FakeHalts } from '../fakes/halts.ts';

let counter = 0;

async function fakeEnv(): Promise<ContractEnv> {
  const cluster = new FakeCluster(systemClock);
  const ports = clusterPorts(
    cluster,
    { agent: 'contract', signal: new AbortController().signal, crash() {} },
    new Faults(),
  );
  // The setup helpers act at once; they are async because real ones are.
  const done = <T>(value?: T): Promise<T | undefined> => Promise.resolve(value);
  const memories = new Map<string, FakeMemory>();
  return Promise.resolve({
    ...ports,
    memory: (fleet) => memories.get(fleet) ?? memories.set(fleet, new FakeMemory()).get(fleet)!,
    unique: (base) => `${base}-${++counter}`,
    createNode: ({ name, labels, unschedulable }) =>
      done(cluster.addNode({ name, labels: labels ?? {}, unschedulable: unschedulable ?? false })).then(() => {}),
    deleteNode: (name) => done(cluster.deleteNode(name)).then(() => {}),
    createNamespace: (name, labels) => done(cluster.addNamespace(name, labels)).then(() => {}),
    createPod: (spec) =>
      done(
        cluster.addPod({
          namespace: spec.namespace,
          name: spec.name,
          nodeName: spec.nodeName,
          labels: spec.labels ?? {},
          controllerKind: spec.owner,
          usesEmptyDir: spec.emptyDir ?? false,
          phase: spec.phase ?? 'Running',
        }),
      ).then(() => {}),
    blockEvictionsFor: (pod) => done(cluster.blockEvictions(pod)).then(() => {}),
    eventsOf: (node) => Promise.resolve(cluster.eventsFor(node)),
    nowMs: () => Date.now(),
    dispose: () => Promise.resolve(),
  });
}

describeClusterContracts('FakeCluster', fakeEnv);
describeHaltsContract('FakeHalts', () => {
  const one = new FakeHalts();
  return Promise.resolve({ one, two: one, dispose: () => Promise.resolve() });
});
