// The admission policy rendered with the agents. RBAC cannot say "only your own Node" or "only
// these keys" (a `patch` on nodes is a patch on every Node, any field), so a ValidatingAdmissionPolicy
// (admissionregistration.k8s.io/v1, CEL) narrows the agents' ServiceAccount further: it may change
// only the Node its pod runs on — the node name comes from its bound ServiceAccount token
// (user extra authentication.kubernetes.io/node-name, set by the API server for tokens bound to a
// Pod or Node) — and there only `spec.unschedulable` and the labels and annotations it owns; and it
// may write only the grant Leases, never another Lease of the namespace. What remains is written in
// the README's Security section (evictions stay cluster-wide).
import type { FleetModel, PolicyModel } from '../../policy/model.ts';
import { compareText } from '../../policy/diagnostics.ts';
import { GRANT_LABEL } from '../../kube/grants.ts';
import { POST_HOOK_ANNOTATION, PRE_HOOK_ANNOTATION } from '../../policy/hooks.ts';
import { names, objectLabels, type RenderedObject } from './objects.ts';

/** The user extra key the API server fills from a bound token's node claim. */
export const NODE_NAME_EXTRA = 'authentication.kubernetes.io/node-name';
/** Keys the agent owns on its Node: this prefix, except the admin's hold. */
export const OWNED_PREFIX = 'patchwindow.io/';
export const ADMIN_HOLD_KEY = 'patchwindow.io/hold';

const cel = (text: string): string => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

/** CEL: whether key `k` is one the agent may set or remove (its prefix, or a policy's nodeLabels key). */
function owned(extraKeys: readonly string[]): string {
  const base = `(k.startsWith(${cel(OWNED_PREFIX)}) && k != ${cel(ADMIN_HOLD_KEY)})`;
  return extraKeys.length === 0 ? base : `(${base} || k in [${extraKeys.map(cel).join(', ')}])`;
}

/** CEL: the map at `field` of metadata changes only in owned keys. */
function onlyOwnedChanged(field: 'labels' | 'annotations', extraKeys: readonly string[]): string {
  const now = `object.metadata.?${field}.orValue({})`;
  const before = `oldObject.metadata.?${field}.orValue({})`;
  return `${now}.all(k, ${owned(extraKeys)} || (k in ${before} && ${before}[k] == ${now}[k])) && ${before}.all(k, ${owned(extraKeys)} || k in ${now})`;
}

/** Label keys the policies' nodeLabels set (outside the owned prefix), sorted. */
function policyLabelKeys(policies: readonly PolicyModel[]): string[] {
  const keys = policies.flatMap((p) => [
    ...Object.keys(p.nodeLabels.preReboot),
    ...Object.keys(p.nodeLabels.postReboot),
  ]);
  return [...new Set(keys)].filter((k) => !k.startsWith(OWNED_PREFIX)).sort(compareText);
}

/** CEL: the annotation `key` of `obj` ('' when absent). */
function leaseAnnotation(obj: 'object' | 'oldObject', key: string): string {
  const map = `${obj}.metadata.?annotations.orValue({})`;
  return `(${cel(key)} in ${map} ? ${map}[${cel(key)}] : '')`;
}

/** CEL: the annotation before the write ('' on CREATE, which has no old object). */
function oldLeaseAnnotation(key: string): string {
  return `(request.operation == 'CREATE' ? '' : ${leaseAnnotation('oldObject', key)})`;
}

