// Health gates, decided (pure): given what the coordinator's shell read for each of a policy's
// health checks, does the check pass, and if not, which hold does the policy get. Fail closed: a
// check that matched nothing, whose objects could not be read, or whose expression could not be
// evaluated holds the pool just like one that is false, and says why.
import { evaluateCel, toCel } from '../../policy/health-cel.ts';
import type { HealthCheck } from '../../policy/model.ts';
import type { GuardHold } from './model.ts';

/** What the shell read for one check: the matched objects (JSON), or why it could not. */
export type HealthRead =
  | { readonly kind: 'objects'; readonly items: readonly unknown[] }
  | { readonly kind: 'error'; readonly message: string };

export interface GateVerdict {
  /** The check's `reason` (its name in status, Events and metrics). */
  readonly check: string;
  readonly passing: boolean;
  /** Why it holds; empty when passing. Stable while the cause is (Events are told on change). */
  readonly detail: string;
  /** It holds because its expression evaluated false (not because it could not be read or evaluated). */
  readonly expressionFalse?: true;
}

/** Where a check looks, for messages: `Deployment payments/api`, `Nodes`, `Deployments in payments (app=web)`. */
export function checkTarget(c: HealthCheck): string {
  if (c.name !== null) return `${c.kind} ${c.namespace === null ? '' : `${c.namespace}/`}${c.name}`;
  const where = c.namespace === null ? '' : ` in ${c.namespace}`;
  const labels = c.selector === null ? '' : ` matching ${selectorText(c.selector)}`;
  return `${c.resource}${where}${labels}`;
}

/** A label selector in the API's query form (`app=web,tier in (a,b)`); also used for the list request. */
export function selectorText(s: NonNullable<HealthCheck['selector']>): string {
  const parts = Object.entries(s.matchLabels ?? {}).map(([k, v]) => `${k}=${v}`);
  for (const r of s.matchExpressions ?? []) {
    if (r.operator === 'Exists') parts.push(r.key);
    else if (r.operator === 'DoesNotExist') parts.push(`!${r.key}`);
    else parts.push(`${r.key} ${r.operator === 'In' ? 'in' : 'notin'} (${(r.values ?? []).join(',')})`);
  }
  return parts.join(',');
}

function objectName(o: unknown): string {
  const meta = (o as { metadata?: { name?: unknown; namespace?: unknown } } | null)?.metadata;
  const name = typeof meta?.name === 'string' ? meta.name : '?';
  return typeof meta?.namespace === 'string' ? `${meta.namespace}/${name}` : name;
}

/** One check's verdict on what was read. */
export function evaluateGate(c: HealthCheck, read: HealthRead): GateVerdict {
  const held = (detail: string): GateVerdict => ({ check: c.reason, passing: false, detail });
  if (read.kind === 'error') return held(`cannot read ${checkTarget(c)}: ${read.message}`);
  if (read.items.length === 0)
    return held(
      `matched no object (${checkTarget(c)}); a gate with nothing to judge holds: fix its namespace, name or selector`,
    );
  const objects = read.items.map(toCel);
  const failing: string[] = [];
  for (const [i, object] of objects.entries()) {
    const v = evaluateCel(c.expression, object, objects);
    const who = `${c.kind} ${objectName(read.items[i])}`;
    if (v.kind === 'error') return held(`cannot evaluate the expression on ${who}: ${v.message}`);
    if (!v.value) failing.push(who);
  }
  if (failing.length === 0) return { check: c.reason, passing: true, detail: '' };
  const more = failing.length > 1 ? ` (and ${failing.length - 1} more)` : '';
  return { ...held(`${failing[0]}${more}: the expression is false`), expressionFalse: true };
}

/** The hold of a policy whose gates gave `verdicts`, or null when every one passes. */
export function healthGuard(policy: string, verdicts: readonly GateVerdict[]): GuardHold | null {
  const failing = verdicts.filter((v) => !v.passing);
  if (failing.length === 0) return null;
  const detail = failing.map((v) => `health check "${v.check}" holds: ${v.detail}`).join('; ');
  return { policy, reason: 'health-gate', detail, nodes: [], untilMs: null };
}
