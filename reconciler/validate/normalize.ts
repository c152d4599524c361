// "As written" -> "normalized": turns schema-valid documents into the fully-defaulted model of
// policy/model.ts, checking every value the schema cannot (times, zones, durations, labels, regexes,
// URLs, commands). Problems are reported through `Report`, all at once; nothing throws.
import { FLEET_GROUP } from '../../policy/budget.ts';
import type { Fleet } from '../../policy/generated/fleet.ts';
import type { RebootPolicy } from '../../policy/generated/rebootpolicy.ts';
import { parseInstant } from '../../policy/calendar.ts';
import {
  dns1123LabelProblem,
  dns1123SubdomainProblem,
  labelKeyProblem,
  labelValueProblem,
} from '../../policy/labels.ts';
import type { AgentSettings, FleetModel, LabelSelector, PolicyModel } from '../../policy/model.ts';
import { budget, duration, name, regex, timeZone, url, type Report } from './normalize-fields.ts';
import { rateLimit } from './normalize-rate.ts';
import { labelSelector, labelMap } from './normalize-selectors.ts';
import { blackouts, boundsOrdered, windows } from './normalize-windows.ts';
import { namedCommand, rebootCommand, signalFallback } from './normalize-commands.ts';
import { haltSettings } from './normalize-halt.ts';
import type { InstallSettings } from './install.ts';
import { DEFAULT_NOTIFY_TIMEOUT_MS, MAX_NOTIFY_TIMEOUT_MS, notifications } from './normalize-notifications.ts';
import { showValue } from '../../policy/diagnostics.ts';
import { healthChecks } from './normalize-health.ts';
import { parseDuration } from '../../policy/duration.ts';
import { silences } from './normalize-silences.ts';
import { drainSettings } from './normalize-drain.ts';
import { policyHooks } from './normalize-hooks.ts';

/** The slot group of the fleet-wide cap; no policy may take the name. */
export const RESERVED_POLICY_NAME = FLEET_GROUP;

/** The Fleet, normalized; what runs on the nodes (the image) comes from the install settings. */
export function normalizeFleet(report: Report, fleet: Fleet, install: InstallSettings): FleetModel {
  const spec = fleet.spec;
  name(report, ['metadata', 'name'], fleet.metadata.name);
  const namespace = spec.namespace ?? 'patchwindow';
  const nsProblem = dns1123LabelProblem(namespace);
  if (nsProblem) report.error(['spec', 'namespace'], `${showValue(namespace)} ${nsProblem}`, 'name');
  // Absent only when it was written wrong (reported, see prune.ts): the rest is still checked.
  const poolLabel = (spec.poolLabel as string | undefined) ?? '';
  const poolKeyProblem = poolLabel === '' ? undefined : labelKeyProblem(spec.poolLabel);
  if (poolKeyProblem)
    report.error(['spec', 'poolLabel'], `label key ${showValue(spec.poolLabel)} ${poolKeyProblem}`, 'label');
  const a = spec.agent ?? {};
  const agent: AgentSettings = {
    image: install.agentImage,
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
    logFormat: a.logFormat ?? 'json',
  };
  (a.imagePullSecrets ?? []).forEach((s, i) => {
    const p = dns1123SubdomainProblem(s);
    if (p) report.error(['spec', 'agent', 'imagePullSecrets', i], `${showValue(s)} ${p}`, 'name');
  });
  return {
    name: fleet.metadata.name,
    namespace,
    poolLabel,
    budget:
      spec.maxUnavailable === undefined
        ? null
        : budget(report, ['spec', 'maxUnavailable'], spec.maxUnavailable, { kind: 'count', count: 1 }),
    defaultPolicy: spec.defaultPolicy ?? null,
    // Fleet blackouts are compared as written; date-only bounds apply in each policy's zone.
    blackouts: blackouts(report, ['spec', 'blackouts'], spec.blackouts, 'fleet', boundsOrdered('UTC')),
    agent,
  };
}

/**
 * One RebootPolicy, normalized against its Fleet and the install settings (its commands and
 * notification Secrets). Without a usable Fleet (`fleet` undefined, itself reported) the checks that
 * need it are left out rather than made against made-up settings: whether a policy without nodePools
 * is the default one.
 */
