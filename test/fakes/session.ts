// The Kubernetes-facing ports of one agent process over a FakeCluster. Each call is asynchronous
// (like a request), consults the fault plan, and fails once the process is dead: a crashed agent
// makes no further calls take effect, and its watches fall silent.
import type { NodeInfo } from '../../kube/ports.ts';
import { TerminalError, TransientError } from '../../policy/errors.ts';
import type { AgentPorts } from '../../agent/runtime.ts';
import { fakeCache } from './cache.ts';
import { NotFound, type FakeCluster } from './cluster.ts';
import type { Faults } from './faults.ts';

/** One agent process: its name (the node), whether it is alive, and how to kill it. */
export interface Session {
  readonly agent: string;
  readonly signal: AbortSignal;
  crash(): void;
}

/** Thrown by every port call of a crashed agent. */
export class AgentGone extends Error {
  override readonly name = 'AgentGone';
}

/** Runs `fn` as port call `port.method` of the session, with the faults the plan injects. */
export function portCall(session: Session, faults: Faults, port: string, method: string) {
  return async <T>(fn: () => T): Promise<T> => {
    await Promise.resolve();
    if (session.signal.aborted) throw new AgentGone(`${session.agent} is not running`);
    const fault = faults.next(session.agent, port, method);
    if (fault === 'throw') throw new TransientError(`injected failure of ${port}.${method}`);
    if (fault === 'crash-before') {
      session.crash();
      throw new AgentGone(`${session.agent} crashed before ${port}.${method}`);
    }
    let result: T;
    try {
      result = fn();
    } catch (err: unknown) {
      if (err instanceof NotFound) throw new TerminalError(err.message, { cause: err });
      throw err;
    }
    if (fault === 'crash-after') {
      session.crash();
      throw new AgentGone(`${session.agent} crashed after ${port}.${method}`);
    }
    return result;
  };
}

export function clusterPorts(
  cluster: FakeCluster,
  session: Session,
  faults: Faults,
): Pick<AgentPorts, 'nodes' | 'pods' | 'grants' | 'events'> {
  const by = session.agent;
  const alive = () => !session.signal.aborted;
  const c = (port: string, method: string) => portCall(session, faults, port, method);
  return {
    nodes: {
      get: (name) => c('nodes', 'get')(() => cluster.node(name)),
      watchAll: (o) =>
        c(
          'nodes',
          'watchAll',
        )(() =>
          fakeCache(() => cluster.nodes().map(ownAnnotationsOnly), cluster.nodeTopic, {
            alive,
            ...(o?.quiet === undefined ? {} : { quiet: { keyOf: (n: NodeInfo) => n.name, needless: o.quiet } }),
          }),
        ),
      watchOne: (name) =>
        c(
          'nodes',
          'watchOne',
        )(() =>
          fakeCache(
            () => {
              const node = cluster.node(name);
              return node === undefined ? [] : [node];
            },
            cluster.nodeTopic,
            { alive },
          ),
        ),
      cordon: (name, o) => c('nodes', 'cordon')(() => cluster.cordon(name, o, by)),
      uncordon: (name, o) => c('nodes', 'uncordon')(() => cluster.uncordon(name, o, by)),
      patchMetadata: (name, patch) => c('nodes', 'patchMetadata')(() => cluster.patchMetadata(name, patch, by)),
    },
    pods: {
      listOnNode: (name) => c('pods', 'listOnNode')(() => cluster.podsOn(name)),
      watchOnNode: (name) =>
        c('pods', 'watchOnNode')(() => fakeCache(() => cluster.podsOn(name), cluster.podTopic, { alive })),
      namespaceLabels: (ns) => c('pods', 'namespaceLabels')(() => cluster.namespaceLabels(ns)),
      evict: (pod, grace) => c('pods', 'evict')(() => cluster.evict(pod, grace, by)),
    },
    grants: {
      watchAll: () => c('grants', 'watchAll')(() => fakeCache(() => cluster.grants(), cluster.grantTopic, { alive })),
      watchOwn: (node) =>
        c(
          'grants',
          'watchOwn',
        )(() =>
          fakeCache(
            () => {
              const g = cluster.grant(node);
              return g === undefined ? [] : [g];
            },
            cluster.grantTopic,
            { alive },
          ),
        ),
      read: (node) => c('grants', 'read')(() => cluster.grant(node)),
      give: (g, nowMs) => c('grants', 'give')(() => cluster.give(g, nowMs, by)),
      renew: (g, nowMs) => c('grants', 'renew')(() => cluster.renew(g, nowMs, by)),
      release: (g) => c('grants', 'release')(() => cluster.release(g, by)),
      markHook: (g, kind, status) => c('grants', 'markHook')(() => cluster.markHook(g, kind, status, by)),
    },
    events: {
      // Best effort by contract: never throws, even when the call fails.
      record: (node, event) => c('events', 'record')(() => cluster.recordEvent(node, event)).catch(() => undefined),
    },
  };
}

const kept = new WeakMap<NodeInfo, NodeInfo>();

/**
 * As the real cache of every Node keeps it (kube/node-strip.ts): patchwindow's own annotations
 * only, and one object per version of a Node (the real cache maps each object once).
 */
function ownAnnotationsOnly(n: NodeInfo): NodeInfo {
  let k = kept.get(n);
  if (k === undefined) {
    const annotations = Object.fromEntries(
      Object.entries(n.annotations).filter(([a]) => a.startsWith('patchwindow.io/')),
    );
    kept.set(n, (k = { ...n, annotations }));
  }
  return k;
}
