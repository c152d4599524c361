// AgentConfig builders for tests: a realistic, fully defaulted compiled config (what the agent
// loads from its ConfigMap), with only what a test cares about overridden.
import type { PolicyHooks } from '../../policy/hooks.ts';
import type {
  AgentConfig,
  AlertBlocker,
  BlackoutSpec,
  Budget,
  DrainSettings,
  NotificationSpec,
  Pause,
  PodBlocker,
  RebootSettings,
  Schedule,
  SilenceSettings,
  WindowSpec,
} from '../../policy/model.ts';

export const POOL_LABEL = 'pool';
export const MINUTE = 60_000;
export const HOUR = 60 * MINUTE;
export const DAY = 24 * HOUR;

/** Every day, around the clock (one window that never closes). */
export const ALWAYS: readonly WindowSpec[] = [
  {
    days: [1, 2, 3, 4, 5, 6, 7],
    start: { hour: 0, minute: 0 },
    end: { kind: 'duration', durationMs: DAY },
    timeZone: 'UTC',
  },
];

/** The default schedule, one object for every config: compiled schedules are memoized per object. */
const ALWAYS_SCHEDULE: Schedule = { timeZone: 'UTC', windows: ALWAYS, blackouts: [], pause: { kind: 'none' } };

export interface TestConfigOptions {
  readonly policy?: string;
  /** Pools of this policy (values of POOL_LABEL). Default: [policy]. */
  readonly pools?: readonly string[];
  /** Pools under the fleet-wide cap. Default: every node with a pool label. */
  readonly budget?: Budget;
  readonly fleetBudget?: Budget | null;
  readonly windows?: readonly WindowSpec[];
  readonly blackouts?: readonly BlackoutSpec[];
  readonly pause?: Pause;
  readonly podBlockers?: readonly PodBlocker[];
  readonly alerts?: AlertBlocker | null;
  readonly drain?: Partial<DrainSettings>;
  readonly reboot?: Partial<RebootSettings>;
  readonly preReboot?: Readonly<Record<string, string>>;
  readonly postReboot?: Readonly<Record<string, string>>;
  readonly notifications?: readonly NotificationSpec[];
  readonly silences?: SilenceSettings | null;
  readonly hooks?: PolicyHooks;
  readonly checkIntervalMs?: number;
  readonly slotTtlMs?: number;
}

export const count = (n: number): Budget => ({ kind: 'count', count: n });
export const percent = (p: number): Budget => ({ kind: 'percent', percent: p });

export function testConfig(o: TestConfigOptions = {}): AgentConfig {
  const name = o.policy ?? 'general';
  const pools = o.pools ?? [name];
  return {
    apiVersion: 'patchwindow.io/v1alpha1',
    kind: 'AgentConfig',
    fleet: 'test-fleet',
    namespace: 'patchwindow',
    poolLabel: POOL_LABEL,
    policy: {
      name,
      membership: { kind: 'pools', pools },
      budget: o.budget ?? count(1),
      rate: null,
      canary: false,
      schedule:
        o.windows === undefined && o.blackouts === undefined && o.pause === undefined
          ? ALWAYS_SCHEDULE
          : {
              timeZone: 'UTC',
              windows: o.windows ?? ALWAYS,
              blackouts: o.blackouts ?? [],
              pause: o.pause ?? { kind: 'none' },
            },
      maxPendingMs: null,
      blockers: { pods: o.podBlockers ?? [], alerts: o.alerts ?? null },
      drain: {
        timeoutMs: 30 * MINUTE,
        gracePeriodSeconds: null,
        deleteEmptyDirData: true,
        force: false,
        podSelector: null,
        onFailure: 'uncordon',
        volumeDetachTimeoutMs: null,
        ...o.drain,
      },
      reboot: {
        method: 'command',
        command: ['/bin/systemctl', 'reboot'],
        signal: 39,
        delayMs: 0,
        expectedDurationMs: 10 * MINUTE,
        sentinelFile: '/var/run/reboot-required',
        sentinelCommand: null,
        loopBackoffMs: 6 * HOUR,
        notifyTimeoutMs: 30_000,
        ...o.reboot,
      },
      notifications: o.notifications ?? [],
      nodeLabels: { preReboot: o.preReboot ?? {}, postReboot: o.postReboot ?? {} },
      silences: o.silences ?? null,
      ...(o.hooks ? { hooks: o.hooks } : {}),
    },
    members: [{ matchExpressions: [{ key: POOL_LABEL, operator: 'In', values: [...pools] }] }],
    fleetBudget: o.fleetBudget === undefined ? null : o.fleetBudget,
    agent: {
      checkIntervalMs: o.checkIntervalMs ?? MINUTE,
      metricsPort: 8080,
      logLevel: 'info',
      slotTtlMs: o.slotTtlMs ?? 15 * MINUTE,
    },
  };
}
