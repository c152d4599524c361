// `patchwindow windows [PATH...] --policy NAME`: the next effective windows of a policy.
import { formatInstant, formatZoned } from '../policy/calendar.ts';
import { formatDuration } from '../policy/duration.ts';
import { UsageError } from '../policy/errors.ts';
import { nextWindows } from '../policy/windows.ts';
import { Option } from 'commander';
import { instantArg, positiveIntArg } from './args.ts';
import type { CliIo, RegisterCommand } from './io.ts';
import { loadPolicySet } from './policies.ts';
import { withInstallOptions, type InstallOptions } from './install.ts';

/** How far ahead `windows` looks before it gives up on finding `count` windows. */
export const WINDOWS_HORIZON_MS = 400 * 86_400_000;

export interface WindowsOptions extends InstallOptions {
  readonly policy: string;
  readonly from?: number;
  readonly count: number;
  readonly format: 'text' | 'json';
}

export async function runWindows(io: CliIo, paths: readonly string[], opts: WindowsOptions): Promise<number> {
  const set = await loadPolicySet(io, paths, { quietWarnings: true, install: opts });
  const policy = set.policies.find((p) => p.name === opts.policy);
  if (!policy) {
    throw new UsageError(
      `--policy ${opts.policy}: no such policy; the policies are ${set.policies.map((p) => p.name).join(', ')}`,
    );
  }
  const fromMs = opts.from ?? io.now();
  const windows = nextWindows(policy.schedule, fromMs, opts.count, WINDOWS_HORIZON_MS);
  if (opts.format === 'json') {
    const out = {
      policy: policy.name,
      windows: windows.map((w) => ({ start: formatInstant(w.startMs), end: formatInstant(w.endMs) })),
    };
    io.stdout(`${JSON.stringify(out, null, 2)}\n`);
    return 0;
  }
  const zone = policy.schedule.timeZone;
  io.stdout(
    `policy ${policy.name}: next ${windows.length} effective window${windows.length === 1 ? '' : 's'} from ${formatInstant(fromMs)} (time zone ${zone})\n`,
  );
  if (windows.length === 0) {
    io.stdout(`  none within ${WINDOWS_HORIZON_MS / 86_400_000} days: blackouts or a pause cover every window\n`);
  }
  for (const w of windows) {
    io.stdout(
      `  ${formatZoned(w.startMs, zone)} → ${formatZoned(w.endMs, zone)}   (UTC ${formatInstant(w.startMs)} → ${formatInstant(w.endMs)}, ${formatDuration(w.endMs - w.startMs)})\n`,
    );
  }
  return 0;
}

export const registerWindows: RegisterCommand = (root, io, run) => {
  withInstallOptions(root.command('windows'))
    .description("list a policy's next effective windows (windows minus blackouts and pause)")
    .argument('[paths...]', 'policy files or directories; default .')
    .requiredOption('--policy <name>', 'the RebootPolicy')
    .option('--from <instant>', 'list windows that end after this instant (default now)', instantArg)
    .option('--count <n>', 'how many windows', positiveIntArg, 10)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((paths: string[], opts: WindowsOptions) => run(runWindows(io, paths, opts)));
};
