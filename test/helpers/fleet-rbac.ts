// The rendered ServiceAccounts, RBAC and admission policy of a one-policy Fleet, applied to the test
// control plane without its DaemonSets and Deployment: for tests that act with an agent's real
// token and need no running pods.
import { ApiException, PatchStrategy, type KubernetesObjectApi } from '@kubernetes/client-node';
import { compileFleet } from '../../reconciler/render/compile.ts';
import type { KubeObject } from '../../reconciler/render/objects.ts';
import { renderObjects } from '../../reconciler/render/render.ts';
import { validateSources } from '../../reconciler/validate/validate.ts';
import type { InstallSettings } from '../../reconciler/validate/install.ts';

export interface FleetRbac {
  readonly objects: KubernetesObjectApi;
  readonly fleet: string;
  readonly namespace: string;
  readonly poolLabel: string;
  /** The policy document (YAML). */
  readonly policy: { readonly file: string; readonly text: string };
  /** Field manager of the server-side apply. */
  readonly manager: string;
  /** Install settings (default: the built-in ones). */
  readonly install?: InstallSettings;
}

/** Applies what the Fleet renders except its workloads; returns the applied objects. */
export async function applyFleetRbac(o: FleetRbac): Promise<KubeObject[]> {
  const fleetYaml = `apiVersion: patchwindow.io/v1alpha1\nkind: Fleet\nmetadata: { name: ${o.fleet} }\nspec:\n  namespace: ${o.namespace}\n  poolLabel: ${o.poolLabel}\n`;
  const result = validateSources([{ file: 'fleet.yaml', text: fleetYaml }, o.policy], {
    nowMs: Date.now(),
    ...(o.install ? { install: o.install } : {}),
  });
  if (result.policySet === undefined) throw new Error(`test fleet invalid: ${JSON.stringify(result.diagnostics)}`);
  const rendered = renderObjects(compileFleet(result.policySet))
    .map((r) => r.object)
    .filter((x) => x.kind !== 'DaemonSet' && x.kind !== 'Deployment');
  for (const x of rendered)
    await o.objects.patch(structuredClone(x), undefined, undefined, o.manager, true, PatchStrategy.ServerSideApply);
  return rendered;
}

/** The HTTP status of a call made with an identity's token: 200 when it succeeded. */
export async function status(call: Promise<unknown>): Promise<number> {
  try {
    await call;
    return 200;
  } catch (err: unknown) {
    if (err instanceof ApiException) return err.code;
    throw err;
  }
}
