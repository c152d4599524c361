// Policy sets for the render, coverage and plan tests: the example, and small fleets written inline.
import { loadSources } from '../../reconciler/validate/load.ts';
import { validateSources } from '../../reconciler/validate/validate.ts';
import { type PolicySet } from '../../policy/model.ts';

export const NOW = Date.parse('2026-11-24T12:00:00Z');

/** The checked policy set of policies-example/. */
export async function examplePolicySet(): Promise<PolicySet> {
  const { sources } = await loadSources(['policies-example']);
  return checked(validateSources(sources, { nowMs: NOW }));
}

function checked(result: ReturnType<typeof validateSources>): PolicySet {
  if (!result.policySet)
    throw new Error(
      `invalid test policies:\n${result.diagnostics.map((d) => `${d.file}:${d.line} ${d.path} ${d.message}`).join('\n')}`,
    );
  return result.policySet;
}

export interface PolicySpec {
  readonly name: string;
  /** YAML lines of the spec besides windows, e.g. `nodePools: [a, b]`. */
  readonly spec?: readonly string[];
}

/** A Fleet on label `pool` plus the given policies (each with one window), validated. */
export function fleetOf(
  policies: readonly PolicySpec[],
  fleet: { defaultPolicy?: string; extra?: readonly string[] } = {},
): PolicySet {
  const fleetDoc = [
    'apiVersion: patchwindow.io/v1alpha1',
    'kind: Fleet',
    'metadata: { name: test }',
    'spec:',
    '  poolLabel: pool',
    ...(fleet.defaultPolicy ? [`  defaultPolicy: ${fleet.defaultPolicy}`] : []),
    ...(fleet.extra ?? []).map((l) => `  ${l}`),
  ].join('\n');
  const docs = policies.map((p) =>
    [
      'apiVersion: patchwindow.io/v1alpha1',
      'kind: RebootPolicy',
      `metadata: { name: ${p.name} }`,
      'spec:',
      ...(p.spec ?? []).map((l) => `  ${l}`),
      '  windows: [{ days: [sat], start: "01:00", end: "05:00" }]',
    ].join('\n'),
  );
  return checked(validateSources([{ file: 'fleet.yaml', text: [fleetDoc, ...docs].join('\n---\n') }], { nowMs: NOW }));
}
