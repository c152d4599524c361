// The contract suites of the Kubernetes-facing ports, for any implementation:
//
//   import { describeClusterContracts } from './index.ts';
//   describeClusterContracts('kube adapters on the test control plane', makeKubeEnv);
//
// `makeEnv` is called before every test and `dispose` after it; see env.ts for what it provides.
import type { MakeEnv } from './env.ts';
import { describeEventsContract } from './events.contract.ts';
import { describeNodesContract } from './nodes.contract.ts';
import { describePodsContract } from './pods.contract.ts';
import { describeGrantsContract } from './grants.contract.ts';
import { describeMemoryContract } from './memory.contract.ts';

export { eventually, type ContractEnv, type MakeEnv, type NodeSetup, type PodSetup } from './env.ts';
export {
  describeEventsContract,
  describeNodesContract,
  describePodsContract,
  describeGrantsContract,
  describeMemoryContract,
};

/** Every port's suite: Nodes, Pods (eviction), Grants, Events, Memory. */
export function describeClusterContracts(name: string, makeEnv: MakeEnv): void {
  describeNodesContract(name, makeEnv);
  describePodsContract(name, makeEnv);
  describeGrantsContract(name, makeEnv);
  describeEventsContract(name, makeEnv);
  describeMemoryContract(name, makeEnv);
}
