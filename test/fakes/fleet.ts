// A whole fleet on one fake clock: a FakeCluster, one FakeMachine per node, the agents running on
// them, restarted the way Kubernetes would (after a crash: by the kubelet after a short delay;
// after a reboot: when the node is back), and the coordinator's real grant loop granting them
// reboots. Tests drive it with `runUntil`.
import { FakeMemory } from './memory.ts';
import { runAgent } from '../../agent/loop.ts';
import { runGrantLoop } from '../../coordinator/loop.ts';
import { createCoordinatorMetrics } from '../../coordinator/metrics.ts';
import { NO_OBSERVER, type AgentObserver } from '../../agent/observer.ts';
import { type Log } from '../../io/log.ts';
import type { AgentTuning } from '../../agent/runtime.ts';
import type { AgentConfig } from '../../policy/model.ts';
import type { Halts } from '../../kube/halts.ts';
import type { GateOptions } from '../../coordinator/gates.ts';
import { FakeClock } from './clock.ts';
import { FakeCluster, type NodeSpec } from './cluster.ts';
import { POOL_LABEL } from './config.ts';
import { Faults } from './faults.ts';
import { FakeMachine, type MachineOptions } from './machine.ts';
import { FakeSilences, SilenceStore } from '../helpers/alertmanager.ts';
import { FakeAlerts, FakeNotifier } from './outside.ts';
import { clusterPorts, type Session } from './session.ts';

interface Running {
  readonly controller: AbortController;
  readonly done: Promise<unknown>;
}

export interface FleetNodeOptions extends Omit<NodeSpec, 'name'>, MachineOptions {
  /** The node needs a reboot from the start. */
  readonly sentinel?: boolean;
}

export class FakeFleet {
  readonly clock: FakeClock;
  readonly cluster: FakeCluster;
  readonly faults = new Faults();
  readonly notifier = new FakeNotifier();
  readonly alerts = new FakeAlerts();
  /** Alertmanager's silences on the fake clock (spec.silences). */
  readonly silenceStore = new SilenceStore(() => this.clock.now());
  readonly machines = new Map<string, FakeMachine>();
  readonly configs = new Map<string, AgentConfig>();
  /** Log lines of every agent, newest last (printed by tests when they fail). */
  readonly logLines: string[] = [];
  /** Errors runAgent rejected with (it should never). */
  readonly agentErrors: unknown[] = [];
  /** Every observer call of every agent: node, method, arguments. */
  readonly observations: { node: string; call: keyof AgentObserver; args: unknown[]; atMs: number }[] = [];
  /** When the coordinator decided, every time (fake clock). */
  readonly decisionsAtMs: number[] = [];
  /** The coordinator's CPU clock (GrantLoopOptions.cpuMs); absent: its fixed gap alone. */
  coordinatorCpuMs: (() => number) | undefined;
  /** Crashes (injected or by a test) so far. */
  crashes = 0;
  restartDelayMs = 20_000;
  dryRun = false;
  /** Every observer call throws after being recorded (a buggy metrics adapter). */
  observerThrows = false;
  tuning: Partial<AgentTuning> = {};
  /** The halt records the coordinator keeps (spec.halt); absent: not wired. */
  halts: Halts | undefined;
  /** The coordinator's health gates (spec.healthChecks); absent: not wired (gated policies hold). */
  gates: GateOptions | undefined;
  /** Agents return once idle, as the supervisor's workers do (nobody starts them again here). */
  exitWhenIdle = false;
  /** When each agent returned idle (exitWhenIdle), per node. */
  readonly idleAtMs = new Map<string, number[]>();
  #agents = new Map<string, Running>();
  #coordinator: Running | undefined;

  constructor(startMs: number) {
    this.clock = new FakeClock(startMs);
    this.cluster = new FakeCluster(this.clock);
  }

