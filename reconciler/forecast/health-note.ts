// What the forecast cannot know: whether the cluster is healthy when a node's turn comes. A policy
// with health gates is forecast as if every gate passed, and the forecast says so.
import type { PolicyModel } from '../../policy/model.ts';
import type { ForecastWarning } from './diagnose.ts';

export function healthGateWarnings(policy: PolicyModel): ForecastWarning[] {
  const checks = policy.healthChecks ?? [];
  if (checks.length === 0) return [];
  const names = checks.map((c) => `"${c.reason}"`).join(', ');
  return [
    {
      policy: policy.name,
      reason: 'health-gates',
      message: `assumes its health checks (${names}) pass before every node; the forecast cannot know the cluster's health, and a failing gate holds the pool longer`,
    },
  ];
}
