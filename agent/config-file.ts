// Reading the agent's compiled config (the policy's ConfigMap, mounted as a JSON file). The file is
// written by `patchwindow render`, but it reaches the agent through a cluster that anyone with the
// right RBAC can edit: it is checked against its schema, and the few things the schema cannot
// express (time zones, regular expressions, URLs) are checked too, before the agent touches
// anything. Every problem is reported at once, each naming the file and the field; the agent never
// runs on a half-valid config (DESIGN.md invariant 6).
import { readFile } from 'node:fs/promises';
import { isTimeZone } from '../policy/calendar.ts';
import { IoError, messageOf, PolicyError } from '../policy/errors.ts';
import type { AgentConfig } from '../policy/model.ts';
import { formatPath, showValue, type FieldPath } from '../policy/diagnostics.ts';
import { schemaProblems } from '../policy/schema.ts';

/** Largest config accepted; a ConfigMap holds at most 1 MiB. */
const MAX_CONFIG_BYTES = 1024 * 1024;

interface Problem {
  readonly path: FieldPath;
  readonly message: string;
}

/** Reads and checks the AgentConfig at `path`; PolicyError naming every bad field, IoError if unreadable. */
export async function readAgentConfig(path: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err: unknown) {
    throw new IoError(
      `cannot read the agent config ${path}: ${messageOf(err)}; the DaemonSet mounts it from the policy's ConfigMap`,
      { cause: err },
    );
  }
  return parseAgentConfig(path, text);
}

/** Checks the text of an AgentConfig; `file` names it in messages. */
export function parseAgentConfig(file: string, text: string): AgentConfig {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES)
    throw new PolicyError(`${file}: is larger than 1 MiB; this is not a config written by patchwindow render`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err: unknown) {
    throw new PolicyError(`${file}: is not JSON (${messageOf(err)}); render it again with patchwindow render`);
  }
  const problems: Problem[] = schemaProblems('AgentConfig', value).map((p) => ({ path: p.path, message: p.message }));
  if (problems.length === 0) problems.push(...semanticProblems(value as AgentConfig));
  if (problems.length > 0) {
    const lines = problems.map(
      (p) => `${file}: ${p.path.length === 0 ? '(document)' : formatPath(p.path)}: ${p.message}`,
    );
    throw new PolicyError(
      `${lines.join('\n')}\n${file}: the agent does not start with an invalid config; render it again with patchwindow render`,
    );
  }
  return value as AgentConfig;
}

/** What the schema cannot say: names and patterns the agent would otherwise only trip over later. */
function semanticProblems(config: AgentConfig): Problem[] {
  const out: Problem[] = [];
  const schedule = config.policy.schedule;
  const zone = (path: FieldPath, name: string): void => {
    if (!isTimeZone(name)) out.push({ path, message: `${showValue(name)} is not an IANA time zone` });
  };
  zone(['policy', 'schedule', 'timeZone'], schedule.timeZone);
  schedule.windows.forEach((w, i) => zone(['policy', 'schedule', 'windows', i, 'timeZone'], w.timeZone));
  const alerts = config.policy.blockers.alerts;
  if (alerts !== null) {
    if (!isHttpUrl(alerts.prometheusUrl)) {
      out.push({
        path: ['policy', 'blockers', 'alerts', 'prometheusUrl'],
        message: `${showValue(alerts.prometheusUrl)} is not an http(s) URL`,
      });
    }
    if (alerts.filter !== null) {
      try {
        new RegExp(alerts.filter, 'u');
      } catch {
        out.push({
          path: ['policy', 'blockers', 'alerts', 'filter'],
          message: `${showValue(alerts.filter)} is not a regular expression`,
        });
      }
    }
  }
  const sentinel = config.policy.reboot.sentinelFile;
  if (sentinel !== null && !sentinel.startsWith('/')) {
    out.push({
      path: ['policy', 'reboot', 'sentinelFile'],
      message: `${showValue(sentinel)} is not an absolute path on the host`,
    });
  }
  return out;
}

function isHttpUrl(text: string): boolean {
  try {
    const { protocol } = new URL(text);
    return protocol === 'http:' || protocol === 'https:';
  } catch {
    return false;
  }
}
