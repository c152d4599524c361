// Normalizing a policy's health checks (pure): the CEL is parsed and type-checked here, so a typo or
// an unknown variable fails `validate` at its line rather than holding a pool at 3 a.m.; the kind
// is resolved to the resource the coordinator's RBAC and requests name (policy/health-kinds.ts).
import type { RebootPolicy } from '../../policy/generated/rebootpolicy.ts';
import { celProblem, HEALTH_VARIABLES } from '../../policy/health-cel.ts';
import { namespacedKind, refusedKind, resourceOf } from '../../policy/health-kinds.ts';
import { dns1123LabelProblem, dns1123SubdomainProblem } from '../../policy/labels.ts';
import type { HealthCheck } from '../../policy/model.ts';
import { showValue } from '../../policy/diagnostics.ts';
import { duration, type Report } from './normalize-fields.ts';
import { labelSelector } from './normalize-selectors.ts';

type Written = NonNullable<RebootPolicy['spec']['healthChecks']>[number];

const RULE = 'health-check';
const VARIABLES = Object.entries(HEALTH_VARIABLES)
  .map(([name, type]) => `${name} (${type})`)
  .join(' and ');

/** The policy's health checks, normalized; undefined when it has none (kept out of its config). */
export function healthChecks(report: Report, written: readonly Written[] | undefined): HealthCheck[] | undefined {
  if (written === undefined || written.length === 0) return undefined;
  const seen = new Map<string, number>();
  return written.map((c, i) => {
    const at = ['spec', 'healthChecks', i];
    const first = seen.get(c.reason);
    if (first !== undefined)
      report.error(
        [...at, 'reason'],
        `${showValue(c.reason)} is also the reason of healthChecks[${first}]; each check's reason names it in status and metrics, make it unique`,
        RULE,
      );
    else seen.set(c.reason, i);
    return healthCheck(report, at, c);
  });
}

function healthCheck(report: Report, at: (string | number)[], c: Written): HealthCheck {
  if (!/^([a-z0-9.-]+\/)?v[0-9]+((alpha|beta)[0-9]+)?$/.test(c.apiVersion))
    report.error(
      [...at, 'apiVersion'],
      `${showValue(c.apiVersion)} is not an API version; write group/version, e.g. apps/v1, or v1 for the core group`,
      RULE,
    );
  const refused = refusedKind(c.apiVersion, c.kind);
  if (refused) report.error([...at, 'kind'], `${showValue(c.kind)}: ${refused}`, RULE);
  else if (!/^[A-Z][A-Za-z0-9]*$/.test(c.kind))
    report.error([...at, 'kind'], `${showValue(c.kind)} is not a kind; kinds are CamelCase, e.g. Deployment`, RULE);
  if (c.resource !== undefined && dns1123LabelProblem(c.resource))
    report.error(
      [...at, 'resource'],
      `${showValue(c.resource)} is not a resource name; write the lowercase plural, e.g. cephclusters`,
      RULE,
    );
  if (c.namespace !== undefined && dns1123LabelProblem(c.namespace))
    report.error([...at, 'namespace'], `${showValue(c.namespace)} ${dns1123LabelProblem(c.namespace)}`, RULE);
  if (c.name !== undefined && dns1123SubdomainProblem(c.name))
    report.error([...at, 'name'], `${showValue(c.name)} ${dns1123SubdomainProblem(c.name)}`, RULE);
  if (c.name !== undefined && c.selector !== undefined)
    report.error(
      [...at, 'selector'],
      'is set together with name; a check reads one object by name or the objects a selector matches, keep one',
      RULE,
    );
  const namespaced = namespacedKind(c.apiVersion, c.kind);
  if (namespaced === false && c.namespace !== undefined)
    report.error([...at, 'namespace'], `${c.kind} is cluster-scoped; remove namespace`, RULE);
  if (namespaced === true && c.name !== undefined && c.namespace === undefined)
    report.error([...at, 'name'], `a ${c.kind} is namespaced: add the namespace of ${showValue(c.name)}`, RULE);
  const problem = celProblem(c.expression);
  if (problem)
    report.error(
      [...at, 'expression'],
      `${showValue(c.expression)} is not a usable CEL check: ${problem}; the expression sees ${VARIABLES}`,
      'cel',
    );
  return {
    apiVersion: c.apiVersion,
    kind: c.kind,
    resource: resourceOf(c.apiVersion, c.kind, c.resource),
    namespace: c.namespace ?? null,
    name: c.name ?? null,
    selector: c.selector === undefined ? null : labelSelector(report, [...at, 'selector'], c.selector),
    expression: c.expression,
    timeoutMs: duration(report, [...at, 'timeout'], c.timeout, 10_000, { min: 1 }),
    reason: c.reason,
  };
}
