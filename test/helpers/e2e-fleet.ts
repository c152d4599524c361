// One fleet of real agents on kwok nodes, for end-to-end scenarios and the cluster benchmark:
//  - policies written as YAML, validated and compiled by the reconciler (in memory), rendered into
//    the AgentConfig JSON each agent loads and the RBAC it runs with (applied to the cluster);
//  - kwok nodes per pool (unique names), a SimulatedHost per node, and a real `patchwindow agent`
//    process per node with a ServiceAccount token of the rendered ServiceAccount;
//  - a supervisor per node playing the host: when the agent runs the reboot command, it kills the
//    agent (SIGKILL), turns the node NotReady, boots (new boot id, sentinel gone), starts the agent
//    again and turns the node Ready, as a real reboot and the kubelet would;
//  - the Fleet's coordinator as real `patchwindow coordinator` processes, with the rendered command,
//    RBAC and ServiceAccount (started with the agents unless a test starts them itself);
//  - a ClusterWatcher checking the invariants the whole time (and each reboot command checked
//    against the grants: none may run without one).
// Everything is named after one unique id and removed by `close()`, which also kills every agent.
import {
  CoreV1Api,
  PatchStrategy,
  RbacAuthorizationV1Api,
  setHeaderOptions,
  type CoreV1Event,
  type V1Taint,
} from '@kubernetes/client-node';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { stringify } from 'yaml';
import type { AgentConfig } from '../../policy/model.ts';
import { applyObjects } from '../../reconciler/gitops/apply.ts';
import { compileFleet } from '../../reconciler/render/compile.ts';
import { CONFIG_FILE } from '../../reconciler/render/daemonset.ts';
import { formatText } from '../../policy/diagnostics.ts';
import { names } from '../../reconciler/render/objects.ts';
import { renderObjects } from '../../reconciler/render/render.ts';
import { validateSources } from '../../reconciler/validate/validate.ts';
import type { InstallSettings } from '../../reconciler/validate/install.ts';
import type { ClusterClient } from '../testenv/client.ts';
import { uniqueName } from '../testenv/names.ts';
import { NOT_READY_ANNOTATION } from '../testenv/stages.ts';
import { waitFor } from '../testenv/wait.ts';
import { SimulatedHost } from './agent-host.ts';
import { spawnAgent, type AgentProcess } from './agent-process.ts';
import { spawnCoordinator, type CoordinatorProcess } from './coordinator-process.ts';
import { ClusterWatcher } from './cluster-watcher.ts';

export const POOL_LABEL = 'e2e.patchwindow.dev/pool';

const MERGE_PATCH = setHeaderOptions('Content-Type', PatchStrategy.MergePatch);

