// Checking the compiled AgentConfig of a policy (the ConfigMap render writes). It reaches the agents
// and the coordinator through a cluster that anyone with the right RBAC can edit: it is checked
// against its schema, and the few things the schema cannot express (time zones, regular
// expressions, URLs) are checked too, before anything acts on it. Every problem is reported at
// once, each naming the file and the field; nothing runs on a half-valid config (DESIGN.md
// invariant 6). Pure: the caller reads the file.
import { isTimeZone } from './calendar.ts';
import { messageOf, PolicyError } from './errors.ts';
import type { AgentConfig } from './model.ts';
import { formatPath, showValue, type FieldPath } from './diagnostics.ts';
import { agentConfigValidator, validatorProblems } from './schema-problems.ts';

/** Largest config accepted; a ConfigMap holds at most 1 MiB. */
const MAX_CONFIG_BYTES = 1024 * 1024;

interface Problem {
  readonly path: FieldPath;
  readonly message: string;
}

/** Checks the text of an AgentConfig; `file` names it in messages. */
export async function parseAgentConfig(file: string, text: string): Promise<AgentConfig> {
  if (Buffer.byteLength(text) > MAX_CONFIG_BYTES)
    throw new PolicyError(`${file}: is larger than 1 MiB; this is not a config written by patchwindow render`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err: unknown) {
    throw new PolicyError(`${file}: is not JSON (${messageOf(err)}); render it again with patchwindow render`);
  }
  const problems: Problem[] = validatorProblems(agentConfigValidator, value).map((p) => ({
    path: p.path,
    message: p.message,
  }));
  if (problems.length === 0) problems.push(...(await semanticProblems(value as AgentConfig)));
  if (problems.length > 0) {
    const lines = problems.map(
      (p) => `${file}: ${p.path.length === 0 ? '(document)' : formatPath(p.path)}: ${p.message}`,
    );
    throw new PolicyError(
      `${lines.join('\n')}\n${file}: nothing runs on an invalid config; render it again with patchwindow render`,
    );
  }
  return value as AgentConfig;
}

/** What the schema cannot say: names and patterns the agent would otherwise only trip over later. */
async function semanticProblems(config: AgentConfig): Promise<Problem[]> {
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
  // The coordinator evaluates these: an expression edited in the ConfigMap is checked like in git.
  // The CEL library is loaded only for a policy that has them (the agent's worker otherwise
  // carries it for nothing: it is a chunk of its own in the bundle).
  const checks = config.policy.healthChecks ?? [];
  if (checks.length > 0) {
    const { celProblem } = await import('./health-cel.ts');
    checks.forEach((c, i) => {
      const problem = celProblem(c.expression);
      if (problem) out.push({ path: ['policy', 'healthChecks', i, 'expression'], message: problem });
    });
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
