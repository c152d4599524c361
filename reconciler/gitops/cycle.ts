// One reconcile cycle: fetch the policy repository, validate, render, apply and prune. An invalid
// commit applies nothing and deletes nothing, so what runs stays at the last good state.
import { relative } from 'node:path';
import { messageOf, PolicyError } from '../../policy/errors.ts';
import { formatText, type Diagnostic } from '../../policy/diagnostics.ts';
import type { ApplyResult } from './apply.ts';
import { compileFleet } from '../render/compile.ts';
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
}

export type CycleResult =
  | {
      readonly outcome: 'applied';
      readonly commit: string;
      readonly result: ApplyResult;
      readonly policies: number;
      readonly pools: number;
      /** Validation warnings, then compile warnings (these have no file: they concern the whole set). */
      readonly warnings: readonly Diagnostic[];
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
  try {
    const loaded = await deps.load();
    const { diagnostics, policySet } = checkSources(loaded, {
      nowMs: deps.now(),
      ...(deps.agentNamespace !== undefined ? { agentNamespace: deps.agentNamespace } : {}),
      ...(deps.install !== undefined ? { install: deps.install } : {}),
    });
    if (!policySet) return { outcome: 'invalid', commit, diagnostics };
    set = policySet;
    const compiled = compileFleet(set);
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
    return { outcome: 'applied', commit, result, policies: set.policies.length, pools: poolCount(set), warnings };
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

/** The warnings of an applied cycle, one line each (none for other outcomes). */
export function warningLines(r: CycleResult): string[] {
  if (r.outcome !== 'applied') return [];
  return r.warnings.map((d) => (d.file === '' ? `warning: ${d.message}` : formatText(d)));
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
