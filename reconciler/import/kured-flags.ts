// kured's command-line flags (cmd/kured/main.go, kured 1.23) with their types and defaults, and the
// chart value (`configuration.*` in kubereboot/charts charts/kured) that emits each one.

/** pflag value types kured uses; env vars are read for all but stringArray. */
export type FlagType = 'string' | 'int' | 'bool' | 'duration' | 'regexp' | 'stringSlice' | 'stringArray';

export interface KuredFlag {
  readonly name: string;
  readonly type: FlagType;
  /** As kured's flag definition gives it (a list for slices). */
  readonly default: string | readonly string[];
  /** The chart's `configuration.<key>` that passes this flag, when there is one. */
  readonly chartKey?: string;
}

const f = (name: string, type: FlagType, def: string | readonly string[], chartKey?: string): KuredFlag => ({
  name,
  type,
  default: def,
  ...(chartKey ? { chartKey } : {}),
});

export const KURED_FLAGS: readonly KuredFlag[] = [
  f('node-id', 'string', ''),
  f('force-reboot', 'bool', 'false', 'forceReboot'),
  f('metrics-host', 'string', '', 'metricsHost'),
  f('metrics-port', 'int', '8080', 'metricsPort'),
  f('drain-grace-period', 'int', '-1', 'drainGracePeriod'),
  f('drain-pod-selector', 'string', '', 'drainPodSelector'),
  f('skip-wait-for-delete-timeout', 'int', '0', 'skipWaitForDeleteTimeout'),
  f('drain-delay', 'duration', '0s', 'drainDelay'),
  f('drain-timeout', 'duration', '0s', 'drainTimeout'),
  f('reboot-delay', 'duration', '0s', 'rebootDelay'),
  f('reboot-method', 'string', 'command', 'rebootMethod'),
  f('period', 'duration', '1h', 'period'),
  f('ds-namespace', 'string', 'kube-system'),
  f('ds-name', 'string', 'kured'),
  f('lock-annotation', 'string', 'weave.works/kured-node-lock', 'lockAnnotation'),
  f('lock-ttl', 'duration', '0s', 'lockTtl'),
  f('lock-release-delay', 'duration', '0s', 'lockReleaseDelay'),
  f('prometheus-url', 'string', '', 'prometheusUrl'),
  f('alert-filter-regexp', 'regexp', '', 'alertFilterRegexp'),
  f('alert-filter-match-only', 'bool', 'false', 'alertFilterMatchOnly'),
  f('alert-firing-only', 'bool', 'false', 'alertFiringOnly'),
  f('reboot-sentinel', 'string', '/var/run/reboot-required', 'rebootSentinel'),
  f('prefer-no-schedule-taint', 'string', '', 'preferNoScheduleTaint'),
  f('reboot-sentinel-command', 'string', '', 'rebootSentinelCommand'),
  f('reboot-command', 'string', '/bin/systemctl reboot', 'rebootCommand'),
  f('concurrency', 'int', '1', 'concurrency'),
  f('reboot-signal', 'int', '39', 'rebootSignal'),
  f('slack-hook-url', 'string', '', 'slackHookUrl'),
  f('slack-username', 'string', 'kured', 'slackUsername'),
  f('slack-channel', 'string', '', 'slackChannel'),
  f('notify-url', 'string', '', 'notifyUrl'),
  f('message-template-uncordon', 'string', 'Node %s rebooted & uncordoned successfully!', 'messageTemplateUncordon'),
  f('message-template-drain', 'string', 'Draining node %s', 'messageTemplateDrain'),
  f('message-template-reboot', 'string', 'Rebooting node %s', 'messageTemplateReboot'),
  f('blocking-pod-selector', 'stringArray', [], 'blockingPodSelector'),
  f('reboot-days', 'stringSlice', ['su', 'mo', 'tu', 'we', 'th', 'fr', 'sa'], 'rebootDays'),
  f('start-time', 'string', '0:00', 'startTime'),
  f('end-time', 'string', '23:59:59', 'endTime'),
  f('time-zone', 'string', 'UTC', 'timeZone'),
  f('annotate-nodes', 'bool', 'false', 'annotateNodes'),
  f('log-format', 'string', 'text', 'logFormat'),
  f('pre-reboot-node-labels', 'stringSlice', [], 'preRebootNodeLabels'),
  f('post-reboot-node-labels', 'stringSlice', [], 'postRebootNodeLabels'),
];

export const FLAG_BY_NAME: ReadonlyMap<string, KuredFlag> = new Map(KURED_FLAGS.map((flag) => [flag.name, flag]));

/** The environment variable kured reads for a flag: KURED_ + name upper-cased, '-' as '_'. */
export function envName(flag: string): string {
  return `KURED_${flag.toUpperCase().replaceAll('-', '_')}`;
}

export const FLAG_BY_ENV: ReadonlyMap<string, KuredFlag> = new Map(
  KURED_FLAGS.map((flag) => [envName(flag.name), flag]),
);
