// "As written" -> "normalized": turns schema-valid documents into the fully-defaulted model of
// policy/model.ts, checking every value the schema cannot (times, zones, durations, labels, regexes,
// URLs, commands). Problems are reported through `Report`, all at once; nothing throws.
import { FLEET_GROUP } from '../agent/budget.ts';
import type { Fleet } from '../policy/generated/fleet.ts';
import type { RebootPolicy } from '../policy/generated/rebootpolicy.ts';
import { parseBudget } from '../policy/budget.ts';
import { isTimeZone, parseInstant, parsePlainDate, parsePlainDateTime, parseTimeOfDay, parseWeekday } from '../policy/calendar.ts';
import { parseDuration } from '../policy/duration.ts';
import { blackoutInterval } from '../policy/windows.ts';
import { dns1123LabelProblem, dns1123SubdomainProblem, labelKeyProblem, labelValueProblem } from '../policy/labels.ts';
import type {
  AgentSettings,
  BlackoutBound,
  BlackoutSpec,
  Budget,
  FleetModel,
  LabelSelector,
  NotificationSpec,
  NotifyEvent,
  PolicyModel,
  WindowSpec,
  Weekday,
} from '../policy/model.ts';
import { showValue, type FieldPath } from './diagnostics.ts';

/** Where normalize sends what it finds; `rule` names the check. */
export interface Report {
  /** `key`: the position is the key of the last path element (e.g. a bad label key), not its value. */
  error(path: FieldPath, message: string, rule: string, options?: { key?: boolean }): void;
  warning(path: FieldPath, message: string, rule: string): void;
}

/** The slot group of the fleet-wide cap; no policy may take the name. */
export const RESERVED_POLICY_NAME = FLEET_GROUP;

export const DEFAULT_REBOOT_COMMAND: readonly string[] = ['/bin/systemctl', 'reboot'];
export const MAX_WINDOW_MS = 7 * 86_400_000;
export const NOTIFY_EVENTS: readonly NotifyEvent[] = ['drain', 'reboot', 'done', 'failed'];
export const DEFAULT_TEMPLATES: Readonly<Record<NotifyEvent, string>> = {
  drain: 'Draining node {node} ({policy})',
  reboot: 'Rebooting node {node} ({policy})',
  done: 'Node {node} rebooted and back in service ({policy})',
  failed: 'Reboot of node {node} failed: {reason} ({policy})',
};
const TEMPLATE_VARIABLES = ['node', 'policy', 'pool', 'event', 'reason'];

/** A duration field: parsed, or reported and replaced by `fallback` so checking can go on. */
function duration(report: Report, path: FieldPath, text: string | undefined, fallbackMs: number, opts: { min?: number; max?: number } = {}): number {
  if (text === undefined) return fallbackMs;
  const ms = parseDuration(text);
  if (ms === undefined) {
    report.error(path, `${showValue(text)} is not a duration; use a number and a unit, e.g. 90s, 30m, 1h30m, 2d`, 'duration');
    return fallbackMs;
  }
  if (opts.min !== undefined && ms < opts.min) {
    const least = opts.min === 1 ? 'more than 0s' : `at least ${opts.min / 1000}s`;
    report.error(path, `${showValue(text)} is too short; it must be ${least}`, 'duration');
  } else if (opts.max !== undefined && ms > opts.max) {
    report.error(path, `${showValue(text)} is too long; use at most ${opts.max / 86_400_000}d`, 'duration');
  }
  return ms;
}

function budget(report: Report, path: FieldPath, value: number | string | undefined, fallback: Budget): Budget {
  if (value === undefined) return fallback;
  const parsed = parseBudget(value);
  if (!parsed) {
    report.error(path, `${showValue(value)} is not a budget; use a whole number >= 1 or a percentage "1%".."100%" (quoted)`, 'budget');
    return fallback;
  }
  return parsed;
}

function timeZone(report: Report, path: FieldPath, name: string | undefined, fallback: string): string {
  if (name === undefined) return fallback;
  if (!isTimeZone(name)) {
    report.error(path, `${showValue(name)} is not an IANA time zone; use a name such as Europe/Berlin, America/New_York or UTC`, 'time-zone');
    return fallback;
  }
  return name;
}

