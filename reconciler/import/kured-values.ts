// A kured Helm values file (kubereboot/charts charts/kured, chart 6.x) read the way the chart's
// templates/daemonset.yaml turns it into kured's arguments: merged over the chart's defaults, each
// `configuration.*` value passed only when truthy, lists as repeated flags, the sentinel path
// rewritten under the /sentinel hostPath mount. Every other key gets a verdict; unknown keys (typos,
// which Helm silently ignores) are errors. Pure.
import { KURED_FLAGS } from './kured-flags.ts';
import { suggest } from '../../policy/schema.ts';
import { type Origin, type Problem, type RawFlag } from './kured-settings.ts';
import {
  isRecord,
  originOf,
  scalarText,
  truthy,
  type Finding,
  type HostMount,
  type KuredInput,
  type PodFacts,
} from './kured-input.ts';
import type { ParsedDocument } from '../validate/parse.ts';

/** The chart's defaults that change what kured gets when a values file leaves them out. */
const CHART_DEFAULTS: Readonly<Record<string, unknown>> = {
  useRebootSentinelHostPath: true,
  metricsPort: 8080,
  rebootSentinel: '/var/run/reboot-required',
  rebootCommand: '/bin/systemctl reboot',
  logFormat: 'text',
  concurrency: 1,
};

/** The chart's tolerations when `tolerations` is empty. */
const CHART_TOLERATIONS = [
  { key: 'node-role.kubernetes.io/control-plane', effect: 'NoSchedule' },
  { key: 'node-role.kubernetes.io/master', effect: 'NoSchedule' },
];

const NOT_NEEDED: Readonly<Record<string, string>> = {
  image: "kured's image; patchwindow's agent image is an install setting of patchwindow",
  revisionHistoryLimit: 'kured DaemonSet rollout setting; patchwindow renders its own DaemonSets',
  updateStrategy: 'kured DaemonSet rollout setting (not how nodes reboot); patchwindow renders its own',
  maxUnavailable:
    'how many kured pods roll at once on a kured upgrade, not a reboot budget (that is configuration.concurrency)',
  podAnnotations: 'annotations of the kured pods',
  dsAnnotations: 'annotations of the kured DaemonSet',
  rbac: 'patchwindow renders least-privilege RBAC for its agents',
  serviceAccount: 'patchwindow renders its own ServiceAccounts',
  podSecurityPolicy: 'PodSecurityPolicy no longer exists in Kubernetes',
  containerSecurityContext: "the kured container's privileges; patchwindow renders what its reboot method needs",
  resources: "kured's container resources; patchwindow's are Fleet spec.agent.resources (its defaults are measured)",
  hostNetwork: 'patchwindow agents do not need the host network',
  metrics: "kured's ServiceMonitor; scrape the patchwindow agents' /metrics instead (see docs/from-kured.md)",
  service: "kured's metrics Service",
  livenessProbe: 'patchwindow agents serve /healthz and render their own probes',
  readinessProbe: 'patchwindow agents render their own probes',
  podLabels: 'labels of the kured pods',
  priorityClassName:
    "kured's PriorityClass; patchwindow's is Fleet spec.agent.priorityClassName (default system-node-critical)",
  volumeMounts: 'extra mounts of the kured container (the sentinel mount is read from configuration)',
  volumes: 'extra volumes of the kured pod',
  initContainers: 'init containers of the kured pod',
  nameOverride: 'naming of the kured release',
  fullnameOverride: 'naming of the kured release',
  global: 'Helm globals',
};

const TOP_KEYS = [
  ...Object.keys(NOT_NEEDED),
  'extraArgs',
  'extraEnvVars',
  'configuration',
  'tolerations',
  'affinity',
  'nodeSelector',
];
const CONFIG_KEYS = ['useRebootSentinelHostPath', ...KURED_FLAGS.flatMap((f) => (f.chartKey ? [f.chartKey] : []))];

/** True when the document looks like kured chart values rather than a Kubernetes object. */
export function isChartValues(value: unknown): boolean {
  return isRecord(value) && !('kind' in value) && !('apiVersion' in value);
}

