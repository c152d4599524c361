// What the forecast cannot know: whether the cluster is healthy when a node's turn comes, and how
// long a hook Job runs. A policy with health gates is forecast as if every gate passed, one with
// hooks as if each hook took no time, and the forecast says so.
import type { PolicyModel } from '../../policy/model.ts';
import type { ForecastWarning } from './diagnose.ts';

export function healthGateWarnings(policy: PolicyModel): ForecastWarning[] {
  const checks = policy.healthChecks ?? [];
  const out: ForecastWarning[] = [];
  if (checks.length > 0) {
    const names = checks.map((c) => `"${c.reason}"`).join(', ');
    out.push({
      policy: policy.name,
      reason: 'health-gates',
      message: `assumes its health checks (${names}) pass before every node; the forecast cannot know the cluster's health, and a failing gate holds the pool longer`,
    });
  }
  const hooks = [policy.hooks?.preReboot, policy.hooks?.postReboot].filter((h) => h !== undefined);
  if (hooks.length > 0)
    out.push({
      policy: policy.name,
      reason: 'hooks',
      message: `counts its hook Jobs (${hooks.map((h) => h.hook).join(', ')}) as taking no time; the forecast cannot know how long they run (each up to its timeout), and every node holds its slot meanwhile`,
    });
  return out;
}