/** Every day, around the clock. */
export const ALWAYS_OPEN = [
  { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', duration: '24h' },
];

export interface E2ePolicy {
  readonly name: string;
  /** Pools of the policy, by the scenario's short names. */
  readonly pools: readonly string[];
  readonly maxUnavailable: number | string;
  /**
   * RebootPolicy spec fields replacing the defaults (always open; drain timeout 30s and
   * deleteEmptyDirData; reboot expectedDuration 30s); each field replaces its default whole.
   */
  readonly spec?: Readonly<Record<string, unknown>>;
}

export interface E2eNode {
  readonly pool: string;
  /** The node needs a reboot from the start (default true). */
  readonly sentinel?: boolean;
  /** Cordoned by an admin before the agents start. */
  readonly cordoned?: boolean;
  readonly taints?: readonly V1Taint[];
}

export interface E2eFleetOptions {
  readonly policies: readonly E2ePolicy[];
  /** Nodes by the scenario's short names. */
  readonly nodes: Readonly<Record<string, E2eNode>>;
  /** Fleet spec fields besides namespace and poolLabel (the agent checks its sentinel every second). */
  readonly fleetSpec?: Readonly<Record<string, unknown>>;
  /** What the test's own blockers hold right now, by short node name (for the watcher). */
  readonly blocked?: (node: string) => string | undefined;
  /** From NotReady until the host is back (default 300 ms). */
  readonly bootMs?: number;
  /** Every host command is first POSTed here (test/helpers/reboot-guard.ts). */
  readonly commandGuardUrl?: string;
  /**
   * The grant TTL in the compiled configs (agent.slotTtlMs), shortened by configuration as an
   * operator could edit the ConfigMap: a grant not renewed this long is reported stalled.
   */
  readonly slotTtlMs?: number;
  /**
   * Also create the rendered AgentConfig ConfigMaps in the agents' namespace, as `apply` does (the
   * agents here read their config from files): `patchwindow status` finds the policies by them.
   */
  readonly publishConfigs?: boolean;
  /** Pools (short names) whose Nodes the watcher watches; default: every Node of the cluster. */
  readonly watchPools?: readonly string[];
  /** The kernel the kubelet reports (status.nodeInfo.kernelVersion) after a node's reboot; default: unchanged. */
  readonly kernelAfterReboot?: string;
  /** Install settings the policies are validated against (e.g. hook Jobs); default: the built-in ones. */
  readonly install?: InstallSettings;
}

/** The policy set as YAML sources, validated and compiled: the AgentConfig JSON of each policy and the RBAC. */
export function compileE2eFleet(
  id: string,
  o: Pick<E2eFleetOptions, 'policies' | 'fleetSpec' | 'install'>,
  poolValue: (pool: string) => string,
) {
  const fleet = {
    apiVersion: 'patchwindow.io/v1alpha1',
    kind: 'Fleet',
    metadata: { name: id },
    spec: { namespace: id, poolLabel: POOL_LABEL, agent: { checkInterval: '1s', logLevel: 'debug' }, ...o.fleetSpec },
  };
  const sources = [{ file: 'fleet.yaml', text: stringify(fleet) }];
  for (const p of o.policies) {
    const spec = {
      nodePools: p.pools.map(poolValue),
      maxUnavailable: p.maxUnavailable,
      windows: ALWAYS_OPEN,
      drain: { timeout: '30s', deleteEmptyDirData: true },
      reboot: { expectedDuration: '30s' },
      ...p.spec,
    };
    sources.push({
      file: `${p.name}.yaml`,
      text: stringify({
        apiVersion: 'patchwindow.io/v1alpha1',
        kind: 'RebootPolicy',
        metadata: { name: p.name },
        spec,
      }),
    });
  }
  const result = validateSources(sources, { nowMs: Date.now(), ...(o.install ? { install: o.install } : {}) });
  if (result.policySet === undefined)
    throw new Error(`the scenario's policies are invalid:\n${result.diagnostics.map(formatText).join('\n')}`);
  const objects = renderObjects(compileFleet(result.policySet));
  const configJson = new Map<string, string>();
  for (const r of objects) {
    if (r.object.kind !== 'ConfigMap') continue;
    const json = (r.object.data as Record<string, string>)[CONFIG_FILE]!;
    configJson.set((JSON.parse(json) as AgentConfig).policy.name, json);
  }
  const rbac = objects
    .filter((r) => r.object.kind !== 'ConfigMap' && r.object.kind !== 'DaemonSet' && r.object.kind !== 'Deployment')
    .map((r) => r.object);
  const deployment = objects.find((r) => r.object.kind === 'Deployment')!.object as unknown as {
    spec: { template: { spec: { containers: { command: string[] }[] } } };
  };
  const coordinatorCommand = deployment.spec.template.spec.containers[0]!.command;
  const configMaps = objects.filter((r) => r.object.kind === 'ConfigMap').map((r) => r.object);
  return { configJson, rbac, configMaps, coordinatorCommand, policySet: result.policySet, sources };
}

export class E2eFleet {
  /** Namespace, Fleet name and prefix of every node name. */
  readonly id: string;
  readonly cluster: ClusterClient;
  readonly watcher: ClusterWatcher;
  /** AgentConfig of each policy, by policy name. */
  readonly configs: ReadonlyMap<string, AgentConfig>;
  /** Agents that exited without being told to, and failed host simulations. */
  readonly problems: string[] = [];
  /** Every agent process started, per node (short name), oldest first. */
  readonly processes = new Map<string, AgentProcess[]>();
  /** Every coordinator process started, oldest first. */
  readonly coordinators: CoordinatorProcess[] = [];
  readonly #o: E2eFleetOptions;
  readonly #dir: string;
  /** Per node (short name): a kubeconfig with a token bound to that Node. */
  readonly #kubeconfig: Map<string, string>;
  readonly #coordinatorKubeconfig: string;
  readonly #coordinatorCommand: readonly string[];
  readonly #expectedCoordinatorExit = new WeakSet<CoordinatorProcess>();
  readonly #hosts: Map<string, SimulatedHost>;
  readonly #configPaths: Map<string, string>;
  readonly #supervisors = new Map<string, Promise<void>>();
  readonly #stopped = new Set<string>();
  readonly #expectedExit = new WeakSet<AgentProcess>();
  #closed = false;
  /** Entry script of the agents started from now on (default bin/patchwindow.js, the sources). */
  agentBin: string | undefined;
  /** Entry script of the coordinators started from now on (default bin/patchwindow.js, the sources). */
  coordinatorBin: string | undefined;
  /** When set, agents run through this command (see AgentProcessOptions.launcher). */
  agentLauncher: { readonly file: string; readonly args: readonly string[] } | undefined;
  /** The kubeconfig of the agent of a node started from now on (default: the fleet's, straight to the apiserver). */
  agentKubeconfig: ((short: string) => string | undefined) | undefined;

  private constructor(init: {
    o: E2eFleetOptions;
    id: string;
    cluster: ClusterClient;
    dir: string;
    kubeconfig: Map<string, string>;
    coordinatorKubeconfig: string;
    coordinatorCommand: readonly string[];
    watcher: ClusterWatcher;
    configs: Map<string, AgentConfig>;
    configPaths: Map<string, string>;
    hosts: Map<string, SimulatedHost>;
  }) {
    this.#o = init.o;
    this.id = init.id;
    this.cluster = init.cluster;
    this.#dir = init.dir;
    this.#kubeconfig = init.kubeconfig;
    this.#coordinatorKubeconfig = init.coordinatorKubeconfig;
    this.#coordinatorCommand = init.coordinatorCommand;
    this.watcher = init.watcher;
    this.configs = init.configs;
    this.#configPaths = init.configPaths;
    this.#hosts = init.hosts;
  }

  /** Creates everything but starts no agent. */
  static async create(cluster: ClusterClient, o: E2eFleetOptions): Promise<E2eFleet> {
    const id = uniqueName('e2e');
    const dir = await mkdtemp(join(tmpdir(), `patchwindow-${id}-`));
    const kc = cluster.kubeConfig();
    const { configJson, rbac, configMaps, coordinatorCommand } = compileE2eFleet(id, o, (pool) => `${id}-${pool}`);
    await applyObjects(kc, o.publishConfigs ? [...rbac, ...configMaps] : rbac);
    const core = kc.makeApiClient(CoreV1Api);
    // Workload pods of the scenario live in the agents' namespace too: they need its default ServiceAccount.
    await waitFor(
      `ServiceAccount ${id}/default`,
      async () =>
        (await core.readNamespacedServiceAccount({ namespace: id, name: 'default' }).catch(() => undefined))?.metadata,
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    const coordinatorKubeconfig = await cluster.serviceAccountKubeconfig({ namespace: id, name: names.coordinator });
    const configs = new Map<string, AgentConfig>();
    const configPaths = new Map<string, string>();
    await mkdir(join(dir, 'config'));
    for (const [policy, compiled] of configJson) {
      const path = join(dir, 'config', `${policy}.json`);
      const parsed = JSON.parse(compiled) as AgentConfig;
      const config =
        o.slotTtlMs === undefined ? parsed : { ...parsed, agent: { ...parsed.agent, slotTtlMs: o.slotTtlMs } };
      await writeFile(path, JSON.stringify(config));
      configs.set(policy, config);
      configPaths.set(policy, path);
    }
    const nodeName = (short: string): string => `${id}-${short}`;
    const entries = Object.entries(o.nodes);
    const created = await cluster.createNodes(
      entries.map(([short, n]) => ({
        name: nodeName(short),
        labels: { [POOL_LABEL]: `${id}-${n.pool}` },
        ...(n.taints ? { taints: [...n.taints] } : {}),
      })),
    );
    // Each agent gets a token bound to its Node, as a pod's projected token names its node: the
    // rendered admission policy lets an agent change its own Node only.
    const kubeconfig = new Map<string, string>();
    for (const [short] of entries) {
      const node = created.find((n) => n.metadata?.name === nodeName(short))!;
      const boundObject = { kind: 'Node' as const, name: nodeName(short), uid: node.metadata!.uid! };
      kubeconfig.set(
        short,
        await cluster.serviceAccountKubeconfig({ namespace: id, name: names.serviceAccount, boundObject }),
      );
    }
    for (const [short, n] of entries) {
      if (n.cordoned)
        await core.patchNode({ name: nodeName(short), body: { spec: { unschedulable: true } } }, MERGE_PATCH);
    }
    const hosts = new Map<string, SimulatedHost>();
    for (const [short, n] of entries) {
      const host = await SimulatedHost.create(nodeName(short), join(dir, 'hosts', short), o.commandGuardUrl);
      await host.setSentinel(n.sentinel ?? true);
      hosts.set(short, host);
    }
    const blocked = o.blocked;
    const watcher = await ClusterWatcher.start({
      kc,
      namespace: id,
      fleet: id,
      configs: [...configs.values()],
      podNamespace: id,
      ...(o.watchPools === undefined
        ? {}
        : { nodeLabelSelector: `${POOL_LABEL} in (${o.watchPools.map((p) => `${id}-${p}`).join(',')})` }),
      ...(blocked
        ? { blocked: (node: string) => (node.startsWith(`${id}-`) ? blocked(node.slice(id.length + 1)) : undefined) }
        : {}),
    });
    return new E2eFleet({
      o,
      id,
      cluster,
      dir,
      kubeconfig,
      coordinatorKubeconfig,
      coordinatorCommand,
      watcher,
      configs,
      configPaths,
      hosts,
    });
  }

  /** The kubeconfig of the agent of `short` (a token bound to its Node, straight to the apiserver). */
  kubeconfigPathOf(short: string): string {
    return this.#kubeconfig.get(short)!;
  }

  /**
   * A fresh token bound to the Node of `short` as it is now (after it was registered again with a
   * new uid), for agents started from now on: in a cluster the DaemonSet's new pod gets a new token.
   */
  async rebindAgentToken(short: string, nodeUid: string): Promise<void> {
    const boundObject = { kind: 'Node' as const, name: this.node(short), uid: nodeUid };
    this.#kubeconfig.set(
      short,
      await this.cluster.serviceAccountKubeconfig({ namespace: this.id, name: names.serviceAccount, boundObject }),
    );
  }

  /** The fleet's working dir (config, hosts). */
  get dir(): string {
    return this.#dir;
  }

  /** The real name of node `short`. */
  node(short: string): string {
    return `${this.id}-${short}`;
  }

  /** The real value of pool `short`. */
  pool(short: string): string {
    return `${this.id}-${short}`;
  }

  /** Short names of every node. */
  get nodes(): string[] {
    return Object.keys(this.#o.nodes);
  }

  host(short: string): SimulatedHost {
    const h = this.#hosts.get(short);
    if (h === undefined) throw new Error(`no node ${short} in this fleet`);
    return h;
  }

  /** The running (or last) agent process of node `short`. */
  agent(short: string): AgentProcess | undefined {
    return this.processes.get(short)?.at(-1);
  }

  /** The policy of node `short`. */
  config(short: string): AgentConfig {
    const pool = this.pool(this.#o.nodes[short]!.pool);
    const config = [...this.configs.values()].find(
      (c) => c.policy.membership.kind !== 'selector' && c.policy.membership.pools.includes(pool),
    );
    if (config === undefined) throw new Error(`no policy takes pool ${pool}`);
    return config;
  }

  /** Starts the agents of `shorts` (default: every node) and the host simulation of each, and a coordinator unless one runs. */
  startAgents(shorts: readonly string[] = this.nodes, options: { dryRun?: boolean } = {}): void {
    if (!this.coordinators.some((c) => c.child.exitCode === null && c.child.signalCode === null))
      this.startCoordinator();
    for (const short of shorts) {
      this.startAgent(short, options);
      if (!this.#supervisors.has(short)) this.#supervisors.set(short, this.#supervise(short));
    }
  }

  /** Starts (or restarts) the agent process of `short`. */
  startAgent(short: string, options: { dryRun?: boolean } = {}): AgentProcess {
    const host = this.host(short);
    const p = spawnAgent({
      node: this.node(short),
      configPath: this.#configPaths.get(this.config(short).policy.name)!,
      kubeconfigPath: this.agentKubeconfig?.(short) ?? this.#kubeconfig.get(short)!,
      hostRoot: host.root,
      nsenter: host.nsenter,
      dryRun: options.dryRun ?? false,
      ...(this.agentBin !== undefined ? { bin: this.agentBin } : {}),
      ...(this.agentLauncher !== undefined ? { launcher: this.agentLauncher } : {}),
    });
    const list = this.processes.get(short) ?? [];
    list.push(p);
    this.processes.set(short, list);
    this.watcher.note(this.node(short), `agent started (pid ${p.child.pid})`);
    void p.exited.then((how) => {
      if (this.#expectedExit.has(p) || this.#closed) return;
      this.problems.push(`the agent of ${short} exited on its own (${how}):\n${tail(p.output(), 20)}`);
    });
    return p;
  }

  /** Starts a coordinator process (identity `coordinator-<n>`); `extraArgs` e.g. a shorter leader election. */
  startCoordinator(extraArgs: readonly string[] = []): CoordinatorProcess {
    const c = spawnCoordinator({
      command: this.#coordinatorCommand,
      configDir: join(this.#dir, 'config'),
      kubeconfigPath: this.#coordinatorKubeconfig,
      identity: `coordinator-${this.coordinators.length + 1}`,
      extraArgs,
      ...(this.coordinatorBin !== undefined ? { bin: this.coordinatorBin } : {}),
    });
    this.coordinators.push(c);
    this.watcher.note('', `${c.identity} started (pid ${c.child.pid})`);
    void c.exited.then((how) => {
      if (this.#expectedCoordinatorExit.has(c) || this.#closed) return;
      this.problems.push(`${c.identity} exited on its own (${how}):\n${tail(c.output(), 20)}`);
    });
    return c;
  }

  /** Kills a coordinator process (SIGKILL unless told otherwise) and waits until it is gone. */
  async killCoordinator(c: CoordinatorProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string> {
    this.#expectedCoordinatorExit.add(c);
    this.watcher.note('', `${c.identity} killed (${signal})`);
    return c.kill(signal);
  }

  /** Kills the agent of `short` (SIGKILL: a crash, nothing is cleaned up) and waits until it is gone. */
  async killAgent(short: string, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | string | undefined> {
    const p = this.agent(short);
    if (p === undefined) return undefined;
    this.#expectedExit.add(p);
    this.watcher.note(this.node(short), `agent killed (${signal})`);
    return p.kill(signal);
  }

  /** Deletes node `short` for good: its agent and host go with it. */
  async deleteNode(short: string): Promise<void> {
    this.#stopped.add(short);
    await this.killAgent(short);
    this.watcher.note(this.node(short), 'node deleted by the test');
    await this.cluster.deleteNodes([this.node(short)]);
  }

  /** Cordons or uncordons `short` as an admin would (the watcher knows it was not the agent). */
  async adminCordon(short: string, cordon: boolean): Promise<void> {
    this.watcher.adminActing(this.node(short), true);
    try {
      const core = this.cluster.kubeConfig().makeApiClient(CoreV1Api);
      await core.patchNode({ name: this.node(short), body: { spec: { unschedulable: cordon } } }, MERGE_PATCH);
      await this.watcher.until(
        `${short} ${cordon ? 'cordoned' : 'uncordoned'} by the admin`,
        () => this.watcher.node(this.node(short))?.unschedulable === cordon,
        10_000,
      );
    } finally {
      this.watcher.adminActing(this.node(short), false);
    }
  }

  /** Waits for `condition`, failing at once when an agent died on its own. */
  until(what: string, condition: () => boolean, timeoutMs = 60_000): Promise<void> {
    return this.watcher.until(
      what,
      () => {
        if (this.problems.length > 0) throw new Error(`${this.problems.join('\n')}\n${this.report()}`);
        return condition();
      },
      timeoutMs,
    );
  }

  /** Node `short` finished its work: no record on the node (or the record says `phase`). */
  idle(short: string): boolean {
    const n = this.watcher.node(this.node(short));
    return (
      n !== undefined &&
      this.watcher.state(this.node(short)) === undefined &&
      n.annotations['patchwindow.io/state'] === undefined
    );
  }

  /** Node `short` rebooted (the host booted again) and its agent is done with it. */
  rebootedAndDone(short: string): boolean {
    return this.host(short).boots > 0 && this.idle(short) && this.watcher.reboots(this.node(short)).length > 0;
  }

  /** Events recorded about node `short` (reason and message), oldest first. */
  async events(short: string): Promise<Pick<CoreV1Event, 'reason' | 'message' | 'type'>[]> {
    const core = this.cluster.kubeConfig().makeApiClient(CoreV1Api);
    const list = await core.listNamespacedEvent({
      namespace: 'default',
      fieldSelector: `involvedObject.name=${this.node(short)}`,
    });
    return list.items
      .filter((e) => e.source?.component === 'patchwindow-agent' || e.source?.component === 'patchwindow-coordinator')
      .sort((a, b) => String(a.metadata?.name).localeCompare(String(b.metadata?.name)))
      .map((e) => ({ reason: e.reason, message: e.message, type: e.type }));
  }

  /** Every agent log line of node `short` (all its processes). */
  logs(short: string): Record<string, unknown>[] {
    return (this.processes.get(short) ?? []).flatMap((p) => p.logs());
  }

  /** The watcher's timeline and violations, problems, and the last log lines of every agent. */
  report(): string {
    const agents = [...this.processes].map(([short, list]) => {
      const lines = list
        .flatMap((p) => p.logs())
        .slice(-15)
        .map(
          (l) => `    ${typeof l.time === 'string' ? l.time.slice(11, 23) : '?'} ${String(l.level)} ${String(l.msg)}`,
        );
      return `  agent ${short} (${list.length} process${list.length === 1 ? '' : 'es'}):\n${lines.join('\n')}`;
    });
    const coordinators = this.coordinators.map((c) => {
      const lines = c
        .logs()
        .slice(-15)
        .map(
          (l) => `    ${typeof l.time === 'string' ? l.time.slice(11, 23) : '?'} ${String(l.level)} ${String(l.msg)}`,
        );
      return `  ${c.identity}:\n${lines.join('\n')}`;
    });
    return [
      this.watcher.report(),
      this.problems.length > 0 ? `problems:\n${this.problems.join('\n')}` : '',
      'agent logs (last lines):',
      ...agents,
      'coordinator logs (last lines):',
      ...coordinators,
    ].join('\n');
  }

  /** Kills every agent, stops watching, deletes the nodes, the namespace and the RBAC. */
  async close(): Promise<void> {
    this.#closed = true;
    await Promise.all([...this.processes.values()].flat().map((p) => p.kill('SIGKILL')));
    await Promise.all(this.coordinators.map((c) => c.kill('SIGKILL')));
    await Promise.allSettled(this.#supervisors.values());
    this.watcher.stop();
    const kc = this.cluster.kubeConfig();
    const core = kc.makeApiClient(CoreV1Api);
    const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
    const existing = new Set((await core.listNode()).items.map((n) => n.metadata?.name));
    const nodes = this.nodes.map((s) => this.node(s)).filter((n) => existing.has(n));
    await Promise.allSettled([
      nodes.length > 0 ? this.cluster.deleteNodes(nodes) : Promise.resolve(),
      core.deleteNamespace({ name: this.id }),
      rbac.deleteClusterRole({ name: `patchwindow-agent-${this.id}` }),
      rbac.deleteClusterRoleBinding({ name: `patchwindow-agent-${this.id}` }),
      rbac.deleteClusterRole({ name: `patchwindow-coordinator-${this.id}` }),
      rbac.deleteClusterRoleBinding({ name: `patchwindow-coordinator-${this.id}` }),
    ]);
    await rm(this.#dir, { recursive: true, force: true });
  }

  /** Plays the host of `short`: every reboot command the agent runs reboots it (see the header). */
  async #supervise(short: string): Promise<void> {
    const host = this.host(short);
    const rebootCommand = this.config(short).policy.reboot.command.join(' ');
    let handled = (await host.commands()).length;
    while (!this.#closed && !this.#stopped.has(short)) {
      await sleep(100);
      const commands = await host.commands();
      if (commands.length <= handled) continue;
      const fresh = commands.slice(handled);
      handled = commands.length;
      if (!fresh.includes(rebootCommand)) continue;
      // Fencing, checked from outside: a reboot command runs only while the node holds a grant.
      const name = this.node(short);
      if (!this.watcher.grants().some((g) => g.node === name))
        this.watcher.violations.push(`${name} ran the reboot command without a grant`);
      try {
        await this.#reboot(short);
      } catch (err: unknown) {
        if (!this.#closed)
          this.problems.push(`the reboot of ${short} failed: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
  }

  async #reboot(short: string): Promise<void> {
    const name = this.node(short);
    this.watcher.note(name, 'host: reboot command run; going down');
    await this.killAgent(short);
    if (this.#closed || this.#stopped.has(short)) return;
    await this.#setReady(short, false);
    await sleep(this.#o.bootMs ?? 300);
    await this.host(short).boot();
    this.watcher.note(name, `host: up again (boot id ${this.host(short).bootId})`);
    if (this.#closed || this.#stopped.has(short)) return;
    // The kubelet of the new boot reports its boot id (and the kernel it booted) in status.nodeInfo.
    const kernel = this.#o.kernelAfterReboot;
    await this.cluster
      .kubeConfig()
      .makeApiClient(CoreV1Api)
      .patchNodeStatus(
        {
          name,
          body: {
            status: {
              nodeInfo: { bootID: this.host(short).bootId, ...(kernel === undefined ? {} : { kernelVersion: kernel }) },
            },
          },
        },
        MERGE_PATCH,
      );
    // The kubelet starts the agent's pod as the node reports Ready again.
    this.startAgent(short);
    await this.#setReady(short, true);
  }

  /** The test makes `short`'s kubelet report NotReady (false) or Ready again (true). */
  async setReady(short: string, ready: boolean): Promise<void> {
    this.watcher.note(this.node(short), `test: kubelet reports ${ready ? 'Ready' : 'NotReady'}`);
    await this.#setReady(short, ready);
  }

  /**
   * The kubelet reports NotReady or Ready again (through kwok, see test/testenv/README.md). Waits
   * for the Ready condition only: cluster.setNodeReady also waits for the node lifecycle
   * controller's taints to go, which never happens on a cordoned node (node.kubernetes.io/unschedulable).
   */
  async #setReady(short: string, ready: boolean): Promise<void> {
    const name = this.node(short);
    const core = this.cluster.kubeConfig().makeApiClient(CoreV1Api);
    await core.patchNode(
      { name, body: { metadata: { annotations: { [NOT_READY_ANNOTATION]: ready ? null : 'true' } } } },
      MERGE_PATCH,
    );
    await this.watcher.until(
      `${short} ${ready ? 'Ready' : 'NotReady'}`,
      () => this.#closed || this.watcher.node(name)?.ready === ready,
      // kwok applies the stage within a second here, and took over 30 s beside 5,000 nodes.
      120_000,
    );
  }
}

function tail(text: string, lines: number): string {
  return text.split('\n').slice(-lines).join('\n');
}
