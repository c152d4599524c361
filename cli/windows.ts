// `patchwindow windows [PATH...] --policy NAME`: the next effective windows of a policy, and the
// occurrences blackouts or the pause removed or shortened in that time, with what removed them.
import { formatInstant, formatZoned } from '../policy/calendar.ts';
import { formatDuration } from '../policy/duration.ts';
import { UsageError } from '../policy/errors.ts';
import { nextWindows } from '../policy/windows.ts';
import { skippedOccurrences, type Removal } from '../policy/skipped.ts';
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
  // The time the list covers: up to the last window listed, or the whole horizon when it ran short.
  const untilMs = windows.length === opts.count ? windows.at(-1)!.endMs : fromMs + WINDOWS_HORIZON_MS;
  // Between listed windows every skipped one is listed; over a whole horizon without enough windows
  // (a pause can remove every occurrence) at most --count.
  const allSkipped = skippedOccurrences(policy.schedule, fromMs, untilMs);
  const skipped = windows.length === opts.count ? allSkipped : allSkipped.slice(0, opts.count);
  const more = allSkipped.length - skipped.length;
  if (opts.format === 'json') {
    const out = {
      policy: policy.name,
      windows: windows.map((w) => ({ start: formatInstant(w.startMs), end: formatInstant(w.endMs) })),
      skipped: skipped.map((o) => ({
        start: formatInstant(o.startMs),
        end: formatInstant(o.endMs),
        effect: o.effect,
        removedBy: o.removedBy.map(removalJson),
      })),
      moreSkipped: more,
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
  if (skipped.length > 0) io.stdout('skipped or shortened by blackouts or the pause in that time:\n');
  for (const o of skipped) {
    const why = o.removedBy.map((r) => removalText(r, zone)).join('; ');
    io.stdout(
      `  ${formatZoned(o.startMs, zone)} → ${formatZoned(o.endMs, zone)}  ${o.effect === 'skipped' ? 'skipped:' : 'shortened by'} ${why}\n`,
    );
  }
  if (more > 0) io.stdout(`  and ${more} more; --count N lists more\n`);
  return 0;
}

function removalText(r: Removal, zone: string): string {
  if (r.kind === 'pause')
    return r.untilMs === null
      ? 'the pause (paused: true)'
      : `the pause until ${formatZoned(r.untilMs, zone)} (pausedUntil)`;
  const { blackout: b, interval: i } = r;
  return `blackout "${b.reason}" (${b.source}) ${formatZoned(i.startMs, zone)} → ${formatZoned(i.endMs, zone)}`;
}

function removalJson(r: Removal): Record<string, unknown> {
  if (r.kind === 'pause') return { kind: 'pause', until: r.untilMs === null ? null : formatInstant(r.untilMs) };
  return {
    kind: 'blackout',
    reason: r.blackout.reason,
    source: r.blackout.source,
    start: formatInstant(r.interval.startMs),
    end: formatInstant(r.interval.endMs),
  };
}

export const registerWindows: RegisterCommand = (root, io, run) => {
  withInstallOptions(root.command('windows'))
    .description(
      "list a policy's next effective windows (windows minus blackouts and pause), and the occurrences blackouts or the pause skipped or shortened",
    )
    .argument('[paths...]', 'policy files or directories; default .')
    .requiredOption('--policy <name>', 'the RebootPolicy')
    .option('--from <instant>', 'list windows that end after this instant (default now)', instantArg)
    .option('--count <n>', 'how many windows', positiveIntArg, 10)
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((paths: string[], opts: WindowsOptions) => run(runWindows(io, paths, opts)));
};
