// Faults done to one agent of an E2eFleet, as production does them: its API access cut (a
// loopback proxy between that agent and the apiserver, see api-proxy.ts), the whole agent stopped
// and resumed (SIGSTOP/SIGCONT of the supervisor and its workers: a frozen host, a paused
// container), killed and restarted (a failed liveness probe), and its Node deleted and registered
// again by the kubelet. Each one is noted on the watcher's timeline.
import { CoreV1Api } from '@kubernetes/client-node';
import { join } from 'node:path';
import { retargetKubeconfig, startApiProxy, type ApiProxy } from './api-proxy.ts';
import type { E2eFleet } from './e2e-fleet.ts';
import { freezeTree, killTree, thawTree } from './process-tree.ts';

/** Routes the agent of every node of `fleet` (started from now on) through a proxy of its own. */
export async function proxyAgents(fleet: E2eFleet): Promise<Map<string, ApiProxy>> {
  const proxies = new Map<string, ApiProxy>();
  const paths = new Map<string, string>();
  for (const short of fleet.nodes) {
    const proxy = await startApiProxy(fleet.cluster.info.apiUrl);
    proxies.set(short, proxy);
    paths.set(
      short,
      await retargetKubeconfig(fleet.kubeconfigPathOf(short), join(fleet.dir, `kubeconfig-${short}`), proxy.url),
    );
  }
  fleet.agentKubeconfig = (short) => paths.get(short);
  return proxies;
}

/** A stopped agent: resume() lets it run on from where it was. */
export interface FrozenAgent {
  readonly pids: readonly number[];
  readonly resume: () => void;
}

/** Stops the agent of `short` (supervisor and workers) where it is. */
export async function freezeAgent(fleet: E2eFleet, short: string): Promise<FrozenAgent> {
  const p = fleet.agent(short);
  if (p?.child.pid === undefined) throw new Error(`no running agent on ${short}`);
  const pids = await freezeTree(p.child.pid);
  fleet.watcher.note(fleet.node(short), `agent stopped (SIGSTOP to ${pids.join(', ')})`);
  return {
    pids,
    resume: () => {
      fleet.watcher.note(fleet.node(short), 'agent resumed (SIGCONT)');
      thawTree(pids);
    },
  };
}

/** Kills the agent of `short` with every worker, even stopped ones (SIGKILL), and waits until all are gone. */
export async function crashAgent(fleet: E2eFleet, short: string): Promise<void> {
  const pid = fleet.agent(short)?.child.pid;
  if (pid !== undefined) await killTree(pid);
  await fleet.killAgent(short);
}

/**
 * Deletes the Node of `short` and registers it again with the same name and labels, as its kubelet
 * does after a node object is deleted: a new uid, no annotations, schedulable. Returns once the new
 * object exists, not once it is Ready and untainted: the agents go on meanwhile, as they would. The
 * agent process keeps running (its pod is only removed later by the pod garbage collector); the
 * token of the next agent started on it is bound to the new Node.
 */
export async function recreateNode(fleet: E2eFleet, short: string): Promise<void> {
  const core = fleet.cluster.kubeConfig().makeApiClient(CoreV1Api);
  const name = fleet.node(short);
  const before = await core.readNode({ name });
  fleet.watcher.note(name, 'test: Node deleted (its kubelet will register it again)');
  await fleet.cluster.deleteNodes([name]);
  const [after] = await fleet.cluster.createNodes(
    [
      {
        name,
        labels: { ...before.metadata?.labels },
        taints: (before.spec?.taints ?? []).filter((t) => !t.key.startsWith('node.kubernetes.io/')),
      },
    ],
    { settle: false },
  );
  fleet.watcher.note(name, `test: Node registered again (uid ${after?.metadata?.uid})`);
  // The agent's token was bound to the deleted Node; the agent started after its reboot stands for
  // the new pod the DaemonSet makes, which gets a token of its own.
  await fleet.rebindAgentToken(short, after!.metadata!.uid!);
}