  /** Adds node `name` of `config`'s first pool, with its machine; does not start the agent. */
  addNode(name: string, config: AgentConfig, o: FleetNodeOptions = {}): FakeMachine {
    const pool =
      config.policy.membership.kind === 'selector'
        ? 'custom'
        : (config.policy.membership.pools[0] ?? config.policy.name);
    this.cluster.addNode({
      name,
      labels: { [POOL_LABEL]: pool, ...o.labels },
      ...(o.annotations ? { annotations: o.annotations } : {}),
      unschedulable: o.unschedulable ?? false,
      ready: o.ready ?? true,
    });
    const machine = new FakeMachine(this.cluster, name, o);
    machine.sentinel = o.sentinel ?? false;
    machine.hooks = { shutdown: () => this.#stopAgent(name), boot: () => this.start(name) };
    this.machines.set(name, machine);
    this.configs.set(name, config);
    return machine;
  }

  machine(name: string): FakeMachine {
    const m = this.machines.get(name);
    if (m === undefined) throw new Error(`no machine ${name}`);
    return m;
  }

  /** Starts (or restarts) the agent of `name`. */
  start(name: string): void {
    this.#stopAgent(name);
    const machine = this.machine(name);
    const controller = new AbortController();
    const session: Session = { agent: name, signal: controller.signal, crash: () => this.crash(name, controller) };
    const ports = {
      ...clusterPorts(this.cluster, session, this.faults),
      host: machine.host(session, this.faults),
      alerts: this.alerts,
      silences: new FakeSilences(this.silenceStore),
      notifier: this.notifier.for(name),
    };
    const done = runAgent({
      config: this.configs.get(name)!,
      nodeName: name,
      ports,
      clock: this.clock,
      log: this.#log(name),
      observer: this.#observer(name),
      dryRun: this.dryRun,
      signal: controller.signal,
      tuning: this.tuning,
      exitWhenIdle: this.exitWhenIdle,
    }).then(
      (outcome) => {
        if (outcome === 'idle') this.idleAtMs.set(name, [...(this.idleAtMs.get(name) ?? []), this.clock.now()]);
      },
      (err: unknown) => {
        this.agentErrors.push(err);
      },
    );
    this.#agents.set(name, { controller, done });
  }

  /** Kills the agent process; the kubelet starts it again after restartDelayMs (unless the host is down). */
  crash(name: string, which?: AbortController): void {
    const running = this.#agents.get(name);
    if (
      running === undefined ||
      (which !== undefined && running.controller !== which) ||
      running.controller.signal.aborted
    )
      return;
    this.crashes++;
    running.controller.abort();
    void this.clock.sleep(this.restartDelayMs).then(() => {
      const machine = this.machine(name);
      if (!machine.down && this.#agents.get(name) === running) this.start(name);
    });
  }

  isRunning(name: string): boolean {
    const running = this.#agents.get(name);
    return running !== undefined && !running.controller.signal.aborted;
  }

  /** Starts the agents of every node, and the coordinator unless it runs. */
  startAll(): void {
    this.startCoordinator();
    for (const name of this.machines.keys()) this.start(name);
  }

  /** The coordinator's memory: outlives its restarts, as its Lease does. */
  memory = new FakeMemory();

  /** Starts the coordinator's grant loop for every policy of the fleet (once). */
  startCoordinator(): void {
    if (this.#coordinator !== undefined && !this.#coordinator.controller.signal.aborted) return;
    const configs = [...new Map([...this.configs.values()].map((c) => [c.policy.name, c])).values()];
    const controller = new AbortController();
    // A crash (injected by a fault plan) ends it; its Deployment starts it again after restartDelayMs.
    const crash = () => {
      if (controller.signal.aborted) return;
      controller.abort();
      void this.clock.sleep(this.restartDelayMs).then(() => {
        if (this.#coordinator?.controller === controller) this.startCoordinator();
      });
    };
    const session: Session = { agent: 'coordinator', signal: controller.signal, crash };
    const { nodes, grants, events } = clusterPorts(this.cluster, session, this.faults);
    const done = runGrantLoop({
      fleet: { fleet: configs[0]!.fleet, namespace: configs[0]!.namespace, configs },
      ports: { nodes, grants, events, memory: this.memory, ...(this.halts ? { halts: this.halts } : {}) },
      clock: this.clock,
      log: this.#log('coordinator'),
      metrics: createCoordinatorMetrics({ policies: configs.map((c) => c.policy.name), processMetrics: false }),
      signal: controller.signal,
      onDecision: () => void this.decisionsAtMs.push(this.clock.now()),
      ...(this.coordinatorCpuMs ? { cpuMs: this.coordinatorCpuMs } : {}),
      ...(this.gates ? { gates: this.gates } : {}),
    }).catch((err: unknown) => {
      this.agentErrors.push(err);
    });
    this.#coordinator = { controller, done };
  }

  /** Stops the coordinator (no new grants; grants given stay). */
  async stopCoordinator(): Promise<void> {
    const running = this.#coordinator;
    this.#coordinator = undefined;
    running?.controller.abort();
    await this.clock.settle();
    await running?.done;
  }

  /** Stops every agent and the coordinator, and waits until they returned. */
  async stopAll(): Promise<void> {
    await this.stopCoordinator();
    const all = [...this.#agents.values()];
    for (const r of all) r.controller.abort();
    await this.clock.settle();
    await Promise.all(all.map((r) => r.done));
  }

  runUntil(done: () => boolean, limitMs: number): Promise<boolean> {
    return this.clock.runUntil(done, limitMs);
  }

  #stopAgent(name: string): void {
    this.#agents.get(name)?.controller.abort();
  }

  /** Observer calls of `node` to `call`, as argument lists. */
  observed(node: string, call: keyof AgentObserver): unknown[][] {
    return this.observations.filter((o) => o.node === node && o.call === call).map((o) => o.args);
  }

  #observer(node: string): AgentObserver {
    const out: Partial<Record<keyof AgentObserver, (...args: unknown[]) => void>> = {};
    for (const call of Object.keys(NO_OBSERVER) as (keyof AgentObserver)[]) {
      out[call] = (...args: unknown[]) => {
        this.observations.push({ node, call, args, atMs: this.clock.now() });
        if (this.observerThrows) throw new Error(`observer ${call} is broken`);
      };
    }
    return out as unknown as AgentObserver;
  }

  #log(node: string): Log {
    const line = (level: string) => (fields: Record<string, unknown>, message: string) => {
      this.logLines.push(
        `${new Date(this.clock.now()).toISOString()} ${node} ${level} ${message} ${JSON.stringify(fields)}`,
      );
      if (this.logLines.length > 4000) this.logLines.splice(0, 1000);
    };
    return { debug: line('debug'), info: line('info'), warn: line('warn'), error: line('error') };
  }
}
