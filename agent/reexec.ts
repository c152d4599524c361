// The agent's process executed anew once its worker said idle (docs/decisions/0010-one-agent-process.md):
// the worker's code, once imported, stays in the process as long as it lives, and an idle node would
// carry it until its next reboot. execve(2) (process.execve) replaces the process image in place —
// the same pid, the same standard output and error, the pod's container untouched — and the new
// image, told by PATCHWINDOW_AGENT_RESUME how the old one left things, serves /metrics and /healthz
// again and waits for the sentinel without loading the worker.
import type { ResumeState } from './supervisor.ts';
import { workerMessage, type MetricCall, type WorkerSettings } from './worker-channel.ts';

export const RESUME_ENV = 'PATCHWINDOW_AGENT_RESUME';

/** Executes this process anew with `state`; returns false only when execve failed (the process goes on). */
export function executeAnew(state: ResumeState, env: Readonly<Record<string, string | undefined>>): boolean {
  const next: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) next[k] = v;
  next[RESUME_ENV] = JSON.stringify(state);
  if (process.execve === undefined) return false;
  try {
    process.execve(process.execPath, [process.execPath, ...process.execArgv, ...process.argv.slice(1)], next);
  } catch {
    return false;
  }
  return false;
}

/** The state a former image left in `env`, or undefined (none, or not one this version reads). */
export function resumeStateOf(env: Readonly<Record<string, string | undefined>>): ResumeState | undefined {
  const text = env[RESUME_ENV];
  if (text === undefined) return undefined;
  try {
    const v = JSON.parse(text) as Partial<ResumeState> & { settings?: Partial<WorkerSettings> };
    const s = v.settings;
    if (
      typeof s?.policy !== 'string' ||
      typeof s.metricsPort !== 'number' ||
      typeof s.checkIntervalMs !== 'number' ||
      typeof s.reboot !== 'object' ||
      typeof v.mountChecked !== 'boolean' ||
      !Array.isArray(v.metrics)
    )
      return undefined;
    // Only metric calls the series have: each is carried out on the new image's series.
    const metrics = (v.metrics as unknown[]).map(workerMessage).filter((m): m is MetricCall => m?.kind === 'metric');
    return { settings: s, mountChecked: v.mountChecked, metrics };
  } catch {
    return undefined;
  }
}

/** `env` without the resume state: workers and later images do not inherit it. */
export function withoutResume(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const { [RESUME_ENV]: _resume, ...rest } = env;
  return rest;
}
