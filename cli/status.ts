// `patchwindow status [--format text|json] [--namespace NS]`: every node with its policy, pool, since
// when it needs a reboot, phase, slot, blocker and next window, then every budget group with its
// budget, unavailable and pending nodes; read from the cluster of the current kubeconfig.
import { Option } from 'commander';
import type { CliIo, RegisterCommand } from './io.ts';

export interface StatusOptions {
  readonly format: 'text' | 'json';
  readonly namespace?: string;
  readonly kubeconfig?: string;
}

/** The cluster's patchwindow objects for `status` and `report`, with a clear error when it cannot be read. */
export async function readCluster(io: CliIo, opts: Omit<StatusOptions, 'format'>, nowMs: number) {
  const [{ loadKubeConfig }, { readStatusInput }, { clusterError }] = await Promise.all([
    import('../kube/config.ts'),
    import('../reconciler/status/status-read.ts'),
    import('../kube/cluster-errors.ts'),
  ]);
  const kc = loadKubeConfig(opts.kubeconfig ? { ...io.env, KUBECONFIG: opts.kubeconfig } : io.env);
  let input;
  try {
    input = await readStatusInput(kc, { nowMs, ...(opts.namespace ? { namespace: opts.namespace } : {}) });
  } catch (err: unknown) {
    const e = clusterError(err, kc.getCurrentCluster()?.server ?? 'of the kubeconfig');
    if (!opts.namespace && e.message.includes('configmaps'))
      e.message += '; --namespace NS reads the agents of one namespace only';
    throw e;
  }
  for (const w of input.warnings) io.stderr(`patchwindow: warning: ${w}\n`);
  if (input.configs.length === 0) {
    io.stderr(
      `patchwindow: no patchwindow agents found${opts.namespace ? ` in namespace ${opts.namespace}` : ''} (no ConfigMap labelled app.kubernetes.io/managed-by=patchwindow); apply or sync the rendered policies first\n`,
    );
  }
  return input;
}

export async function runStatus(io: CliIo, opts: StatusOptions): Promise<number> {
  const [{ computeStatus }, { formatStatusJson, formatStatusText }] = await Promise.all([
    import('../reconciler/status/status.ts'),
    import('../reconciler/status/status-format.ts'),
  ]);
  const nowMs = io.now();
  const status = computeStatus(await readCluster(io, opts, nowMs));
  io.stdout(opts.format === 'json' ? formatStatusJson(status, nowMs) : formatStatusText(status, nowMs));
  return 0;
}

export const registerStatus: RegisterCommand = (root, io, run) => {
  root
    .command('status')
    .description(
      'show every node (policy, pool, reboot required since, phase, slot, blocker, next window) and every budget (unavailable, pending)',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--namespace <ns>', 'read the agents of this namespace only (default: every namespace)')
    .option('--kubeconfig <file>', 'kubeconfig to use (default $KUBECONFIG or ~/.kube/config)')
    .action((opts: StatusOptions) => run(runStatus(io, opts)));
};