/** Reads one values document. `namespace` is where the release ran (for Secrets its env vars read). */
export function readValues(doc: ParsedDocument, namespace: string): KuredInput {
  const values = doc.value as Record<string, unknown>;
  const errors: Problem[] = [];
  const ignored: Problem[] = [];
  const findings: Finding[] = [];
  const flags: RawFlag[] = [];
  const at = (path: (string | number)[]): Origin => originOf(doc, path, path.join('.'));

  for (const key of Object.keys(values)) {
    if (!TOP_KEYS.includes(key))
      errors.push({
        origin: at([key]),
        message: `${key} is not a value of the kured chart (Helm ignores it silently); ${closest(key, TOP_KEYS)}`,
      });
    else if (key in NOT_NEEDED && truthy(values[key]))
      findings.push({ key, origin: at([key]), verdict: 'not-needed', note: NOT_NEEDED[key]! });
  }

  const written = isRecord(values.configuration) ? values.configuration : {};
  if (values.configuration !== undefined && !isRecord(values.configuration))
    errors.push({ origin: at(['configuration']), message: 'configuration must be a map of kured settings' });
  for (const key of Object.keys(written)) {
    if (!CONFIG_KEYS.includes(key))
      errors.push({
        origin: at(['configuration', key]),
        message: `configuration.${key} is not a kured chart setting (Helm ignores it silently); ${closest(key, CONFIG_KEYS)}`,
      });
  }
  const config: Record<string, unknown> = { ...CHART_DEFAULTS, ...written };
  const where = (key: string, index?: number): Origin =>
    key in written
      ? originOf(
          doc,
          index === undefined ? ['configuration', key] : ['configuration', key, index],
          `configuration.${key}`,
        )
      : { file: doc.file, line: 0, field: `configuration.${key} (chart default)` };

  // Written but empty, zero or false: the chart passes nothing, so kured used its defaults, as the import does.
  const unset = Object.keys(written).filter(
    (k) => CONFIG_KEYS.includes(k) && k !== 'useRebootSentinelHostPath' && !truthy(written[k]),
  );
  if (unset.length > 0) {
    findings.push({
      key: `configuration.{${unset.join(',')}}`,
      origin: at(['configuration']),
      verdict: 'not-needed',
      note: 'empty, zero or false: the chart passes nothing, so kured used its defaults, and so does the import',
    });
  }
  const hostMounts: HostMount[] = [];
  for (const flag of KURED_FLAGS) {
    const key = flag.chartKey;
    if (key === undefined || !truthy(config[key])) continue;
    const value = config[key];
    if (key === 'rebootSentinel') {
      const path = scalarText(value);
      if (config.useRebootSentinelHostPath) {
        // The chart mounts the sentinel's directory at /sentinel and points kured at the file there.
        const dir = path.slice(0, path.lastIndexOf('/')) || '/';
        hostMounts.push({ hostPath: dir, mountPath: '/sentinel' });
        flags.push({
          name: flag.name,
          value: `/sentinel/${path.slice(path.lastIndexOf('/') + 1)}`,
          origin: where(key),
          via: 'arg',
        });
      } else flags.push({ name: flag.name, value: path, origin: where(key), via: 'arg' });
      continue;
    }
    if (key === 'rebootSentinelCommand' && config.useRebootSentinelHostPath) {
      ignored.push({
        origin: where(key),
        message:
          'the chart passes rebootSentinelCommand only when useRebootSentinelHostPath is false, so kured checked the sentinel file; the import does the same (set useRebootSentinelHostPath: false if you meant the command)',
      });
      continue;
    }
    if (key === 'forceReboot') {
      flags.push({ name: flag.name, value: undefined, origin: where(key), via: 'arg' });
      continue;
    }
    if (Array.isArray(value))
      value.forEach((item, i) =>
        flags.push({ name: flag.name, value: scalarText(item), origin: where(key, i), via: 'arg' }),
      );
    else flags.push({ name: flag.name, value: scalarText(value), origin: where(key), via: 'arg' });
  }
  if ('useRebootSentinelHostPath' in written)
    findings.push({
      key: 'configuration.useRebootSentinelHostPath',
      origin: where('useRebootSentinelHostPath'),
      verdict: 'mapped',
      to: 'spec.reboot.sentinelFile',
      note: 'decides whether rebootSentinel is a host path (it is read as one)',
    });

  if (isRecord(values.extraArgs)) {
    for (const [name, value] of Object.entries(values.extraArgs)) {
      flags.push({
        name,
        value: truthy(value) ? scalarText(value) : undefined,
        origin: at(['extraArgs', name]),
        via: 'arg',
      });
    }
  }
  if (Array.isArray(values.extraEnvVars)) {
    values.extraEnvVars.forEach((env: unknown, i) => {
      const flag = envFlag(env, at(['extraEnvVars', i]), namespace);
      if (flag) flags.push(flag);
    });
  }

  const pod: PodFacts = {
    nodeSelector: {
      value: (isRecord(values.nodeSelector) ? values.nodeSelector : { 'kubernetes.io/os': 'linux' }) as Record<
        string,
        string
      >,
      origin:
        'nodeSelector' in values
          ? at(['nodeSelector'])
          : { file: doc.file, line: 0, field: 'nodeSelector (chart default)' },
    },
    tolerations: {
      value:
        Array.isArray(values.tolerations) && values.tolerations.length > 0
          ? (values.tolerations as Record<string, unknown>[])
          : CHART_TOLERATIONS,
      origin:
        'tolerations' in values
          ? at(['tolerations'])
          : { file: doc.file, line: 0, field: 'tolerations (chart default)' },
    },
    ...(truthy(values.affinity) ? { affinity: { value: values.affinity, origin: at(['affinity']) } } : {}),
    hostMounts,
  };
  return { kind: 'values', flags, pod, findings, errors, ignored };
}

/** A container env entry as a kured env flag (value, or a Secret key it reads); undefined otherwise. */
export function envFlag(env: unknown, origin: Origin, namespace: string): RawFlag | undefined {
  if (!isRecord(env) || typeof env.name !== 'string' || !env.name.startsWith('KURED_')) return undefined;
  const at = { ...origin, field: env.name };
  if (typeof env.value === 'string' || typeof env.value === 'number' || typeof env.value === 'boolean')
    return { name: env.name, value: String(env.value), origin: at, via: 'env' };
  const ref = isRecord(env.valueFrom) && isRecord(env.valueFrom.secretKeyRef) ? env.valueFrom.secretKeyRef : undefined;
  if (ref && typeof ref.name === 'string' && typeof ref.key === 'string')
    return {
      name: env.name,
      value: undefined,
      origin: at,
      via: 'env',
      secretRef: { namespace, name: ref.name, key: ref.key },
    };
  if (isRecord(env.valueFrom) && isRecord(env.valueFrom.fieldRef))
    return { name: env.name, value: `(${String(env.valueFrom.fieldRef.fieldPath)})`, origin: at, via: 'env' };
  return undefined;
}

function closest(key: string, known: readonly string[]): string {
  const best = suggest(key, known);
  return best !== undefined ? `did you mean ${best}?` : `the known keys are ${known.join(', ')}`;
}
