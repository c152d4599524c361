// `patchwindow coverage [PATH...] --nodes FILE`: for every node of a cluster, the policy and DaemonSet
// that will run on it, found by evaluating the rendered objects. Exit 1 when a node has no agent
// (unless --allow-uncovered) or two.
import { Option } from 'commander';
import { compileFleet } from '../reconciler/render/compile.ts';
import { computeCoverage, type CoverageReport, type NodeCoverage } from '../reconciler/plan/coverage.ts';
import { renderObjects } from '../reconciler/render/render.ts';
import type { CliIo, RegisterCommand } from './io.ts';
import { readNodesFile } from './nodesfile.ts';
import { loadPolicySet } from './policies.ts';
import { formatTable } from '../io/table.ts';
import { withInstallOptions, type InstallOptions } from './install.ts';

export interface CoverageOptions extends InstallOptions {
  readonly nodes: string;
  readonly allowUncovered?: boolean;
  readonly format: 'text' | 'json';
}

function why(n: NodeCoverage): string {
  if (n.daemonSets.length > 1) return 'covered twice';
  if (n.daemonSets.length === 1) return '';
  if (n.keptOffBy.length === 0) return 'uncovered: no DaemonSet selects it';
  return `uncovered: ${n.keptOffBy.map((k) => `${k.daemonSet.name} does not tolerate ${k.taints.map((t) => `${t.key}:${t.effect}`).join(', ')}`).join('; ')}`;
}

/** The report as JSON for tools: stable field names, nodes sorted by name. */
export function coverageJson(report: CoverageReport): unknown {
  return {
    nodes: report.nodes.map((n) => ({
      name: n.node,
      policy: n.daemonSets.length === 1 ? n.daemonSets[0]!.policy : null,
      daemonSets: n.daemonSets.map((d) => ({ namespace: d.namespace, name: d.name, policy: d.policy })),
      keptOffBy: n.keptOffBy.map((k) => ({ daemonSet: k.daemonSet.name, taints: k.taints })),
    })),
    uncovered: report.uncovered,
    doubleCovered: report.doubleCovered,
  };
}

export function coverageText(report: CoverageReport): string {
  const rows = report.nodes.map((n) => [
    n.node,
    n.daemonSets.map((d) => d.policy).join(', ') || '-',
    n.daemonSets.map((d) => d.name).join(', ') || '-',
    why(n),
  ]);
  const covered = report.nodes.length - report.uncovered.length - report.doubleCovered.length;
  return (
    formatTable(['NODE', 'POLICY', 'DAEMONSET', 'PROBLEM'], rows) +
    `\n${report.nodes.length} nodes: ${covered} covered once, ${report.uncovered.length} uncovered, ${report.doubleCovered.length} covered twice\n`
  );
}

export async function runCoverage(io: CliIo, paths: readonly string[], opts: CoverageOptions): Promise<number> {
  const nodes = await readNodesFile(io, opts.nodes);
  const set = await loadPolicySet(io, paths, { quietWarnings: true, install: opts });
  const objects = renderObjects(compileFleet(set)).map((r) => r.object);
  const report = computeCoverage(objects, nodes);
  io.stdout(opts.format === 'json' ? `${JSON.stringify(coverageJson(report), null, 2)}\n` : coverageText(report));
  if (report.doubleCovered.length > 0) {
    io.stderr(
      `patchwindow: ${report.doubleCovered.length} node(s) would run two agents: ${report.doubleCovered.join(', ')}; this is a bug in render, please report it\n`,
    );
    return 1;
  }
  if (report.uncovered.length > 0 && !opts.allowUncovered) {
    io.stderr(
      `patchwindow: ${report.uncovered.length} node(s) have no agent: ${report.uncovered.join(', ')}; name their pools in a policy, set the Fleet's defaultPolicy, or pass --allow-uncovered\n`,
    );
    return 1;
  }
  return 0;
}

export const registerCoverage: RegisterCommand = (root, io, run) => {
  withInstallOptions(root.command('coverage'))
    .description('show which policy and DaemonSet will run on every node of a cluster (from kubectl get nodes -o yaml)')
    .argument('[paths...]', 'policy files or directories; default .')
    .requiredOption('--nodes <file>', 'output of kubectl get nodes -o yaml (or -o json): a List, NodeList or Node')
    .option('--allow-uncovered', 'exit 0 even when some nodes get no agent')
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((paths: string[], opts: CoverageOptions) => run(runCoverage(io, paths, opts)));
};
