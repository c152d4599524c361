// Fields that choose what runs on a node, refused when written in the policy repository: whoever
// may merge there decides when and how fast nodes reboot, and nothing more. Each is reported at its
// line with the fix (where the setting lives now) and removed, so the rest is still checked.
import { showValue, type FieldPath } from '../../policy/diagnostics.ts';

export interface RefusedField {
  readonly path: FieldPath;
  readonly message: string;
}

const SETTINGS = 'set it in the install settings (--install-settings FILE, decided by the cluster admin, not in git)';

function at(value: unknown, path: FieldPath): unknown {
  let node = value;
  for (const part of path) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string | number, unknown>)[part];
  }
  return node;
}

/** The install-only fields `value` (a Fleet or RebootPolicy as written) contains. */
export function refusedFields(kind: 'Fleet' | 'RebootPolicy', value: unknown): RefusedField[] {
  const out: RefusedField[] = [];
  if (kind === 'Fleet') {
    if (at(value, ['spec', 'agent', 'image']) !== undefined) {
      out.push({
        path: ['spec', 'agent', 'image'],
        message: `the agent image runs privileged on every node, so it is not read from git; remove it and ${SETTINGS.replace('set it', 'set agent.image')} or --agent-image IMAGE`,
      });
    }
    if (at(value, ['spec', 'allowedCommands']) !== undefined) {
      out.push({
        path: ['spec', 'allowedCommands'],
        message: `host commands run as root on every node, so they are not read from git; remove allowedCommands and ${SETTINGS.replace('set it', 'list them under commands.reboot and commands.sentinel')}; policies then choose one by name`,
      });
    }
    return out;
  }
  for (const [field, kindName] of [
    ['command', 'reboot'],
    ['sentinelCommand', 'sentinel'],
  ] as const) {
    const written = at(value, ['spec', 'reboot', field]);
    if (Array.isArray(written)) {
      out.push({
        path: ['spec', 'reboot', field],
        message: `${showValue(written)} is a command line; policies name a command of the install settings instead (e.g. ${field}: ${kindName === 'reboot' ? 'default' : 'needs-restarting'}); ${SETTINGS.replace('set it', `set the command line under commands.${kindName}.<name>`)}`,
      });
    }
  }
  // A hook's Job (image, command, pod) runs in the cluster with whatever it mounts: never from git.
  for (const kind of ['preReboot', 'postReboot'] as const) {
    const hook = at(value, ['spec', 'hooks', kind]);
    if (hook === null || typeof hook !== 'object') continue;
    for (const field of JOB_FIELDS) {
      if ((hook as Record<string, unknown>)[field] === undefined) continue;
      out.push({
        path: ['spec', 'hooks', kind, field],
        message: `a hook's Job chooses what runs in the cluster, so it is not read from git; remove ${field} and name a hook of the install settings instead (hook: <name>); ${SETTINGS.replace('set it', 'define the Job under hooks.<name>.template')}`,
      });
    }
  }
  return out;
}

/** Fields of a Job or pod someone may try to write into a policy's hook. */
const JOB_FIELDS = ['template', 'job', 'jobTemplate', 'spec', 'image', 'command', 'args', 'containers'] as const;

/** A copy of `value` without `fields`. */
export function withoutFields(value: unknown, fields: readonly RefusedField[]): unknown {
  if (fields.length === 0) return value;
  const copy = structuredClone(value);
  for (const { path } of fields) {
    const parent = at(copy, path.slice(0, -1));
    if (parent !== null && typeof parent === 'object')
      delete (parent as Record<string | number, unknown>)[path.at(-1)!];
  }
  return copy;
}
