// A fake host: the sentinel, the boot id, and a reboot that behaves like one. reboot() returns once
// commanded; shortly after, the host goes down (the agent process dies with it, the Node turns
// NotReady); after the boot time it comes back with a new boot id, the sentinel gone (unless it
// survives, for the reboot-loop guard), the Node Ready, and the agent started again.
import type { Host } from '../../agent/ports.ts';
import type { FakeCluster } from './cluster.ts';
import type { Faults } from './faults.ts';
import { portCall, type Session } from './session.ts';

export interface MachineOptions {
  /** From the reboot command until the host is down (default 5 s). */
  readonly downAfterMs?: number;
  /** From down until the Node is Ready again with a new boot id (default 3 min). */
  readonly bootMs?: number;
  readonly sentinelSurvivesReboot?: boolean;
  /** false: reboot() returns but nothing happens (a broken reboot command). */
  readonly rebootWorks?: boolean;
}

export class FakeMachine {
  readonly name: string;
  readonly options: MachineOptions;
  sentinel = false;
  bootId: string;
  /** Boots since the start of the test. */
  boots = 0;
  /** When reboots were commanded. */
  readonly commandedAtMs: number[] = [];
  /** The host is down or booting. */
  down = false;
  /** Set by the harness: kill the agent when the host goes down, start it when it is up. */
  hooks = { shutdown: (): void => {}, boot: (): void => {} };
  readonly #cluster: FakeCluster;

  constructor(cluster: FakeCluster, name: string, options: MachineOptions = {}) {
    this.#cluster = cluster;
    this.name = name;
    this.options = options;
    this.bootId = `${name}-boot-0`;
  }

  /** The Host port as the agent of `session` sees it. */
  host(session: Session, faults: Faults): Host {
    const c = (method: string) => portCall(session, faults, 'host', method);
    return {
      rebootRequired: () => c('rebootRequired')(() => this.sentinel),
      bootId: () => c('bootId')(() => this.bootId),
      reboot: () => c('reboot')(() => this.#reboot()),
    };
  }

  #reboot(): void {
    const clock = this.#cluster.clock;
    this.commandedAtMs.push(clock.now());
    if (this.options.rebootWorks === false || this.down) return;
    this.down = true;
    void (async () => {
      await clock.sleep(this.options.downAfterMs ?? 5_000);
      this.hooks.shutdown();
      this.#cluster.setReady(this.name, false);
      await clock.sleep(this.options.bootMs ?? 180_000);
      this.boots++;
      this.bootId = `${this.name}-boot-${this.boots}`;
      if (this.options.sentinelSurvivesReboot !== true) this.sentinel = false;
      this.down = false;
      this.#cluster.setReady(this.name, true);
      this.hooks.boot();
    })();
  }
}
