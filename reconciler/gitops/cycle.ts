// One reconcile cycle: fetch the policy repository, validate, render, apply and prune. An invalid
// commit applies nothing and deletes nothing, so what runs stays at the last good state.
import { relative } from 'node:path';
import { messageOf, PolicyError } from '../../policy/errors.ts';
import { formatText, type Diagnostic } from '../../policy/diagnostics.ts';
import type { ApplyResult } from './apply.ts';
import { compileFleet, type CompiledFleet } from '../render/compile.ts';
import { findingsOf, nodesPerPolicy, type CoverageFinding } from '../plan/coverage-check.ts';
import { computeCoverage } from '../plan/coverage.ts';
import type { ClusterNode } from '../plan/nodes.ts';
import type { KubeObject } from '../render/objects.ts';
import type { SourceFile } from '../validate/parse.ts';
import { renderObjects } from '../render/render.ts';
import { checkSources } from '../validate/validate.ts';
import { type PolicySet } from '../../policy/model.ts';
import type { InstallSettings } from '../validate/install.ts';

export interface CycleDeps {
  /** Brings the working copy to the remote commit; returns its id. */
  sync(): Promise<string>;
  /** Reads the policy files of the working copy (file names relative to the repository). */
  load(): Promise<{ sources: SourceFile[]; diagnostics: Diagnostic[] }>;
  apply(objects: readonly KubeObject[], scope: { fleet: string; namespace: string }): Promise<ApplyResult>;
  now(): number;
  /** The only namespace the Fleet may name (see ValidateOptions.agentNamespace). */
  readonly agentNamespace?: string;
  /** The cluster admin's install settings (image, commands, Secret prefix); default: the built-in ones. */
  readonly install?: InstallSettings;
  /** The cluster's nodes, for the coverage check after an apply; absent: no check. */
  readonly nodes?: () => Promise<readonly ClusterNode[]>;
}

/** What the coverage check found after an apply (coverage-check.ts). */
export type CycleCoverage =
  | {
      readonly checked: true;
      readonly findings: readonly CoverageFinding[];
      readonly nodesPerPolicy: ReadonlyMap<string, number>;
    }
  /** The nodes could not be read; the apply stands. */
  | { readonly checked: false; readonly error: string };

export type CycleResult =
  | {
      readonly outcome: 'applied';
      readonly commit: string;
      readonly result: ApplyResult;
      readonly policies: number;
      readonly pools: number;
      /** Validation warnings, then compile warnings (these have no file: they concern the whole set). */
      readonly warnings: readonly Diagnostic[];
      /** Absent when the cycle was not given the nodes. */
      readonly coverage?: CycleCoverage;
    }
  | { readonly outcome: 'invalid'; readonly commit: string; readonly diagnostics: readonly Diagnostic[] }
  | { readonly outcome: 'failed'; readonly commit?: string; readonly error: string };

/** Number of distinct pools named by the policies (default and selector policies count as one). */
function poolCount(set: PolicySet): number {
  const pools = new Set<string>();
  for (const p of set.policies) {
    if (p.membership.kind === 'selector') pools.add(`selector:${p.name}`);
    else for (const pool of p.membership.pools) pools.add(pool);
    if (p.membership.kind === 'default') pools.add('default:*');
  }
  return pools.size;
}

/** The coverage findings of what was applied, on the cluster's nodes; a failed read is reported, not thrown. */
async function checkNodes(
  read: () => Promise<readonly ClusterNode[]>,
  compiled: CompiledFleet,
  objects: readonly KubeObject[],
): Promise<CycleCoverage> {
  let nodes: readonly ClusterNode[];
  try {
    nodes = await read();
  } catch (err: unknown) {
    return { checked: false, error: messageOf(err) };
  }
  const report = computeCoverage(objects, nodes);
  return {
    checked: true,
    findings: findingsOf(compiled, report, nodes),
    nodesPerPolicy: nodesPerPolicy(compiled, report),
  };
}

