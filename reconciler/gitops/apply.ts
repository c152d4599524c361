// Server-side apply of rendered objects with patchwindow's own field manager, and pruning of the
// objects it manages (by label) that are no longer rendered. Used by `apply` and by the in-cluster
// reconciler. Objects it does not manage are never touched: pruning only considers objects that
// carry both the managed-by and the fleet label.
import { KubernetesObjectApi, PatchStrategy, type KubeConfig, type KubernetesObject } from '@kubernetes/client-node';
import { isDeepStrictEqual } from 'node:util';
import { statusOf, wrap } from '../../kube/errors.ts';
import {
  FLEET_LABEL,
  MANAGED_BY,
  MANAGED_BY_LABEL,
  objectKey,
  objectTitle,
  type KubeObject,
} from '../render/objects.ts';

export const FIELD_MANAGER = 'patchwindow';

/**
 * Apply order: what others refer to comes first (the namespace before what lives in it, roles before
 * bindings), and the admission policy that narrows the agents' rights before the rights themselves.
 */
const KIND_ORDER = [
  'Namespace',
  'ValidatingAdmissionPolicy',
  'ValidatingAdmissionPolicyBinding',
  'ClusterRole',
  'ClusterRoleBinding',
  'ServiceAccount',
  'Role',
  'RoleBinding',
  'ConfigMap',
  'DaemonSet',
  'Deployment',
];

/** Kinds that `prune` looks at. Namespaces are never pruned: deleting one would delete what others put in it. */
export const PRUNABLE: readonly { apiVersion: string; kind: string; namespaced: boolean }[] = [
  { apiVersion: 'apps/v1', kind: 'DaemonSet', namespaced: true },
  { apiVersion: 'apps/v1', kind: 'Deployment', namespaced: true },
  { apiVersion: 'v1', kind: 'ConfigMap', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'RoleBinding', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'Role', namespaced: true },
  { apiVersion: 'v1', kind: 'ServiceAccount', namespaced: true },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRoleBinding', namespaced: false },
  { apiVersion: 'rbac.authorization.k8s.io/v1', kind: 'ClusterRole', namespaced: false },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicyBinding', namespaced: false },
  { apiVersion: 'admissionregistration.k8s.io/v1', kind: 'ValidatingAdmissionPolicy', namespaced: false },
];

export interface ObjectRef {
  readonly apiVersion: string;
  readonly kind: string;
  readonly namespace?: string;
  readonly name: string;
}

export interface ApplyResult {
  readonly created: readonly ObjectRef[];
  readonly configured: readonly ObjectRef[];
  readonly unchanged: readonly ObjectRef[];
  readonly pruned: readonly ObjectRef[];
}

export interface ApplyOptions {
  readonly dryRun?: boolean;
  /** Delete managed objects of `fleet` that are not in `objects`; namespaced ones only in `namespace`. */
  readonly prune?: { readonly fleet: string; readonly namespace: string };
  readonly fieldManager?: string;
  /** Checked before every write: once aborted, no further object is applied or deleted. */
  readonly signal?: AbortSignal;
}

function refOf(o: KubernetesObject): ObjectRef {
  return {
    apiVersion: o.apiVersion ?? '',
    kind: o.kind ?? '',
    name: o.metadata?.name ?? '',
    ...(o.metadata?.namespace ? { namespace: o.metadata.namespace } : {}),
  };
}

/** An object without what the server changes on every write, to tell whether an apply changed anything. */
function comparable(o: KubernetesObject | undefined): unknown {
  if (!o) return undefined;
  const { metadata, ...rest } = o as KubernetesObject & Record<string, unknown>;
  const {
    managedFields: _m,
    resourceVersion: _r,
    generation: _g,
    creationTimestamp: _c,
    uid: _u,
    ...meta
  } = metadata ?? {};
  const { status: _s, ...spec } = rest;
  return { ...spec, metadata: meta };
}

export function title(ref: ObjectRef): string {
  return objectTitle({
    kind: ref.kind,
    metadata: { name: ref.name, ...(ref.namespace ? { namespace: ref.namespace } : {}) },
  });
}

type PrunableKind = (typeof PRUNABLE)[number];

/**
 * The objects of one kind (in one namespace) that carry the managed-by and fleet labels, listed once
 * per apply: what they were before it tells created, configured and unchanged apart without a GET
 * per object, and pruning looks through the same lists.
 */
