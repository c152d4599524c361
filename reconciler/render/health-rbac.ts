// The coordinator's read access for health gates (pure): exactly the resources the policies'
// `healthChecks` name, `get` on the named objects only (resourceNames) and `list` where a check
// reads by selector or reads every object. A ClusterRole, not Roles per namespace: a RoleBinding in
// a namespace that does not exist yet would fail the whole apply, and a check without namespace
// reads every namespace anyway. Nodes are left out: the coordinator reads every Node already.
import type { V1PolicyRule } from '@kubernetes/client-node';
import { groupOf } from '../../policy/health-kinds.ts';
import type { PolicyModel } from '../../policy/model.ts';
import { compareText } from '../../policy/diagnostics.ts';

interface Access {
  readonly group: string;
  readonly resource: string;
  readonly names: Set<string>;
  list: boolean;
  readonly policies: Set<string>;
}

/** The rules, sorted by group and resource, each with the comment render writes above it. */
export function healthCheckRules(policies: readonly PolicyModel[]): { rule: V1PolicyRule; why: string }[] {
  const access = new Map<string, Access>();
  for (const p of policies)
    for (const c of p.healthChecks ?? []) {
      const group = groupOf(c.apiVersion);
      if (group === '' && c.resource === 'nodes') continue;
      const key = `${group}/${c.resource}`;
      const a = access.get(key) ?? { group, resource: c.resource, names: new Set(), list: false, policies: new Set() };
      access.set(key, a);
      a.policies.add(p.name);
      if (c.name === null) a.list = true;
      else a.names.add(c.name);
    }
  const out: { rule: V1PolicyRule; why: string }[] = [];
  for (const a of [...access.values()].sort((x, y) =>
    compareText(`${x.group}/${x.resource}`, `${y.group}/${y.resource}`),
  )) {
    const by = `health checks of ${[...a.policies].sort(compareText).join(', ')}`;
    if (a.names.size > 0)
      out.push({
        rule: {
          apiGroups: [a.group],
          resources: [a.resource],
          resourceNames: [...a.names].sort(compareText),
          verbs: ['get'],
        },
        why: `${by}: read these ${a.resource} by name (spec.healthChecks); read only.`,
      });
    if (a.list)
      out.push({
        rule: { apiGroups: [a.group], resources: [a.resource], verbs: ['list'] },
        why: `${by}: list ${a.resource} by selector (spec.healthChecks); read only.`,
      });
  }
  return out;
}
