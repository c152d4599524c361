// `validate --nodes FILE`: the coverage findings (coverage-check.ts) as diagnostics at the field that
// caused them — the Fleet's poolLabel, a policy's nodePools entry, a policy's name — so an editor or a
// pull request shows the typo where it was written.
import type { FleetModel, PolicyModel } from '../../policy/model.ts';
import type { CompiledFleet } from '../render/compile.ts';
import { findingsOf } from './coverage-check.ts';
import { computeCoverage } from './coverage.ts';
import type { Diagnostic } from '../../policy/diagnostics.ts';
import { reporterFor, type Located } from '../validate/located.ts';
import type { ClusterNode } from './nodes.ts';
import { renderObjects } from '../render/render.ts';

/** Errors for every coverage finding of `compiled` on `nodes` (warnings with `allowEmpty`). */
export function coverageDiagnostics(
  compiled: CompiledFleet,
  fleet: Located<FleetModel>,
  policies: readonly Located<PolicyModel>[],
  nodes: readonly ClusterNode[],
  allowEmpty: boolean,
): Diagnostic[] {
  const report = computeCoverage(
    renderObjects(compiled).map((r) => r.object),
    nodes,
  );
  const out: Diagnostic[] = [];
  const severity = allowEmpty ? 'warning' : 'error';
  const hint = allowEmpty ? '' : ' (or pass --allow-empty)';
  for (const f of findingsOf(compiled, report, nodes)) {
    const at = f.kind === 'no-pool-label' ? fleet : policies.find((p) => p.model.name === f.policy);
    if (at === undefined) continue;
    const path =
      f.kind === 'no-pool-label'
        ? ['spec', 'poolLabel']
        : f.kind === 'policy-no-node'
          ? ['metadata', 'name']
          : ['spec', 'nodePools', f.index];
    reporterFor(at.doc, out)[severity](path, `${f.message}${hint}`, 'coverage');
  }
  return out;
}
