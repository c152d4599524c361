// The agent's own ports: the host it runs on, the alerts that may hold a reboot, and the people it
// tells. Kubernetes ports (Nodes, Pods, Events, ...) are shared by every process: kube/ports.ts.
// Adapters implement them (agent/adapters/); in-memory fakes implement them for tests.

export interface Host {
  /** The sentinel file exists, or the allow-listed sentinel command exits 0. */
  rebootRequired(): Promise<boolean>;
  /** /proc/sys/kernel/random/boot_id of the host. */
  bootId(): Promise<string>;
  /** Reboots the host (command via nsenter, or signal to PID 1). Resolves when commanded. */
  reboot(): Promise<void>;
}

export interface Alert {
  readonly name: string;
  readonly state: 'firing' | 'pending' | 'inactive';
}

export interface Alerts {
  /** Active alerts from Prometheus /api/v1/alerts; throws when Prometheus cannot be asked. */
  active(): Promise<readonly Alert[]>;
}

export interface Notifier {
  /** Sends one message; retries with back-off inside; never throws. */
  send(event: 'drain' | 'reboot' | 'done' | 'failed', text: string): Promise<void>;
}

/** One write of a silence: a new one (no id) or the same one extended or ended (its id). */
export interface SilenceWrite {
  readonly id?: string;
  readonly matchers: readonly {
    readonly name: string;
    readonly value: string;
    readonly isRegex: boolean;
    readonly isEqual: boolean;
  }[];
  readonly startsAtMs: number;
  readonly endsAtMs: number;
  readonly createdBy: string;
  readonly comment: string;
}

export interface Silences {
  /** Creates or updates a silence in Alertmanager; resolves to its id; throws when Alertmanager refuses or cannot be reached. */
  put(silence: SilenceWrite): Promise<string>;
}
