// `patchwindow plan [PATH...] --base REF [--nodes FILE] [--format text|markdown|json]`: what changing
// the policies from REF to the working tree will do. Exit 2 for an unknown REF or paths outside a
// git repository, 1 when the working-tree policies are invalid; an invalid base is reported and the
// plan compares against nothing.
import { Option } from 'commander';
import { PolicyError } from '../policy/errors.ts';
import { compileFleet, type CompiledFleet } from '../reconciler/render/compile.ts';
import { buildPlan } from '../reconciler/plan/plan.ts';
import { planJson } from '../reconciler/plan/format/json.ts';
import { planMarkdown } from '../reconciler/plan/format/markdown.ts';
import type { PlanReport } from '../reconciler/plan/format/report.ts';
import { planText } from '../reconciler/plan/format/text.ts';
import { checkSources } from '../reconciler/validate/validate.ts';
import type { CliIo, RegisterCommand } from './io.ts';
import { readNodesFile } from './nodesfile.ts';
import { loadPolicySet, pathsOrDefault, summary } from './policies.ts';
import { readInstallSettings, withInstallOptions, type InstallOptions } from './install.ts';
import type { InstallSettings } from '../reconciler/validate/install.ts';

export interface PlanOptions extends InstallOptions {
  readonly base: string;
  readonly nodes?: string;
  readonly format: 'text' | 'markdown' | 'json';
}

interface BaseSide {
  readonly compiled: CompiledFleet | null;
  readonly label: string;
  readonly note: string | null;
}

async function loadBase(io: CliIo, paths: readonly string[], ref: string, install: InstallSettings): Promise<BaseSide> {
  const { loadSourcesAtRef } = await import('../reconciler/plan/git.ts');
  const at = await loadSourcesAtRef(paths, ref, io.cwd);
  const label = `${ref} (${at.commit.slice(0, 7)})`;
  if (at.sources.length === 0 && at.diagnostics.length === 0) {
    return {
      compiled: null,
      label,
      note: `no policy files at ${ref} (${at.missing.join(', ')}); everything shows as added`,
    };
  }
  const { diagnostics, policySet } = checkSources(at, {
    nowMs: io.now(),
    origin: `${ref}:${paths.join(', ')}`,
    install,
  });
  if (!policySet) {
    return {
      compiled: null,
      label,
      note: `the policies at ${ref} are invalid (${summary(diagnostics)}); everything shows as added`,
    };
  }
  try {
    return { compiled: compileFleet(policySet), label, note: null };
  } catch (err: unknown) {
    if (!(err instanceof PolicyError)) throw err;
    return {
      compiled: null,
      label,
      note: `the policies at ${ref} do not compile (${err.message}); everything shows as added`,
    };
  }
}

export async function runPlan(io: CliIo, paths: readonly string[], opts: PlanOptions): Promise<number> {
  const where = pathsOrDefault(paths);
  const nodes = opts.nodes === undefined ? undefined : await readNodesFile(io, opts.nodes);
  // Git problems (exit 2) come before the head's validity (exit 1).
  // Both sides with the same install settings: the plan shows what the policy change does.
  const install = await readInstallSettings(io, opts);
  const base = await loadBase(io, where, opts.base, install);
  const head = compileFleet(await loadPolicySet(io, where, { quietWarnings: true, install: opts }));
  const plan = buildPlan({ base: base.compiled, head, nowMs: io.now(), ...(nodes ? { nodes } : {}) });
  const report: PlanReport = {
    plan,
    fleet: head.fleet.name,
    base: base.label,
    head: 'the working tree',
    baseNote: base.note,
    nodesFile: opts.nodes ?? null,
  };
  if (base.note && opts.format !== 'text') io.stderr(`patchwindow: note: ${base.note}\n`);
  const format = { text: planText, markdown: planMarkdown, json: planJson }[opts.format];
  io.stdout(format(report));
  return 0;
}

export const registerPlan: RegisterCommand = (root, io, run) => {
  withInstallOptions(root.command('plan'))
    .description('show what a policy change does: rendered objects, windows, budgets, pools and nodes before vs after')
    .argument('[paths...]', 'policy files or directories in a git repository; default .')
    .requiredOption('--base <ref>', 'the git revision to compare the working tree against, e.g. origin/main')
    .option(
      '--nodes <file>',
      'output of kubectl get nodes -o yaml: also show nodes that change policy and coverage problems',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'markdown', 'json']).default('text'))
    .action((paths: string[], opts: PlanOptions) => run(runPlan(io, paths, opts)));
};