function managedLister(
  api: KubernetesObjectApi,
): (kind: PrunableKind, namespace: string | undefined, fleet: string) => Promise<KubernetesObject[]> {
  const lists = new Map<string, Promise<KubernetesObject[]>>();
  return (kind, namespace, fleet) => {
    const selector = `${MANAGED_BY_LABEL}=${MANAGED_BY},${FLEET_LABEL}=${fleet}`;
    const key = `${kind.apiVersion}|${kind.kind}|${namespace ?? ''}|${selector}`;
    let list = lists.get(key);
    if (list === undefined) {
      list = api.list(kind.apiVersion, kind.kind, namespace, undefined, undefined, undefined, undefined, selector).then(
        // List items carry no apiVersion and kind of their own.
        (l) => l.items.map((item) => ({ ...item, apiVersion: kind.apiVersion, kind: kind.kind })),
        (err: unknown) => {
          throw wrap(`list ${kind.kind}`, err);
        },
      );
      lists.set(key, list);
    }
    return list;
  };
}

/** Applies `objects` (server-side apply, forced ownership of our fields) and optionally prunes. */
export async function applyObjects(
  kc: KubeConfig,
  objects: readonly KubeObject[],
  options: ApplyOptions = {},
): Promise<ApplyResult> {
  const api = KubernetesObjectApi.makeApiClient(kc);
  const managed = managedLister(api);
  const fieldManager = options.fieldManager ?? FIELD_MANAGER;
  const dryRun = options.dryRun ? 'All' : undefined;
  const ordered = [...objects].sort(
    (a, b) => KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || objectKey(a).localeCompare(objectKey(b)),
  );
  const created: ObjectRef[] = [];
  const configured: ObjectRef[] = [];
  const unchanged: ObjectRef[] = [];
  // In a dry run a namespace that would be created does not exist, so the server cannot dry-run
  // what goes into it; such objects are reported as created.
  const newNamespaces = new Set<string>();
  for (const object of ordered) {
    const spec = object as unknown as KubernetesObject;
    const ref = refOf(spec);
    if (dryRun && ref.namespace && newNamespaces.has(ref.namespace)) {
      created.push(ref);
      continue;
    }
    // The kind's list, taken before its first object is applied, has it unless it is new (or lost
    // our labels): only then, and for kinds never listed (the Namespace), one GET.
    const kind = PRUNABLE.find((k) => k.apiVersion === ref.apiVersion && k.kind === ref.kind);
    const fleet = object.metadata.labels?.[FLEET_LABEL];
    const key = objectKey(object);
    let before =
      kind && fleet
        ? (await managed(kind, ref.namespace, fleet)).find((item) => objectKey(item as unknown as KubeObject) === key)
        : undefined;
    if (!before) {
      try {
        before = await api.read(spec as KubernetesObject & { metadata: { name: string } });
      } catch (err: unknown) {
        if (statusOf(err) !== 404) throw wrap(`read ${title(ref)}`, err);
      }
    }
    options.signal?.throwIfAborted();
    let after: KubernetesObject;
    try {
      after = await api.patch(
        structuredClone(spec),
        undefined,
        dryRun,
        fieldManager,
        true,
        PatchStrategy.ServerSideApply,
      );
    } catch (err: unknown) {
      throw wrap(`apply ${title(ref)}`, err);
    }
    if (!before && object.kind === 'Namespace') newNamespaces.add(ref.name);
    if (!before) created.push(ref);
    else if (isDeepStrictEqual(comparable(before), comparable(after))) unchanged.push(ref);
    else configured.push(ref);
  }
  const pruned = options.prune ? await prune(managed, api, objects, options.prune, dryRun, options.signal) : [];
  return { created, configured, unchanged, pruned };
}

async function prune(
  managed: ReturnType<typeof managedLister>,
  api: KubernetesObjectApi,
  keep: readonly KubeObject[],
  scope: { fleet: string; namespace: string },
  dryRun: string | undefined,
  signal: AbortSignal | undefined,
): Promise<ObjectRef[]> {
  const wanted = new Set(keep.map((o) => objectKey(o)));
  const pruned: ObjectRef[] = [];
  for (const kind of PRUNABLE) {
    // A list taken before the applies may lack what they created; those are all wanted.
    for (const object of await managed(kind, kind.namespaced ? scope.namespace : undefined, scope.fleet)) {
      if (wanted.has(objectKey(object as unknown as KubeObject))) continue;
      signal?.throwIfAborted();
      try {
        await api.delete(object, undefined, dryRun, undefined, undefined, 'Background');
      } catch (err: unknown) {
        if (statusOf(err) !== 404) throw wrap(`prune ${title(refOf(object))}`, err);
      }
      pruned.push(refOf(object));
    }
  }
  return pruned;
}
