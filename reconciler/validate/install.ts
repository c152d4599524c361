// Install settings: what runs on the nodes (the agent image, the host commands by name) and which
// Secrets notifications may read, chosen by the cluster admin outside the policy repository
// (schemas/installsettings.schema.json). Pure: from the file's text to the settings or the problems.
import { showValue, type Diagnostic, type FieldPath } from '../../policy/diagnostics.ts';
import { dns1123LabelProblem } from '../../policy/labels.ts';
import type { HookJobSpec } from '../../policy/hooks.ts';
import { API_VERSION, schemaProblems } from '../../policy/schema.ts';
import { reporterFor } from './located.ts';
import type { Report } from './normalize-fields.ts';
import { parseSource } from './parse.ts';

/** The reboot command a policy gets when it names none. */
export const DEFAULT_COMMAND_NAME = 'default';
export const DEFAULT_REBOOT_COMMAND: readonly string[] = ['/bin/systemctl', 'reboot'];
export const DEFAULT_NOTIFICATION_SECRET_PREFIX = 'patchwindow-notify-';

export type CommandSet = Readonly<Record<string, readonly string[]>>;

/** The admin's choices, defaults filled in. */
export interface InstallSettings {
  readonly agentImage: string;
  readonly commands: { readonly reboot: CommandSet; readonly sentinel: CommandSet };
  readonly notificationSecretPrefix: string;
  /** Hook Jobs by name (spec.hooks of a policy names one). */
  readonly hooks: Readonly<Record<string, HookJobSpec>>;
  /** Where the settings came from, for messages: a file name, or "the built-in defaults". */
  readonly origin: string;
}

/** The settings without a file: the image of this release, `systemctl reboot`, the sentinel file. */
export function defaultInstallSettings(version: string): InstallSettings {
  return {
    agentImage: `ghcr.io/patchwindow/patchwindow:${version}`,
    commands: { reboot: { [DEFAULT_COMMAND_NAME]: DEFAULT_REBOOT_COMMAND }, sentinel: {} },
    notificationSecretPrefix: DEFAULT_NOTIFICATION_SECRET_PREFIX,
    hooks: {},
    origin: 'the built-in install settings',
  };
}

interface Written {
  agent?: { image?: string };
  commands?: { reboot?: Record<string, string[]>; sentinel?: Record<string, string[]> };
  notificationSecrets?: { namePrefix?: string };
  hooks?: Record<string, { template: HookJobSpec }>;
}

function commands(
  report: Report,
  kind: 'reboot' | 'sentinel',
  written: Record<string, string[]> | undefined,
  fallback: CommandSet,
): CommandSet {
  if (written === undefined) return fallback;
  for (const [name, argv] of Object.entries(written)) {
    const problem = dns1123LabelProblem(name);
    if (problem)
      report.error(
        ['commands', kind, name],
        `command name ${showValue(name)} ${problem}; policies choose commands by this name`,
        'command-name',
        { key: true },
      );
    if (!argv[0]!.startsWith('/')) {
      report.error(
        ['commands', kind, name, 0],
        `${showValue(argv[0])} is not an absolute path; commands run on the host without a shell and without PATH, write e.g. /bin/systemctl`,
        'command',
      );
    }
  }
  return { ...written };
}

/** The hook Jobs: names are DNS-1123 labels, containers named and unique (the schema checked the shape). */
function installHooks(
  report: Report,
  written: Record<string, { template: HookJobSpec }> | undefined,
): Record<string, HookJobSpec> {
  const out: Record<string, HookJobSpec> = {};
  for (const [name, hook] of Object.entries(written ?? {})) {
    const problem = dns1123LabelProblem(name);
    if (problem)
      report.error(
        ['hooks', name],
        `hook name ${showValue(name)} ${problem}; policies choose hooks by this name`,
        'hook-name',
        { key: true },
      );
    const seen = new Set<string>();
    hook.template.template.spec.containers.forEach((c, i) => {
      const at = ['hooks', name, 'template', 'template', 'spec', 'containers', i, 'name'];
      const p = dns1123LabelProblem(c.name);
      if (p) report.error(at, `container name ${showValue(c.name)} ${p}`, 'hook-template');
      else if (seen.has(c.name))
        report.error(
          at,
          `container name ${showValue(c.name)} is used twice in this pod; name each once`,
          'hook-template',
        );
      seen.add(c.name);
    });
    out[name] = hook.template;
  }
  return out;
}