function labelMap(report: Report, path: FieldPath, labels: Record<string, string> | undefined): Record<string, string> {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) report.error([...path, key], `label key ${showValue(key)} ${keyProblem}`, 'label', { key: true });
    const valueProblem = labelValueProblem(value);
    if (valueProblem) report.error([...path, key], `label value ${showValue(value)} ${valueProblem}`, 'label');
  }
  return { ...(labels ?? {}) };
}

/** Checks a LabelSelector by Kubernetes rules and returns it as the model's type. */
export function labelSelector(report: Report, path: FieldPath, selector: LabelSelector): LabelSelector {
  labelMap(report, [...path, 'matchLabels'], selector.matchLabels);
  (selector.matchExpressions ?? []).forEach((r, i) => {
    const at = [...path, 'matchExpressions', i];
    const keyProblem = labelKeyProblem(r.key);
    if (keyProblem) report.error([...at, 'key'], `label key ${showValue(r.key)} ${keyProblem}`, 'selector');
    const needsValues = r.operator === 'In' || r.operator === 'NotIn';
    if (needsValues && (r.values ?? []).length === 0) {
      report.error([...at, 'values'], `operator ${r.operator} needs a non-empty list of values`, 'selector');
    } else if (!needsValues && r.values !== undefined && r.values.length > 0) {
      report.error([...at, 'values'], `operator ${r.operator} takes no values; remove them`, 'selector');
    }
    (r.values ?? []).forEach((v, j) => {
      const p = labelValueProblem(v);
      if (p) report.error([...at, 'values', j], `label value ${showValue(v)} ${p}`, 'selector');
    });
  });
  return selector;
}

function blackoutBound(report: Report, path: FieldPath, text: string): BlackoutBound | undefined {
  const date = parsePlainDate(text);
  if (date) return { kind: 'date', date };
  const local = parsePlainDateTime(text);
  if (local) return { kind: 'local', dateTime: local };
  const epochMs = parseInstant(text);
  if (epochMs !== undefined) return { kind: 'instant', epochMs };
  report.error(path, `${showValue(text)} is not a date or instant; use YYYY-MM-DD, YYYY-MM-DDTHH:MM (local) or an RFC 3339 instant such as 2026-12-21T18:00:00Z`, 'blackout');
  return undefined;
}

/** Blackouts of a policy or the fleet; bounds are compared in `zone` when they are local. */
export function blackouts(
  report: Report,
  path: FieldPath,
  written: readonly { start: string; end: string; reason?: string }[] | undefined,
  source: 'policy' | 'fleet',
  compare: (start: BlackoutBound, end: BlackoutBound) => boolean,
): BlackoutSpec[] {
  const out: BlackoutSpec[] = [];
  (written ?? []).forEach((b, i) => {
    const start = blackoutBound(report, [...path, i, 'start'], b.start);
    const end = blackoutBound(report, [...path, i, 'end'], b.end);
    if (!start || !end) return;
    // A Fleet blackout's dates and local times are read in each policy's zone, its instants are not:
    // with one of each, the order checked here (in UTC) can be reversed in some zones, and the blackout
    // would then be silently empty there.
    if (source === 'fleet' && (start.kind === 'instant') !== (end.kind === 'instant')) {
      report.error([...path, i], `mixes an instant with a date or local time (start ${showValue(b.start)}, end ${showValue(b.end)}); a Fleet blackout's dates and local times apply in each policy's time zone, so use bounds of one kind: both instants, or both dates/local times`, 'blackout');
      return;
    }
    if (!compare(start, end)) {
      report.error([...path, i, 'end'], `${showValue(b.end)} is before start ${showValue(b.start)}; the end of a blackout may not come before its start`, 'blackout');
      return;
    }
    out.push({ start, end, reason: b.reason ?? '', source });
  });
  return out;
}

/** Commands run on the host without a shell and without PATH, so the program is an absolute path. */
function absoluteProgram(report: Report, path: FieldPath, argv: readonly string[]): void {
  if (!argv[0]!.startsWith('/')) {
    report.error([...path, 0], `${showValue(argv[0])} is not an absolute path; commands run on the host without a shell, write e.g. /bin/systemctl`, 'command');
  }
}

