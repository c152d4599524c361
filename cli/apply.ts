// `patchwindow apply [PATH...] [--dry-run=server] [--prune]`: validate, render and server-side apply
// once (for pipelines that apply from CI), printing what was created, changed and pruned. Exit 1 for
// invalid policies (nothing is sent to the cluster), 2 when a file or the cluster cannot be read.
import { Option } from 'commander';
import type { CliIo, RegisterCommand } from './io.ts';
import { withInstallOptions, type InstallOptions } from './install.ts';

export interface ApplyCommandOptions extends InstallOptions {
  readonly dryRun?: 'server';
  readonly prune: boolean;
  readonly kubeconfig?: string;
}

export async function runApply(io: CliIo, paths: readonly string[], opts: ApplyCommandOptions): Promise<number> {
  const { loadPolicySet } = await import('./policies.ts');
  const set = await loadPolicySet(io, paths, { quietWarnings: false, install: opts });
  const [{ compileFleet }, { renderObjects }, { applyObjects, title }, { loadKubeConfig }] = await Promise.all([
    import('../reconciler/render/compile.ts'),
    import('../reconciler/render/render.ts'),
    import('../reconciler/gitops/apply.ts'),
    import('../kube/config.ts'),
  ]);
  const compiled = compileFleet(set);
  for (const w of compiled.warnings) io.stderr(`patchwindow: warning: ${w}\n`);
  const objects = renderObjects(compiled).map((r) => r.object);
  const kc = loadKubeConfig(opts.kubeconfig ? { ...io.env, KUBECONFIG: opts.kubeconfig } : io.env);
  const { clusterError } = await import('../kube/cluster-errors.ts');
  let result;
  try {
    result = await applyObjects(kc, objects, {
      dryRun: opts.dryRun === 'server',
      ...(opts.prune ? { prune: { fleet: set.fleet.name, namespace: set.fleet.namespace } } : {}),
    });
  } catch (err: unknown) {
    throw clusterError(err, kc.getCurrentCluster()?.server ?? 'of the kubeconfig');
  }
  const suffix = opts.dryRun ? ' (server dry run)' : '';
  for (const [verb, refs] of [
    ['created', result.created],
    ['configured', result.configured],
    ['unchanged', result.unchanged],
    ['pruned', result.pruned],
  ] as const) {
    for (const ref of refs) io.stdout(`${title(ref)} ${verb}${suffix}\n`);
  }
  io.stderr(
    `${result.created.length} created, ${result.configured.length} changed, ${result.unchanged.length} unchanged, ${result.pruned.length} pruned${suffix}\n`,
  );
  return 0;
}

export const registerApply: RegisterCommand = (root, io, run) => {
  withInstallOptions(root.command('apply'))
    .description('validate, render and server-side apply the policies once; --prune deletes what is no longer rendered')
    .argument('[paths...]', 'policy files or directories; default .')
    .addOption(
      new Option('--dry-run [mode]', 'ask the API server what would change, change nothing')
        .choices(['server'])
        .preset('server'),
    )
    .option('--prune', 'delete objects patchwindow manages for this fleet that are no longer rendered', false)
    .option('--kubeconfig <file>', 'kubeconfig to use (default $KUBECONFIG or ~/.kube/config)')
    .action((paths: string[], opts: ApplyCommandOptions) => run(runApply(io, paths, opts)));
};
