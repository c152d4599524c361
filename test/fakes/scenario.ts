// Ready-made fleets for loop tests: pools of nodes that all need a reboot, with DaemonSet pods,
// web pods under a PodDisruptionBudget (rescheduled elsewhere when evicted) and an invariant
// checker watching every step.
import type { AgentConfig, Budget, DrainSettings, RebootSettings, WindowSpec } from '../../policy/model.ts';
import { count, HOUR, testConfig } from './config.ts';
import { FakeFleet } from './fleet.ts';
import { InvariantChecker } from './invariants.ts';
import type { MachineOptions } from './machine.ts';

/** Monday 2026-06-01 00:00 UTC. */
export const START = Date.parse('2026-06-01T00:00:00Z');

export const PRE = { 'example.com/maintenance': 'reboot' };
export const POST = { 'example.com/patched': 'true' };

export interface Pool {
  readonly name: string;
  readonly nodes: number;
  readonly budget: Budget;
}

export interface FleetOptions {
  readonly pools?: readonly Pool[];
  readonly fleetBudget?: Budget | null;
  readonly windows?: readonly WindowSpec[];
  readonly drain?: Partial<DrainSettings>;
  readonly reboot?: Partial<RebootSettings>;
  /** How every node's host reboots. */
  readonly machine?: MachineOptions;
  /** Fake time at the start (default START). */
  readonly startMs?: number;
  /** Web pods per node (ReplicaSet, PDB minAvailable = 2/3 of them). Default 2. */
  readonly webPodsPerNode?: number;
}

export interface Scenario {
  readonly fleet: FakeFleet;
  readonly checker: InvariantChecker;
  readonly configs: ReadonlyMap<string, AgentConfig>;
}

export const TWO_POOLS: readonly Pool[] = [
  { name: 'general', nodes: 4, budget: count(1) },
  { name: 'batch', nodes: 5, budget: count(2) },
];

/** Nodes `<pool initial><n>` (g1, g2, ..., b1, ...) that all need a reboot; agents not started. */
export function scenario(o: FleetOptions = {}): Scenario {
  const fleet = new FakeFleet(o.startMs ?? START);
  fleet.cluster.reschedule = true;
  fleet.cluster.addNamespace('shop', { team: 'shop' });
  fleet.cluster.addNamespace('kube-system');
  const configs = new Map<string, AgentConfig>();
  let web = 0;
  for (const pool of o.pools ?? TWO_POOLS) {
    const config = testConfig({
      policy: pool.name,
      budget: pool.budget,
      fleetBudget: o.fleetBudget === undefined ? null : o.fleetBudget,
      ...(o.windows ? { windows: o.windows } : {}),
      drain: { timeoutMs: 10 * 60_000, ...o.drain },
      reboot: { loopBackoffMs: HOUR, ...o.reboot },
      preReboot: PRE,
      postReboot: POST,
    });
    configs.set(pool.name, config);
    for (let i = 1; i <= pool.nodes; i++) {
      const name = `${pool.name[0]}${i}`;
      fleet.addNode(name, config, { ...o.machine, sentinel: true });
      fleet.cluster.addPod({
        namespace: 'kube-system',
        name: `agent-${name}`,
        nodeName: name,
        controllerKind: 'DaemonSet',
      });
      for (let k = 0; k < (o.webPodsPerNode ?? 2); k++) {
        fleet.cluster.addPod({
          namespace: 'shop',
          name: `web-${++web}`,
          nodeName: name,
          labels: { app: 'web' },
          graceSeconds: 20,
        });
      }
    }
  }
  fleet.cluster.addPdb({
    namespace: 'shop',
    selector: { matchLabels: { app: 'web' } },
    minAvailable: Math.floor((web * 2) / 3),
  });
  return { fleet, checker: new InvariantChecker(fleet), configs };
}

/** Every machine booted `times` times and nothing is left over (record, grant, cordon). */
export function allDone(s: Scenario, times = 1): boolean {
  return (
    [...s.fleet.machines.values()].every((m) => m.boots === times && !m.down) &&
    s.checker.endStateProblems().length === 0
  );
}

/** Runs until `done` or `limitMs` of fake time; stops the agents; returns whether `done` held. */
export async function run(s: Scenario, done: () => boolean, limitMs: number): Promise<boolean> {
  const ok = await s.fleet.runUntil(done, s.fleet.clock.now() + limitMs);
  await s.fleet.stopAll();
  return ok;
}

/** The last log lines, to show when a test fails. */
export function tail(s: Scenario, lines = 60): string {
  return s.fleet.logLines
    .filter((l) => !l.includes(' debug '))
    .slice(-lines)
    .join('\n');
}