/** `argv` must run a program by absolute path and, when the Fleet is known, be one it allows. */
function command(report: Report, path: FieldPath, argv: readonly string[] | undefined, allowed: readonly (readonly string[])[] | undefined, what: string): void {
  if (argv === undefined) return;
  absoluteProgram(report, path, argv);
  if (allowed !== undefined && !allowed.some((a) => a.length === argv.length && a.every((x, i) => x === argv[i]))) {
    const list = allowed.length === 0 ? 'none are allowed' : allowed.map((a) => showValue(a)).join(', ');
    report.error(path, `${showValue(argv)} is not an allowed ${what} command (Fleet spec.allowedCommands.${what}: ${list}); add it there or use an allowed one`, 'allowed-command');
  }
}

function url(report: Report, path: FieldPath, text: string): void {
  let parsed: URL | undefined;
  try {
    parsed = new URL(text);
  } catch {
    parsed = undefined;
  }
  if (!parsed || (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')) {
    report.error(path, `${showValue(text)} is not an http(s) URL; write e.g. http://prometheus.monitoring:9090`, 'url');
  } else if (parsed.username || parsed.password) {
    report.error(path, 'contains credentials; policies live in git, so credentials may not be written here', 'url');
  }
}

function regex(report: Report, path: FieldPath, text: string | undefined): void {
  if (text === undefined) return;
  try {
    new RegExp(text, 'u');
  } catch (err: unknown) {
    report.error(path, `${showValue(text)} is not a valid regular expression (${(err as Error).message.replace(/^Invalid regular expression: /, '')})`, 'regex');
  }
}

function name(report: Report, path: FieldPath, value: string): void {
  const problem = dns1123LabelProblem(value);
  if (problem) report.error(path, `${showValue(value)} ${problem}; it names Kubernetes objects`, 'name');
}

/** The Fleet, normalized. `version` is the renderer's own, for the default image tag. */
export function normalizeFleet(report: Report, fleet: Fleet, version: string): FleetModel {
  const spec = fleet.spec;
  name(report, ['metadata', 'name'], fleet.metadata.name);
  const namespace = spec.namespace ?? 'patchwindow';
  const nsProblem = dns1123LabelProblem(namespace);
  if (nsProblem) report.error(['spec', 'namespace'], `${showValue(namespace)} ${nsProblem}`, 'name');
  const poolKeyProblem = labelKeyProblem(spec.poolLabel);
  if (poolKeyProblem) report.error(['spec', 'poolLabel'], `label key ${showValue(spec.poolLabel)} ${poolKeyProblem}`, 'label');
  const allowedReboot = spec.allowedCommands?.reboot ?? [DEFAULT_REBOOT_COMMAND];
  const allowedSentinel = spec.allowedCommands?.sentinel ?? [];
  for (const [what, list] of [['reboot', allowedReboot], ['sentinel', allowedSentinel]] as const) {
    list.forEach((argv, i) => absoluteProgram(report, ['spec', 'allowedCommands', what, i], argv));
  }
  const a = spec.agent ?? {};
  const agent: AgentSettings = {
    image: a.image ?? `ghcr.io/patchwindow/patchwindow:${version}`,
    imagePullPolicy: a.imagePullPolicy ?? 'IfNotPresent',
    imagePullSecrets: a.imagePullSecrets ?? [],
    priorityClassName: a.priorityClassName ?? 'system-node-critical',
    resources: {
      // Measured (bench/cluster-bench.ts): an idle agent is its supervisor alone, about 57 MiB; while
      // a reboot is wanted or under way its worker runs too, about 185 MiB together, and a worker
      // may wait days for its window. Watches of a large cluster add to the worker's share.
      requests: a.resources?.requests ?? { cpu: '10m', memory: '192Mi' },
      limits: a.resources?.limits ?? { memory: '320Mi' },
    },
    tolerations: a.tolerations ?? null,
    checkIntervalMs: duration(report, ['spec', 'agent', 'checkInterval'], a.checkInterval, 60_000, { min: 1_000 }),
    metricsPort: a.metricsPort ?? 9464,
    logLevel: a.logLevel ?? 'info',
  };
  (a.imagePullSecrets ?? []).forEach((s, i) => {
    const p = dns1123SubdomainProblem(s);
    if (p) report.error(['spec', 'agent', 'imagePullSecrets', i], `${showValue(s)} ${p}`, 'name');
  });
  return {
    name: fleet.metadata.name,
    namespace,
    poolLabel: spec.poolLabel,
    budget: spec.maxUnavailable === undefined ? null : budget(report, ['spec', 'maxUnavailable'], spec.maxUnavailable, { kind: 'count', count: 1 }),
    defaultPolicy: spec.defaultPolicy ?? null,
    // Fleet blackouts are compared as written; date-only bounds apply in each policy's zone.
    blackouts: blackouts(report, ['spec', 'blackouts'], spec.blackouts, 'fleet', boundsOrdered('UTC')),
    allowedCommands: { reboot: allowedReboot, sentinel: allowedSentinel },
    agent,
  };
}

/** Whether a blackout's start is not after its end, reading local and date bounds in `zone`. */
function boundsOrdered(zone: string): (start: BlackoutBound, end: BlackoutBound) => boolean {
  return (start, end) => {
    const interval = blackoutInterval({ start, end, reason: '', source: 'policy' }, zone);
    return interval.endMs >= interval.startMs;
  };
}

function timeOfDay(report: Report, path: FieldPath, text: string): ReturnType<typeof parseTimeOfDay> {
  const time = parseTimeOfDay(text);
  if (!time) report.error(path, `${showValue(text)} is not a time of day; use HH:MM (00:00-23:59)`, 'time-of-day');
  return time;
}

function windows(report: Report, written: RebootPolicy['spec']['windows'], zone: string): WindowSpec[] {
  const out: WindowSpec[] = [];
  written.forEach((w, i) => {
    const at: FieldPath = ['spec', 'windows', i];
    const days = new Set<Weekday>();
    w.days.forEach((d, j) => {
      const day = parseWeekday(d);
      if (day === undefined) report.error([...at, 'days', j], `${showValue(d)} is not a day; use mon, tue, wed, thu, fri, sat, sun (or the full names)`, 'weekday');
      else days.add(day);
    });
    const start = timeOfDay(report, [...at, 'start'], w.start);
    const windowZone = timeZone(report, [...at, 'timeZone'], w.timeZone, zone);
    let end: WindowSpec['end'] | undefined;
    if (w.end !== undefined && w.duration !== undefined) {
      report.error([...at, 'duration'], 'has both end and duration; keep exactly one of them', 'window-end');
    } else if (w.end === undefined && w.duration === undefined) {
      report.error(at, 'has neither end nor duration; add end: "HH:MM" or duration: e.g. 7h', 'window-end');
    } else if (w.end !== undefined) {
      const time = timeOfDay(report, [...at, 'end'], w.end);
      if (time) end = { kind: 'time', time };
    } else {
      const ms = duration(report, [...at, 'duration'], w.duration, -1, { min: 1, max: MAX_WINDOW_MS });
      if (ms > 0 && ms <= MAX_WINDOW_MS) end = { kind: 'duration', durationMs: ms };
    }
    if (start && end && days.size > 0) {
      out.push({ days: [...days].sort((x, y) => x - y), start, end, timeZone: windowZone });
    }
  });
  return out;
}

function notifications(report: Report, written: RebootPolicy['spec']['notifications']): NotificationSpec[] {
  return (written ?? []).map((n, i) => {
    const at: FieldPath = ['spec', 'notifications', i];
    const ref = n.urlFrom.secretKeyRef;
    const p = dns1123SubdomainProblem(ref.name);
    if (p) report.error([...at, 'urlFrom', 'secretKeyRef', 'name'], `${showValue(ref.name)} ${p}`, 'name');
    if (!/^[-._a-zA-Z0-9]+$/.test(ref.key)) {
      report.error([...at, 'urlFrom', 'secretKeyRef', 'key'], `${showValue(ref.key)} is not a Secret key; use letters, digits, "-", "_" and "."`, 'name');
    }
    const templates = { ...DEFAULT_TEMPLATES, ...(n.templates ?? {}) };
    for (const [event, text] of Object.entries(n.templates ?? {}) as [string, string][]) {
      for (const match of text.matchAll(/\{([^}]*)\}/g)) {
        if (!TEMPLATE_VARIABLES.includes(match[1]!)) {
          report.error([...at, 'templates', event], `{${match[1]!}} is not a template variable; use ${TEMPLATE_VARIABLES.map((v) => `{${v}}`).join(', ')}`, 'template');
        }
      }
    }
    return {
      format: n.format,
      secretKeyRef: { name: ref.name, key: ref.key },
      events: n.events ? [...new Set(n.events)] : [...NOTIFY_EVENTS],
      templates,
    };
  });
}