export async function runCycle(deps: CycleDeps): Promise<CycleResult> {
  let commit: string;
  try {
    commit = await deps.sync();
  } catch (err: unknown) {
    return { outcome: 'failed', error: messageOf(err) };
  }
  let set: PolicySet;
  let warnings: Diagnostic[];
  let objects: KubeObject[];
  let compiled: CompiledFleet;
  try {
    const loaded = await deps.load();
    const { diagnostics, policySet } = checkSources(loaded, {
      nowMs: deps.now(),
      ...(deps.agentNamespace !== undefined ? { agentNamespace: deps.agentNamespace } : {}),
      ...(deps.install !== undefined ? { install: deps.install } : {}),
    });
    if (!policySet) return { outcome: 'invalid', commit, diagnostics };
    set = policySet;
    compiled = compileFleet(set);
    warnings = [
      ...diagnostics,
      ...compiled.warnings.map((message) => ({
        file: '',
        line: 0,
        column: 0,
        path: '',
        severity: 'warning' as const,
        message,
        rule: 'compile',
      })),
    ];
    objects = renderObjects(compiled).map((r) => r.object);
  } catch (err: unknown) {
    if (err instanceof PolicyError) {
      return {
        outcome: 'invalid',
        commit,
        diagnostics: [
          { file: '', line: 0, column: 0, path: '', severity: 'error', message: err.message, rule: 'render' },
        ],
      };
    }
    return { outcome: 'failed', commit, error: messageOf(err) };
  }
  try {
    const result = await deps.apply(objects, { fleet: set.fleet.name, namespace: set.fleet.namespace });
    const coverage = deps.nodes ? await checkNodes(deps.nodes, compiled, objects) : undefined;
    return {
      outcome: 'applied',
      commit,
      result,
      policies: set.policies.length,
      pools: poolCount(set),
      warnings,
      ...(coverage ? { coverage } : {}),
    };
  } catch (err: unknown) {
    return { outcome: 'failed', commit, error: messageOf(err) };
  }
}

/** The lines that explain a result to a person (status, logs, events). */
export function describeResult(r: CycleResult): string[] {
  const short = (c: string | undefined) => (c ? c.slice(0, 12) : 'unknown commit');
  switch (r.outcome) {
    case 'applied': {
      const { created, configured, unchanged, pruned } = r.result;
      return [
        `applied ${short(r.commit)}: ${created.length} created, ${configured.length} changed, ${unchanged.length} unchanged, ${pruned.length} pruned`,
      ];
    }
    case 'invalid':
      return [
        `refused ${short(r.commit)}: invalid policies, nothing applied or deleted`,
        ...r.diagnostics.filter((d) => d.severity === 'error').map(formatText),
      ];
    case 'failed':
      return [`failed at ${short(r.commit)}: ${r.error}`];
  }
}

/** The warnings of an applied cycle, one line each (none for other outcomes), coverage findings last. */
export function warningLines(r: CycleResult): string[] {
  if (r.outcome !== 'applied') return [];
  return [...r.warnings.map((d) => (d.file === '' ? `warning: ${d.message}` : formatText(d))), ...coverageLines(r)];
}

/** The coverage findings of an applied cycle as warning lines. */
export function coverageLines(r: CycleResult): string[] {
  if (r.outcome !== 'applied' || !r.coverage) return [];
  if (!r.coverage.checked)
    return [`warning: the nodes could not be read, so coverage was not checked: ${r.coverage.error}`];
  return r.coverage.findings.map((f) => `warning: ${f.message}`);
}

/** Makes file names of a working copy relative to its root, as they appear in the repository. */
export function relativeSources(
  root: string,
  loaded: { sources: SourceFile[]; diagnostics: Diagnostic[] },
): { sources: SourceFile[]; diagnostics: Diagnostic[] } {
  return {
    sources: loaded.sources.map((s) => ({ ...s, file: relative(root, s.file) })),
    diagnostics: loaded.diagnostics.map((d) => ({ ...d, file: relative(root, d.file) })),
  };
}
