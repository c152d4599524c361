// `patchwindow report [--since 7d] [--format text|markdown|json] [--namespace NS]`: patch compliance
// read from the cluster of the current kubeconfig — per policy and node, since when a reboot is
// pending (overdue past maxPendingDays), the windows missed since then and why, the last reboot, and
// the reboots and failures since --since.
import { Option } from 'commander';
import { UsageError } from '../policy/errors.ts';
import { durationArg } from './args.ts';
import type { CliIo, RegisterCommand } from './io.ts';
import { readCluster } from './status.ts';

export interface ReportOptions {
  readonly since: number;
  readonly format: 'text' | 'markdown' | 'json';
  readonly namespace?: string;
  readonly kubeconfig?: string;
}

const DEFAULT_SINCE_MS = 7 * 86_400_000;

export async function runReport(io: CliIo, opts: ReportOptions): Promise<number> {
  if (opts.since <= 0) throw new UsageError('--since must be longer than 0s; use e.g. --since 7d');
  const [{ computeReport }, { formatReportJson, formatReportMarkdown, formatReportText }] = await Promise.all([
    import('../reconciler/status/report.ts'),
    import('../reconciler/status/report-format.ts'),
  ]);
  const nowMs = io.now();
  const input = await readCluster(io, opts, nowMs);
  const report = computeReport({ ...input, fromMs: nowMs - opts.since });
  const format = { text: formatReportText, markdown: formatReportMarkdown, json: formatReportJson }[opts.format];
  io.stdout(format(report));
  return 0;
}

export const registerReport: RegisterCommand = (root, io, run) => {
  root
    .command('report')
    .description(
      'patch compliance from the cluster: per policy and node, reboot pending since (overdue past maxPendingDays), windows missed and why, last reboot, reboots and failures of the period',
    )
    .addOption(
      new Option('--since <duration>', 'list reboots and failures of this period, back from now')
        .argParser(durationArg)
        .default(DEFAULT_SINCE_MS, '7d'),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'markdown', 'json']).default('text'))
    .option('--namespace <ns>', 'read the agents of this namespace only (default: every namespace)')
    .option('--kubeconfig <file>', 'kubeconfig to use (default $KUBECONFIG or ~/.kube/config)')
    .action((opts: ReportOptions) => run(runReport(io, opts)));
};