export function normalizePolicy(
  report: Report,
  policy: RebootPolicy,
  context: { readonly fleet: FleetModel | undefined; readonly isDefault: boolean; readonly install: InstallSettings },
): PolicyModel {
  const { fleet, isDefault, install } = context;
  const poolLabel = fleet?.poolLabel ?? "the Fleet's poolLabel";
  const spec = policy.spec;
  name(report, ['metadata', 'name'], policy.metadata.name);
  if (policy.metadata.name === RESERVED_POLICY_NAME) {
    report.error(
      ['metadata', 'name'],
      `"${RESERVED_POLICY_NAME}" is reserved: the slots of the Fleet's cluster-wide cap use it; choose another name`,
      'name',
    );
  }
  const zone = timeZone(report, ['spec', 'timeZone'], spec.timeZone, 'UTC');
  // Absent only when it was written wrong (reported, see prune.ts): the rest is still checked.
  const writtenWindows: RebootPolicy['spec']['windows'] | undefined = spec.windows;

  let membership: PolicyModel['membership'];
  if (spec.nodePools !== undefined && spec.nodeSelector !== undefined) {
    report.error(
      ['spec', 'nodeSelector'],
      'has both nodePools and nodeSelector; a policy takes its nodes one way, keep one',
      'membership',
    );
  }
  if (spec.priority !== undefined && spec.nodeSelector === undefined) {
    report.error(
      ['spec', 'priority'],
      'only orders nodeSelector policies; remove it or use nodeSelector',
      'membership',
    );
  }
  (spec.nodePools ?? []).forEach((pool, i) => {
    const p = labelValueProblem(pool);
    if (p || pool.length === 0)
      report.error(
        ['spec', 'nodePools', i],
        `${showValue(pool)} is not a value of label ${poolLabel}: ${p ?? 'it is empty'}`,
        'label',
      );
  });
  if (isDefault) {
    membership = { kind: 'default', pools: [...(spec.nodePools ?? [])] };
    if (spec.nodeSelector !== undefined) {
      report.error(
        ['spec', 'nodeSelector'],
        `the Fleet's defaultPolicy takes every node no other policy claims; remove nodeSelector (nodePools may stay)`,
        'membership',
      );
    }
  } else if (spec.nodeSelector !== undefined) {
    membership = {
      kind: 'selector',
      selector: labelSelector(report, ['spec', 'nodeSelector'], spec.nodeSelector),
      priority: spec.priority ?? 0,
    };
  } else {
    if (spec.nodePools === undefined && fleet !== undefined) {
      report.error(
        ['spec'],
        `names no nodes; add nodePools (values of ${poolLabel}) or nodeSelector, or make it the Fleet's defaultPolicy`,
        'membership',
      );
    }
    membership = { kind: 'pools', pools: [...(spec.nodePools ?? [])] };
  }

  const alerts = spec.blockers?.alerts;
  if (alerts) {
    url(report, ['spec', 'blockers', 'alerts', 'prometheusUrl'], alerts.prometheusUrl);
    regex(report, ['spec', 'blockers', 'alerts', 'filter'], alerts.filter);
    if (alerts.filterMatchOnly && alerts.filter === undefined) {
      report.error(
        ['spec', 'blockers', 'alerts', 'filterMatchOnly'],
        'needs a filter: without one no alert would ever block; add filter or remove filterMatchOnly',
        'regex',
      );
    }
  }
  const pods = (spec.blockers?.pods ?? []).map((b, i) => ({
    namespaceSelector: b.namespaceSelector
      ? labelSelector(
          report,
          ['spec', 'blockers', 'pods', i, 'namespaceSelector'],
          b.namespaceSelector as LabelSelector,
        )
      : null,
    selector: labelSelector(report, ['spec', 'blockers', 'pods', i, 'selector'], b.selector as LabelSelector),
  }));

  const r = spec.reboot ?? {};
  const reboot = r.method === 'signal' ? signalFallback(install) : rebootCommand(report, r.command, install);
  const sentinelCommand =
    r.sentinelCommand === undefined
      ? null
      : (namedCommand(report, ['spec', 'reboot', 'sentinelCommand'], r.sentinelCommand, 'sentinel', install) ?? null);
  if (r.method === 'signal' && r.command !== undefined) {
    report.error(
      ['spec', 'reboot', 'command'],
      'is not used with method: signal; remove it or use method: command',
      'reboot-method',
    );
  }
  if (r.method !== 'signal' && r.signal !== undefined) {
    report.error(
      ['spec', 'reboot', 'signal'],
      'is only used with method: signal; remove it or set method: signal',
      'reboot-method',
    );
  }
  if (r.sentinelFile !== undefined && !r.sentinelFile.startsWith('/')) {
    report.error(
      ['spec', 'reboot', 'sentinelFile'],
      `${showValue(r.sentinelFile)} is not an absolute path on the host; write e.g. /var/run/reboot-required`,
      'command',
    );
  }
  if (spec.paused !== undefined && spec.pausedUntil !== undefined) {
    report.error(
      ['spec', 'pausedUntil'],
      'is set together with paused; use paused: true to stop until further notice, or pausedUntil alone',
      'pause',
    );
  }
  let pause: PolicyModel['schedule']['pause'] = spec.paused ? { kind: 'indefinite' } : { kind: 'none' };
  if (spec.pausedUntil !== undefined) {
    const epochMs = parseInstant(spec.pausedUntil);
    if (epochMs === undefined) {
      report.error(
        ['spec', 'pausedUntil'],
        `${showValue(spec.pausedUntil)} is not an instant; use RFC 3339 with an offset, e.g. 2026-12-01T00:00:00Z`,
        'instant',
      );
    } else if (!spec.paused) {
      pause = { kind: 'until', epochMs };
    }
  }
  return {
    name: policy.metadata.name,
    membership,
    budget: budget(report, ['spec', 'maxUnavailable'], spec.maxUnavailable, { kind: 'count', count: 1 }),
    rate: rateLimit(report, spec),
    canary: (spec.canary ?? 0) > 0,
    schedule: {
      timeZone: zone,
      windows: windows(report, writtenWindows ?? [], zone),
      blackouts: [
        ...blackouts(report, ['spec', 'blackouts'], spec.blackouts, 'policy', boundsOrdered(zone)),
        ...(fleet?.blackouts ?? []),
      ],
      pause,
    },
    maxPendingMs: spec.maxPendingDays === undefined ? null : spec.maxPendingDays * 86_400_000,
    ...(spec.halt === undefined ? {} : { halt: haltSettings(report, spec.halt) }),
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
    drain: drainSettings(report, spec.drain),
    reboot: {
      method: r.method ?? 'command',
      command: reboot,
      signal: r.signal ?? 39,
      delayMs: duration(report, ['spec', 'reboot', 'delay'], r.delay, 0),
      expectedDurationMs: duration(report, ['spec', 'reboot', 'expectedDuration'], r.expectedDuration, 10 * 60_000, {
        min: 1,
      }),
      // kured's rule: a sentinel command replaces the default file; both count when both are written.
      sentinelFile: r.sentinelFile ?? (r.sentinelCommand === undefined ? '/var/run/reboot-required' : null),
      sentinelCommand,
      loopBackoffMs: duration(report, ['spec', 'reboot', 'loopBackoff'], r.loopBackoff, 6 * 3_600_000, { min: 1 }),
      notifyTimeoutMs: duration(
        report,
        ['spec', 'reboot', 'notifyTimeout'],
        r.notifyTimeout,
        DEFAULT_NOTIFY_TIMEOUT_MS,
        { min: 0, max: MAX_NOTIFY_TIMEOUT_MS },
      ),
    },
    notifications: notifications(report, spec.notifications, install.notificationSecretPrefix),
    nodeLabels: {
      preReboot: labelMap(report, ['spec', 'nodeLabels', 'preReboot'], spec.nodeLabels?.preReboot),
      postReboot: labelMap(report, ['spec', 'nodeLabels', 'postReboot'], spec.nodeLabels?.postReboot),
    },
    ...optional('healthChecks', healthChecks(report, spec.healthChecks)),
    silences: silences(report, spec.silences, parseDuration(r.expectedDuration ?? '10m') ?? 0),
    ...optional('hooks', policyHooks(report, spec.hooks, install)),
  };
}

/** `{ key: value }`, or nothing when `value` is undefined (optional model fields stay out of configs). */
function optional<K extends string, V>(key: K, value: V | undefined): { [P in K]?: V } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: V };
}