/** The policy and its binding; they apply to the fleet's agent ServiceAccount alone. */
export function renderAdmission(fleet: FleetModel, policies: readonly PolicyModel[]): RenderedObject[] {
  const labels = objectLabels(fleet);
  const name = names.clusterRole(fleet);
  const user = `system:serviceaccount:${fleet.namespace}:${names.serviceAccount}`;
  const isNode = "request.resource.resource == 'nodes'";
  const labelKeys = policyLabelKeys(policies);
  const validations = [
    {
      expression: `!(${isNode}) || (variables.node != '' && object.metadata.name == variables.node)`,
      message: 'a patchwindow agent may change only the Node its pod runs on (its bound ServiceAccount token names it)',
    },
    {
      expression: `!(${isNode}) || (object.spec.?taints.orValue([]) == oldObject.spec.?taints.orValue([]) && object.spec.?providerID.orValue('') == oldObject.spec.?providerID.orValue('') && object.spec.?podCIDRs.orValue([]) == oldObject.spec.?podCIDRs.orValue([]))`,
      message: 'a patchwindow agent may change only spec.unschedulable of its Node',
    },
    {
      expression: `!(${isNode}) || (object.metadata.?finalizers.orValue([]) == oldObject.metadata.?finalizers.orValue([]) && object.metadata.?ownerReferences.orValue([]) == oldObject.metadata.?ownerReferences.orValue([]))`,
      message: 'a patchwindow agent may not change finalizers or owners of its Node',
    },
    {
      expression: `!(${isNode}) || (${onlyOwnedChanged('labels', labelKeys)})`,
      message: `a patchwindow agent may change only the labels it owns on its Node (${OWNED_PREFIX}* except ${ADMIN_HOLD_KEY}${labelKeys.length > 0 ? `, ${labelKeys.join(', ')}` : ''})`,
    },
    {
      expression: `!(${isNode}) || (${onlyOwnedChanged('annotations', [])})`,
      message: `a patchwindow agent may change only the annotations it owns on its Node (${OWNED_PREFIX}* except ${ADMIN_HOLD_KEY})`,
    },
    {
      expression: `${isNode} || ((request.operation == 'DELETE' || ${cel(GRANT_LABEL)} in object.metadata.?labels.orValue({})) && (request.operation == 'CREATE' || ${cel(GRANT_LABEL)} in oldObject.metadata.?labels.orValue({})))`,
      message: `a patchwindow agent may write only the grant Leases (label ${GRANT_LABEL}), never another Lease`,
    },
    {
      // The hooks' results are the coordinator's to write: an agent that could mark its pre-reboot
      // hook succeeded would cordon without it. It may only ask for its post-reboot hook (pending).
      expression: `${isNode} || request.operation == 'DELETE' || (${leaseAnnotation('object', PRE_HOOK_ANNOTATION)} == ${oldLeaseAnnotation(PRE_HOOK_ANNOTATION)} && (${leaseAnnotation('object', POST_HOOK_ANNOTATION)} == ${oldLeaseAnnotation(POST_HOOK_ANNOTATION)} || ${leaseAnnotation('object', POST_HOOK_ANNOTATION)} == 'pending'))`,
      message: `a patchwindow agent may not write the hooks' results on its grant (${PRE_HOOK_ANNOTATION}, ${POST_HOOK_ANNOTATION}); it may only set ${POST_HOOK_ANNOTATION} to pending`,
    },
  ].map((v) => ({ ...v, reason: 'Forbidden' }));
  const policy = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicy',
    metadata: { name, labels },
    spec: {
      failurePolicy: 'Fail',
      matchConstraints: {
        resourceRules: [
          { apiGroups: [''], apiVersions: ['v1'], operations: ['UPDATE'], resources: ['nodes'] },
          {
            apiGroups: ['coordination.k8s.io'],
            apiVersions: ['v1'],
            operations: ['CREATE', 'UPDATE', 'DELETE'],
            resources: ['leases'],
          },
        ],
      },
      matchConditions: [{ name: 'fleet-agent', expression: `request.userInfo.username == ${cel(user)}` }],
      variables: [
        {
          name: 'node',
          expression: `${cel(NODE_NAME_EXTRA)} in request.userInfo.extra && size(request.userInfo.extra[${cel(NODE_NAME_EXTRA)}]) == 1 ? request.userInfo.extra[${cel(NODE_NAME_EXTRA)}][0] : ''`,
        },
      ],
      validations,
    },
  };
  const binding = {
    apiVersion: 'admissionregistration.k8s.io/v1',
    kind: 'ValidatingAdmissionPolicyBinding',
    metadata: { name, labels },
    spec: { policyName: name, validationActions: ['Deny'] },
  };
  return [
    {
      object: policy,
      comments: [
        {
          path: ['spec', 'matchConditions'],
          text: `Only this fleet's agents (ServiceAccount ${fleet.namespace}/${names.serviceAccount}); RBAC lets them patch every Node, this narrows it to their own.`,
        },
        {
          path: ['spec', 'variables'],
          text: 'The node of the agent pod, from its bound ServiceAccount token; an unbound token names none and may change no Node.',
        },
      ],
    },
    {
      object: binding,
      comments: [
        { path: ['spec', 'validationActions'], text: 'Deny: a request the policy refuses fails with its message.' },
      ],
    },
  ];
}