/** The Job of hook `name`, or the problem to report at the policy's field. */
export function resolveHook(settings: InstallSettings, name: string): { job: HookJobSpec } | { problem: string } {
  const job = Object.hasOwn(settings.hooks, name) ? settings.hooks[name] : undefined;
  if (job !== undefined) return { job };
  const known = Object.keys(settings.hooks).sort();
  const choice =
    known.length === 0 ? `${settings.origin} define no hook` : `${settings.origin} define: ${known.join(', ')}`;
  return {
    problem: `${showValue(name)} is not a hook of the install settings (${choice}); name one of them, or ask the cluster admin to add its Job under hooks.${name}.template`,
  };
}

/**
 * Reads install settings from `text` (YAML or JSON) of `file`. Every problem is returned at once,
 * positioned in the file; `settings` only when there is none.
 */
export function parseInstallSettings(
  file: string,
  text: string,
  version: string,
): { settings?: InstallSettings; diagnostics: Diagnostic[] } {
  const parsed = parseSource({ file, text });
  const diagnostics: Diagnostic[] = [...parsed.diagnostics];
  if (diagnostics.length > 0) return { diagnostics };
  const [doc, ...extra] = parsed.documents;
  if (doc === undefined || extra.length > 0) {
    const message = doc === undefined ? 'is empty' : 'holds more than one document';
    diagnostics.push({
      file,
      line: 1,
      column: 1,
      path: '',
      severity: 'error',
      message: `${message}; install settings are one document with apiVersion: ${API_VERSION} and kind: InstallSettings`,
      rule: 'install-settings',
    });
    return { diagnostics };
  }
  const report = reporterFor(doc, diagnostics);
  for (const p of schemaProblems('InstallSettings', doc.value))
    report.error(p.path, p.message, 'schema', { key: p.key });
  if (diagnostics.length > 0) return { diagnostics };
  const w = doc.value as Written;
  const defaults = defaultInstallSettings(version);
  const settings: InstallSettings = {
    agentImage: w.agent?.image ?? defaults.agentImage,
    commands: {
      reboot: commands(report, 'reboot', w.commands?.reboot, defaults.commands.reboot),
      sentinel: commands(report, 'sentinel', w.commands?.sentinel, defaults.commands.sentinel),
    },
    notificationSecretPrefix: w.notificationSecrets?.namePrefix ?? defaults.notificationSecretPrefix,
    hooks: installHooks(report, w.hooks),
    origin: `the install settings in ${file}`,
  };
  return diagnostics.length > 0 ? { diagnostics } : { settings, diagnostics };
}

/** The argv of command `name` of `kind`, or the problem to report at the policy's field. */
export function resolveCommand(
  settings: InstallSettings,
  kind: 'reboot' | 'sentinel',
  name: string,
): { argv: readonly string[] } | { problem: string } {
  const set = settings.commands[kind];
  const argv = Object.hasOwn(set, name) ? set[name] : undefined;
  if (argv !== undefined) return { argv };
  const known = Object.keys(set).sort();
  const choice =
    known.length === 0
      ? `${settings.origin} allow no ${kind} command`
      : `${settings.origin} allow: ${known.join(', ')}`;
  return {
    problem: `${showValue(name)} is not a ${kind} command of the install settings (${choice}); name one of them, or ask the cluster admin to add it under commands.${kind}`,
  };
}

export type { FieldPath };
