// `import-kured`'s core: kured values files and DaemonSet manifests in, a Fleet and one RebootPolicy
// that behave as that kured did out, with a verdict for every key. Pure: file contents and `now` in.
import { parseSource, type SourceFile } from '../validate/parse.ts';
import type { Finding, KuredInput, PodFacts } from './kured-input.ts';
import { resolveFlags, type Problem, type RawFlag } from './kured-settings.ts';
import { isChartValues, readValues } from './kured-values.ts';
import { isKuredDaemonSet, readDaemonSet } from './kured-daemonset.ts';
import type { InstallCommands, MapContext, SecretToCreate } from './kured-context.ts';
import { mapWindow } from './kured-map-window.ts';
import { mapDrain, mapReboot } from './kured-map-reboot.ts';
import { mapBudgetAndBlockers, mapLabels, mapPod, mapProcess } from './kured-map-rest.ts';
import { mapNotifications } from './kured-map-notify.ts';

export interface ImportOptions {
  readonly fleetName: string;
  readonly policyName: string;
  /** Fleet spec.poolLabel. */
  readonly poolLabel: string;
  /** Namespace of patchwindow's agents and notification Secrets. */
  readonly namespace: string;
  /** Namespace kured ran in, for Secrets its env vars read (a DaemonSet's own namespace wins). */
  readonly kuredNamespace: string;
  readonly nowMs: number;
}

export interface ImportResult {
  readonly fleet: Record<string, unknown>;
  readonly policy: Record<string, unknown>;
  readonly install: InstallCommands;
  readonly secrets: readonly SecretToCreate[];
  readonly findings: readonly Finding[];
  /** What kured would have refused, and unknown keys: the import fails on these. */
  readonly errors: readonly Problem[];
  /** What kured ignored as written. */
  readonly ignored: readonly Problem[];
}

function readSource(source: SourceFile, kuredNamespace: string): KuredInput[] {
  const parsed = parseSource(source);
  const errors: Problem[] = parsed.diagnostics.map((d) => ({
    origin: { file: d.file, line: d.line, field: d.path },
    message: d.message,
  }));
  const inputs: KuredInput[] = [];
  for (const doc of parsed.documents) {
    if (doc.value === null || doc.value === undefined) continue;
    if (isKuredDaemonSet(doc.value)) inputs.push(readDaemonSet(doc));
    else if (isChartValues(doc.value)) inputs.push(readValues(doc, kuredNamespace));
    // Other objects of a manifest (ServiceAccount, RBAC, a DaemonSet without kured) are not settings.
  }
  if (inputs.length === 0 && errors.length === 0)
    errors.push({
      origin: { file: source.file, line: 1, field: '' },
      message:
        'holds neither kured chart values nor a DaemonSet running kured; give a values file (helm get values RELEASE -o yaml) or the kured DaemonSet (kubectl get ds kured -o yaml)',
    });
  return errors.length > 0
    ? [{ kind: 'none', flags: [], pod: { hostMounts: [] }, findings: [], errors, ignored: [] }, ...inputs]
    : inputs;
}

/** Later inputs win for pod facts; flags keep their order (values files, then manifests, as given). */
function mergePods(pods: readonly PodFacts[]): PodFacts {
  return pods.reduce<PodFacts>((acc, p) => ({ ...acc, ...p, hostMounts: [...acc.hostMounts, ...p.hostMounts] }), {
    hostMounts: [],
  });
}

export function importKured(sources: readonly SourceFile[], options: ImportOptions): ImportResult {
  const inputs = sources.flatMap((s) => readSource(s, options.kuredNamespace));
  // With a values file, a DaemonSet given too is the one the chart rendered from it: its arguments
  // repeat the values (read once, so list flags are not doubled) and its env vars apply on top.
  const hasValues = inputs.some((i) => i.kind === 'values');
  const raw: RawFlag[] = inputs.flatMap((i) =>
    hasValues && i.kind === 'daemonset' ? i.flags.filter((f) => f.via === 'env') : i.flags,
  );
  const flags = resolveFlags(raw);
  const ctx: MapContext = {
    flags,
    pod: mergePods(inputs.map((i) => i.pod)),
    namespace: options.namespace,
    nowMs: options.nowMs,
    policySpec: {},
    fleetSpec: { namespace: options.namespace, poolLabel: options.poolLabel },
    install: { reboot: {}, sentinel: {} },
    secrets: [],
    findings: inputs.flatMap((i) => i.findings),
    errors: [...inputs.flatMap((i) => i.errors), ...flags.errors],
  };
  mapPod(ctx, options.policyName);
  mapWindow(ctx);
  mapBudgetAndBlockers(ctx);
  mapDrain(ctx);
  mapReboot(ctx);
  mapLabels(ctx);
  mapNotifications(ctx);
  mapProcess(ctx);
  const meta = (name: string) => ({ name, annotations: { 'patchwindow.io/imported-from': 'kured' } });
  return {
    fleet: {
      apiVersion: 'patchwindow.io/v1alpha1',
      kind: 'Fleet',
      metadata: meta(options.fleetName),
      spec: ctx.fleetSpec,
    },
    policy: {
      apiVersion: 'patchwindow.io/v1alpha1',
      kind: 'RebootPolicy',
      metadata: meta(options.policyName),
      spec: ctx.policySpec,
    },
    install: ctx.install,
    secrets: ctx.secrets,
    findings: ctx.findings,
    // In file order, as validate reports.
    errors: [...ctx.errors].sort((a, b) =>
      a.origin.file === b.origin.file ? a.origin.line - b.origin.line : a.origin.file < b.origin.file ? -1 : 1,
    ),
    ignored: [...inputs.flatMap((i) => i.ignored), ...flags.ignored],
  };
}
