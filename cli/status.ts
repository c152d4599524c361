// `patchwindow status [--format text|json] [--namespace NS]`: every node with its policy, pool, since
// when it needs a reboot, phase, slot, blocker and next window, then every budget group with its
// budget, unavailable and pending nodes; read from the cluster of the current kubeconfig. With
// `--watch [--interval D] [--until-done]` the rollout live (reconciler/status/status-watch.ts).
import { Option } from 'commander';
import { durationArg } from './args.ts';
import type { CliIo, RegisterCommand } from './io.ts';
import { UsageError } from '../policy/errors.ts';

export interface StatusOptions {
  readonly format: 'text' | 'json';
  readonly namespace?: string;
  readonly kubeconfig?: string;
  readonly watch?: boolean;
  readonly interval?: number;
  readonly untilDone?: boolean;
}

/** How often `status --watch` renders at least (times such as "held 2m" move on). */
const DEFAULT_INTERVAL_MS = 5_000;

const NO_AGENTS = (namespace: string | undefined) =>
  `patchwindow: no patchwindow agents found${namespace ? ` in namespace ${namespace}` : ''} (no ConfigMap labelled app.kubernetes.io/managed-by=patchwindow); apply or sync the rendered policies first\n`;

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
  if (input.configs.length === 0) io.stderr(NO_AGENTS(opts.namespace));
  return input;
}

export async function runStatus(io: CliIo, opts: StatusOptions): Promise<number> {
  if (opts.interval !== undefined && opts.interval < 1_000)
    throw new UsageError(`--interval ${opts.interval}ms is too short; use 1s or more (default 5s)`);
  if (opts.watch) return runStatusWatch(io, opts);
  if (opts.interval !== undefined || opts.untilDone)
    throw new UsageError('--interval and --until-done go with --watch');
  const [{ computeStatus }, { formatStatusJson, formatStatusText }] = await Promise.all([
    import('../reconciler/status/status.ts'),
    import('../reconciler/status/status-format.ts'),
  ]);
  const nowMs = io.now();
  const status = computeStatus(await readCluster(io, opts, nowMs));
  io.stdout(opts.format === 'json' ? formatStatusJson(status, nowMs) : formatStatusText(status, nowMs));
  return 0;
}

/** `status --watch`: the watches open (or a one-line error, exit 2), then frames until Ctrl-C or, with --until-done, the end. */
async function runStatusWatch(io: CliIo, opts: StatusOptions): Promise<number> {
  const [{ loadKubeConfig }, { watchStatusObjects }, { watchStatus }, { clusterError }, { systemClock }] =
    await Promise.all([
      import('../kube/config.ts'),
      import('../reconciler/status/status-live.ts'),
      import('../reconciler/status/status-watch.ts'),
      import('../kube/cluster-errors.ts'),
      import('../io/clock.ts'),
    ]);
  const kc = loadKubeConfig(opts.kubeconfig ? { ...io.env, KUBECONFIG: opts.kubeconfig } : io.env);
  const live = await watchStatusObjects(kc, opts.namespace ? { namespace: opts.namespace } : {}).catch(
    (err: unknown) => {
      throw clusterError(err, kc.getCurrentCluster()?.server ?? 'of the kubeconfig');
    },
  );
  try {
    if (live.objects().configs.length === 0) io.stderr(NO_AGENTS(opts.namespace));
    return await watchStatus({
      source: live,
      clock: systemClock,
      signal: io.stopSignal,
      write: io.stdout,
      warn: (w) => io.stderr(`patchwindow: warning: ${w}\n`),
      format: opts.format,
      tty: io.stdoutIsTTY === true,
      intervalMs: opts.interval ?? DEFAULT_INTERVAL_MS,
      untilDone: opts.untilDone === true,
    });
  } finally {
    live.stop();
  }
}

export const registerStatus: RegisterCommand = (root, io, run) => {
  root
    .command('status')
    .description(
      'show every node (policy, pool, reboot required since, phase, slot, blocker, next window) and every budget (unavailable, pending); with --watch, live',
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .option('--namespace <ns>', 'read the agents of this namespace only (default: every namespace)')
    .option('--kubeconfig <file>', 'kubeconfig to use (default $KUBECONFIG or ~/.kube/config)')
    .option(
      '--watch',
      'keep the view live from watches: per policy a progress bar ("rebooted/total": the nodes that needed a reboot when the watch started or came to need one since, and how many of them are settled now: no reboot-required label, no agent record, no grant), budget in use and what holds it; per node its phase, grant and why it waits. A terminal is redrawn in place; a pipe gets a frame, after a blank line and a timestamp, only when it changed (JSON: one line per change). Ctrl-C ends it (exit 0)',
    )
    .option('--interval <duration>', 'with --watch: render at least this often (default 5s)', durationArg)
    .option(
      '--until-done',
      'with --watch: exit 0 once no node a policy takes needs a reboot, has an agent record or holds a grant (at once if none does); exit 1 once a node is failed or a policy halted',
    )
    .action((opts: StatusOptions) => run(runStatus(io, opts)));
};