/**
 * One RebootPolicy, normalized against its Fleet. Without a usable Fleet (`fleet` undefined, itself
 * reported) the checks that need it are left out rather than made against made-up settings: the
 * allowed commands, and whether a policy without nodePools is the default one.
 */
export function normalizePolicy(report: Report, policy: RebootPolicy, fleet: FleetModel | undefined, isDefault: boolean): PolicyModel {
  const poolLabel = fleet?.poolLabel ?? "the Fleet's poolLabel";
  const spec = policy.spec;
  name(report, ['metadata', 'name'], policy.metadata.name);
  if (policy.metadata.name === RESERVED_POLICY_NAME) {
    report.error(['metadata', 'name'], `"${RESERVED_POLICY_NAME}" is reserved: the slots of the Fleet's cluster-wide cap use it; choose another name`, 'name');
  }
  const zone = timeZone(report, ['spec', 'timeZone'], spec.timeZone, 'UTC');

  let membership: PolicyModel['membership'];
  if (spec.nodePools !== undefined && spec.nodeSelector !== undefined) {
    report.error(['spec', 'nodeSelector'], 'has both nodePools and nodeSelector; a policy takes its nodes one way, keep one', 'membership');
  }
  if (spec.priority !== undefined && spec.nodeSelector === undefined) {
    report.error(['spec', 'priority'], 'only orders nodeSelector policies; remove it or use nodeSelector', 'membership');
  }
  (spec.nodePools ?? []).forEach((pool, i) => {
    const p = labelValueProblem(pool);
    if (p || pool.length === 0) report.error(['spec', 'nodePools', i], `${showValue(pool)} is not a value of label ${poolLabel}: ${p ?? 'it is empty'}`, 'label');
  });
  if (isDefault) {
    membership = { kind: 'default', pools: [...(spec.nodePools ?? [])] };
    if (spec.nodeSelector !== undefined) {
      report.error(['spec', 'nodeSelector'], `the Fleet's defaultPolicy takes every node no other policy claims; remove nodeSelector (nodePools may stay)`, 'membership');
    }
  } else if (spec.nodeSelector !== undefined) {
    membership = { kind: 'selector', selector: labelSelector(report, ['spec', 'nodeSelector'], spec.nodeSelector), priority: spec.priority ?? 0 };
  } else {
    if (spec.nodePools === undefined && fleet !== undefined) {
      report.error(['spec'], `names no nodes; add nodePools (values of ${poolLabel}) or nodeSelector, or make it the Fleet's defaultPolicy`, 'membership');
    }
    membership = { kind: 'pools', pools: [...(spec.nodePools ?? [])] };
  }

  const alerts = spec.blockers?.alerts;
  if (alerts) {
    url(report, ['spec', 'blockers', 'alerts', 'prometheusUrl'], alerts.prometheusUrl);
    regex(report, ['spec', 'blockers', 'alerts', 'filter'], alerts.filter);
    if (alerts.filterMatchOnly && alerts.filter === undefined) {
      report.error(['spec', 'blockers', 'alerts', 'filterMatchOnly'], 'needs a filter: without one no alert would ever block; add filter or remove filterMatchOnly', 'regex');
    }
  }
  const pods = (spec.blockers?.pods ?? []).map((b, i) => ({
    namespaceSelector: b.namespaceSelector ? labelSelector(report, ['spec', 'blockers', 'pods', i, 'namespaceSelector'], b.namespaceSelector as LabelSelector) : null,
    selector: labelSelector(report, ['spec', 'blockers', 'pods', i, 'selector'], b.selector as LabelSelector),
  }));

  const d = spec.drain ?? {};
  const r = spec.reboot ?? {};
  command(report, ['spec', 'reboot', 'command'], r.command, fleet?.allowedCommands.reboot, 'reboot');
  command(report, ['spec', 'reboot', 'sentinelCommand'], r.sentinelCommand, fleet?.allowedCommands.sentinel, 'sentinel');
  if (r.method === 'signal' && r.command !== undefined) {
    report.error(['spec', 'reboot', 'command'], 'is not used with method: signal; remove it or use method: command', 'reboot-method');
  }
  if (r.method !== 'signal' && r.signal !== undefined) {
    report.error(['spec', 'reboot', 'signal'], 'is only used with method: signal; remove it or set method: signal', 'reboot-method');
  }
  if (r.sentinelFile !== undefined && !r.sentinelFile.startsWith('/')) {
    report.error(['spec', 'reboot', 'sentinelFile'], `${showValue(r.sentinelFile)} is not an absolute path on the host; write e.g. /var/run/reboot-required`, 'command');
  }
  if (spec.paused !== undefined && spec.pausedUntil !== undefined) {
    report.error(['spec', 'pausedUntil'], 'is set together with paused; use paused: true to stop until further notice, or pausedUntil alone', 'pause');
  }
  let pause: PolicyModel['schedule']['pause'] = spec.paused ? { kind: 'indefinite' } : { kind: 'none' };
  if (spec.pausedUntil !== undefined) {
    const epochMs = parseInstant(spec.pausedUntil);
    if (epochMs === undefined) {
      report.error(['spec', 'pausedUntil'], `${showValue(spec.pausedUntil)} is not an instant; use RFC 3339 with an offset, e.g. 2026-12-01T00:00:00Z`, 'instant');
    } else if (!spec.paused) {
      pause = { kind: 'until', epochMs };
    }
  }
  const gracePeriodMs = d.gracePeriod === undefined ? undefined : duration(report, ['spec', 'drain', 'gracePeriod'], d.gracePeriod, 0);
  if (gracePeriodMs !== undefined && gracePeriodMs % 1000 !== 0) {
    report.error(['spec', 'drain', 'gracePeriod'], `${showValue(d.gracePeriod)} is not whole seconds; Kubernetes grace periods are in seconds`, 'duration');
  }
  return {
    name: policy.metadata.name,
    membership,
    budget: budget(report, ['spec', 'maxUnavailable'], spec.maxUnavailable, { kind: 'count', count: 1 }),
    schedule: {
      timeZone: zone,
      windows: windows(report, spec.windows, zone),
      blackouts: [
        ...blackouts(report, ['spec', 'blackouts'], spec.blackouts, 'policy', boundsOrdered(zone)),
        ...(fleet?.blackouts ?? []),
      ],
      pause,
    },
    blockers: {
      pods,
      alerts: alerts
        ? {
            prometheusUrl: alerts.prometheusUrl,
            filter: alerts.filter ?? null,
            filterMatchOnly: alerts.filterMatchOnly ?? false,
            firingOnly: alerts.firingOnly ?? false,
            timeoutMs: duration(report, ['spec', 'blockers', 'alerts', 'timeout'], alerts.timeout, 10_000, { min: 1 }),
          }
        : null,
    },
    drain: {
      timeoutMs: duration(report, ['spec', 'drain', 'timeout'], d.timeout, 30 * 60_000, { min: 1 }),
      gracePeriodSeconds: gracePeriodMs === undefined ? null : Math.floor(gracePeriodMs / 1000),
      deleteEmptyDirData: d.deleteEmptyDirData ?? false,
      force: d.force ?? false,
      podSelector: d.podSelector ? labelSelector(report, ['spec', 'drain', 'podSelector'], d.podSelector) : null,
      onFailure: d.onFailure ?? 'uncordon',
    },
    reboot: {
      method: r.method ?? 'command',
      command: r.command ?? DEFAULT_REBOOT_COMMAND,
      signal: r.signal ?? 39,
      delayMs: duration(report, ['spec', 'reboot', 'delay'], r.delay, 0),
      expectedDurationMs: duration(report, ['spec', 'reboot', 'expectedDuration'], r.expectedDuration, 10 * 60_000, { min: 1 }),
      // kured's rule: a sentinel command replaces the default file; both count when both are written.
      sentinelFile: r.sentinelFile ?? (r.sentinelCommand === undefined ? '/var/run/reboot-required' : null),
      sentinelCommand: r.sentinelCommand ?? null,
      loopBackoffMs: duration(report, ['spec', 'reboot', 'loopBackoff'], r.loopBackoff, 6 * 3_600_000, { min: 1 }),
    },
    notifications: notifications(report, spec.notifications),
    nodeLabels: {
      preReboot: labelMap(report, ['spec', 'nodeLabels', 'preReboot'], spec.nodeLabels?.preReboot),
      postReboot: labelMap(report, ['spec', 'nodeLabels', 'postReboot'], spec.nodeLabels?.postReboot),
    },
  };
}
