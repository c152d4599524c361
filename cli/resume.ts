// `patchwindow resume POLICY [--namespace NS] [--kubeconfig FILE]`: lifts the halt of a pool that
// halted itself (spec.halt). It writes a `resumed` record on the Fleet's halt Lease: the coordinator
// grants again at its next look (within seconds), and failures before the resume never count again.
// When the reconciler records halts in git, resume by merging `paused: false` instead (README).
import type { CliIo, RegisterCommand } from './io.ts';

export interface ResumeOptions {
  readonly namespace?: string;
  readonly kubeconfig?: string;
}

export async function runResume(io: CliIo, policy: string, opts: ResumeOptions): Promise<number> {
  const [{ loadKubeConfig }, { clusterError }, { findFleetOf }, { KubeHalts, haltLeaseName }, { describeEvidence }] =
    await Promise.all([
      import('../kube/config.ts'),
      import('../kube/cluster-errors.ts'),
      import('../reconciler/status/status-fleet.ts'),
      import('../kube/halts.ts'),
      import('../policy/halt.ts'),
    ]);
  const { PolicyError } = await import('../policy/errors.ts');
  const kc = loadKubeConfig(opts.kubeconfig ? { ...io.env, KUBECONFIG: opts.kubeconfig } : io.env);
  const server = kc.getCurrentCluster()?.server ?? 'of the kubeconfig';
  try {
    const fleet = await findFleetOf(kc, policy, opts.namespace);
    if (fleet === undefined)
      throw new PolicyError(
        `no policy ${policy} found${opts.namespace ? ` in namespace ${opts.namespace}` : ''} (no rendered ConfigMap labelled patchwindow.io/policy=${policy}); check the name with patchwindow status`,
      );
    const halts = new KubeHalts(kc, fleet);
    const record = (await halts.read()).get(policy);
    const where = `Lease ${fleet.namespace}/${haltLeaseName(fleet.fleet)}`;
    if (record?.state !== 'halted') {
      io.stdout(`policy ${policy} is not halted (${where}); nothing to do\n`);
      return 0;
    }
    const nowMs = io.now();
    const by = `patchwindow resume (${kc.getCurrentUser()?.name ?? 'unknown user'})`;
    await halts.write(policy, { state: 'resumed', atMs: nowMs, by });
    io.stdout(
      [
        `policy ${policy} was halted since ${new Date(record.atMs).toISOString()} after ${record.failures.length} failures:`,
        ...describeEvidence(record.failures).map((l) => `  ${l}`),
        `resumed at ${new Date(nowMs).toISOString()} (${where}): the coordinator grants again within seconds; failures before now no longer count toward spec.halt`,
        '',
      ].join('\n'),
    );
    return 0;
  } catch (err: unknown) {
    if (err instanceof PolicyError) throw err;
    throw clusterError(err, server);
  }
}

export const registerResume: RegisterCommand = (root, io, run) => {
  root
    .command('resume')
    .description(
      'lift the halt of a pool that stopped itself after repeated failures (spec.halt); failures before now no longer count',
    )
    .argument('<policy>', 'the RebootPolicy whose pool halted')
    .option('--namespace <ns>', "the Fleet's namespace (default: found from the rendered policies)")
    .option('--kubeconfig <file>', 'kubeconfig to use (default $KUBECONFIG or ~/.kube/config)')
    .action((policy: string, opts: ResumeOptions) => run(runResume(io, policy, opts)));
};
