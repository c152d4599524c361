// A kured DaemonSet manifest (kured-ds.yaml, or the chart's rendered output) read for what kured got:
// the kured container's arguments and KURED_* env vars, its hostPath mounts (so a sentinel path
// inside the container can be traced to the host), its TZ, and where the pods ran. Pure.
import { FLAG_BY_NAME } from './kured-flags.ts';
import type { Origin, Problem, RawFlag } from './kured-settings.ts';
import { envFlag } from './kured-values.ts';
import { isRecord, originOf, type Finding, type HostMount, type KuredInput } from './kured-input.ts';
import type { ParsedDocument } from '../validate/parse.ts';

export function isKuredDaemonSet(value: unknown): boolean {
  return isRecord(value) && value.kind === 'DaemonSet' && kuredContainerIndex(value) >= 0;
}

function podSpec(ds: Record<string, unknown>): Record<string, unknown> {
  const spec =
    isRecord(ds.spec) && isRecord(ds.spec.template) && isRecord(ds.spec.template.spec) ? ds.spec.template.spec : {};
  return spec;
}

function kuredContainerIndex(ds: Record<string, unknown>): number {
  const containers = podSpec(ds).containers;
  if (!Array.isArray(containers)) return -1;
  return containers.findIndex((c: unknown) => {
    if (!isRecord(c)) return false;
    const command = Array.isArray(c.command) ? c.command.map(String) : [];
    return command.some((part) => /(^|\/)kured$/.test(part)) || (typeof c.image === 'string' && /kured/.test(c.image));
  });
}

export function readDaemonSet(doc: ParsedDocument): KuredInput {
  const ds = doc.value as Record<string, unknown>;
  const spec = podSpec(ds);
  const index = kuredContainerIndex(ds);
  const base = ['spec', 'template', 'spec'];
  const cpath = [...base, 'containers', index];
  const container = (spec.containers as Record<string, unknown>[])[index]!;
  const at = (path: (string | number)[], field: string): Origin => originOf(doc, path, field);
  const namespace =
    isRecord(ds.metadata) && typeof ds.metadata.namespace === 'string' ? ds.metadata.namespace : 'kube-system';
  const errors: Problem[] = [];
  const flags: RawFlag[] = [];

  // kured's arguments: those after the binary in `command`, then `args`.
  const command = Array.isArray(container.command) ? container.command.map(String) : [];
  const fromCommand = command
    .slice(command.findIndex((p) => /(^|\/)kured$/.test(p)) + 1)
    .map((text, i) => ({ text, path: [...cpath, 'command', i + 1] }));
  const fromArgs = (Array.isArray(container.args) ? container.args.map(String) : []).map((text, i) => ({
    text,
    path: [...cpath, 'args', i],
  }));
  const args = [...fromCommand, ...fromArgs];
  for (let i = 0; i < args.length; i++) {
    const { text, path } = args[i]!;
    const m = /^--?([^=]+)(?:=(.*))?$/s.exec(text);
    if (!m) {
      errors.push({
        origin: at(path, text),
        message: `"${text}" is not a flag; kured takes --name=value arguments only`,
      });
      continue;
    }
    const name = m[1]!;
    let value = m[2];
    // pflag also takes "--name value" for flags that are not booleans.
    if (
      value === undefined &&
      FLAG_BY_NAME.get(name)?.type !== 'bool' &&
      i + 1 < args.length &&
      !args[i + 1]!.text.startsWith('-')
    )
      value = args[++i]!.text;
    flags.push({ name, value, origin: at(path, `--${name}`), via: 'arg' });
  }
  let tz: string | undefined;
  if (Array.isArray(container.env)) {
    container.env.forEach((env: unknown, i) => {
      if (isRecord(env) && env.name === 'TZ' && typeof env.value === 'string') tz = env.value;
      const flag = envFlag(env, at([...cpath, 'env', i], ''), namespace);
      if (flag) flags.push(flag);
    });
  }

  const volumes = new Map<string, string>();
  if (Array.isArray(spec.volumes)) {
    for (const v of spec.volumes)
      if (isRecord(v) && isRecord(v.hostPath) && typeof v.name === 'string')
        volumes.set(v.name, String(v.hostPath.path));
  }
  const hostMounts: HostMount[] = [];
  if (Array.isArray(container.volumeMounts)) {
    for (const m of container.volumeMounts) {
      if (isRecord(m) && typeof m.name === 'string' && volumes.has(m.name))
        hostMounts.push({ hostPath: volumes.get(m.name)!, mountPath: String(m.mountPath) });
    }
  }
  const findings: Finding[] = [];
  const name = isRecord(ds.metadata) ? String(ds.metadata.name) : 'kured';
  findings.push({
    key: `DaemonSet ${namespace}/${name}`,
    origin: at([], 'DaemonSet'),
    verdict: 'not-needed',
    note: 'patchwindow renders its own agent DaemonSets; remove this one during the switch-over (docs/from-kured.md)',
  });
  return {
    kind: 'daemonset',
    flags,
    pod: {
      ...(isRecord(spec.nodeSelector)
        ? {
            nodeSelector: {
              value: spec.nodeSelector as Record<string, string>,
              origin: at([...base, 'nodeSelector'], 'nodeSelector'),
            },
          }
        : {}),
      tolerations: {
        value: Array.isArray(spec.tolerations) ? (spec.tolerations as Record<string, unknown>[]) : [],
        origin: at([...base, 'tolerations'], 'tolerations'),
      },
      ...(isRecord(spec.affinity)
        ? { affinity: { value: spec.affinity, origin: at([...base, 'affinity'], 'affinity') } }
        : {}),
      hostMounts,
      ...(tz !== undefined ? { tz } : {}),
    },
    findings,
    errors,
    ignored: [],
  };
}
