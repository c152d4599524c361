// Budget arithmetic shared by the agent, status and the forecast.
import type { Budget } from './model.ts';

/** Nodes that may be unavailable at once in a group of `nodeCount`: floor(N·P/100) for "P%", at least 1. */
export function allowedUnavailable(budget: Budget, nodeCount: number): number {
  if (budget.kind === 'count') return budget.count;
  return Math.max(1, Math.floor((nodeCount * budget.percent) / 100));
}

/** The budget as written: `3` or `"20%"`. */
export function formatBudget(budget: Budget): string {
  return budget.kind === 'count' ? String(budget.count) : `${budget.percent}%`;
}

/** A budget as written in YAML (int >= 1 or "1%".."100%"); undefined when invalid. */
export function parseBudget(value: unknown): Budget | undefined {
  if (typeof value === 'number')
    return Number.isInteger(value) && value >= 1 ? { kind: 'count', count: value } : undefined;
  if (typeof value !== 'string') return undefined;
  const match = /^([1-9]\d{0,2})%$/.exec(value);
  if (!match) return undefined;
  const percent = Number(match[1]);
  return percent <= 100 ? { kind: 'percent', percent } : undefined;
}

/** Budget group of the fleet-wide cap (the other groups are policy names); no policy may take the name. */
export const FLEET_GROUP = 'fleet';
