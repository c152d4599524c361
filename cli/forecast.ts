// `patchwindow forecast [PATH...] (--nodes FILE | --pool NAME=COUNT ...) [--pending all|FILE]
// [--from ISO] [--drain D] [--reboot D] [--horizon 30d] [--format text|json]`: simulates the
// rollout with the agent's own decision core on a virtual clock and says, per policy, when the
// first and the last node finish, the windows used and why a policy would not finish.
import { InvalidArgumentError, Option } from 'commander';
import { UsageError } from '../policy/errors.ts';
import { DEFAULT_HORIZON_MS } from '../reconciler/forecast/defaults.ts';
import { durationArg, instantArg } from './args.ts';
import type { CliIo, RegisterCommand } from './io.ts';
import { readArgFile } from './nodesfile.ts';
import { loadPolicySet } from './policies.ts';
import { withInstallOptions, type InstallOptions } from './install.ts';

export interface ForecastOptions extends InstallOptions {
  readonly nodes?: string;
  readonly pool: readonly { readonly pool: string; readonly count: number }[];
  readonly pending: string;
  readonly from?: number;
  readonly drain?: number;
  readonly reboot?: number;
  readonly horizon: number;
  readonly format: 'text' | 'json';
}

const MAX_POOL_NODES = 100_000;

function poolArg(value: string, previous: ForecastOptions['pool']): ForecastOptions['pool'] {
  const match = /^([^=\s]+)=([1-9]\d*)$/.exec(value);
  if (!match || Number(match[2]) > MAX_POOL_NODES)
    throw new InvalidArgumentError(
      `not NAME=COUNT; use e.g. --pool general=20 (a pool label value and 1..${MAX_POOL_NODES} nodes)`,
    );
  if (previous.some((p) => p.pool === match[1])) throw new InvalidArgumentError(`pool ${match[1]} given twice`);
  return [...previous, { pool: match[1]!, count: Number(match[2]) }];
}

/** Nodes named `<pool>-<n>` with the Fleet's pool label. */
function poolNodes(
  pools: ForecastOptions['pool'],
  poolLabel: string,
): { name: string; labels: Record<string, string> }[] {
  return pools.flatMap(({ pool, count }) => {
    const width = String(count).length;
    return Array.from({ length: count }, (_, i) => ({
      name: `${pool}-${String(i + 1).padStart(width, '0')}`,
      labels: { [poolLabel]: pool },
    }));
  });
}

/** `--pending FILE`: node names, one per line; blank lines and `#` comments ignored. */
async function readPending(io: CliIo, file: string, known: ReadonlySet<string>): Promise<Set<string>> {
  const text = await readArgFile(io, '--pending', file);
  const names = text
    .split(/\r?\n/)
    .map((l) => l.replace(/#.*/, '').trim())
    .filter((l) => l.length > 0);
  const unknown = names.filter((n) => !known.has(n));
  if (unknown.length > 0) {
    throw new UsageError(
      `--pending ${file}: ${unknown.length} name(s) are not nodes of the forecast: ${unknown.slice(0, 5).join(', ')}${unknown.length > 5 ? ', ...' : ''}; list node names, one per line`,
    );
  }
  return new Set(names);
}

export async function runForecast(io: CliIo, paths: readonly string[], opts: ForecastOptions): Promise<number> {
  if ((opts.nodes === undefined) === (opts.pool.length === 0))
    throw new UsageError('give either --nodes FILE or --pool NAME=COUNT (one or more), not both and not neither');
  if ((opts.reboot ?? 1) <= 0 || opts.horizon <= 0)
    throw new UsageError('--reboot and --horizon must be longer than 0s');
  const set = await loadPolicySet(io, paths, { quietWarnings: true, install: opts });
  const [{ compileFleet }, { forecast }, { forecastJson, forecastText }, { readNodesFile }] = await Promise.all([
    import('../reconciler/render/compile.ts'),
    import('../reconciler/forecast/forecast.ts'),
    import('../reconciler/forecast/format.ts'),
    import('./nodesfile.ts'),
  ]);
  const fleet = compileFleet(set);
  const nodes =
    opts.nodes !== undefined ? await readNodesFile(io, opts.nodes) : poolNodes(opts.pool, fleet.fleet.poolLabel);
  const pending =
    opts.pending === 'all' ? undefined : await readPending(io, opts.pending, new Set(nodes.map((n) => n.name)));
  const result = forecast({
    fleet,
    nodes,
    ...(pending ? { pending } : {}),
    fromMs: opts.from ?? io.now(),
    ...(opts.drain === undefined ? {} : { drainMs: opts.drain }),
    ...(opts.reboot === undefined ? {} : { rebootMs: opts.reboot }),
    horizonMs: opts.horizon,
  });
  io.stdout(
    opts.format === 'json' ? forecastJson(result) : forecastText(result, { fromIsNow: opts.from === undefined }),
  );
  return 0;
}

export const registerForecast: RegisterCommand = (root, io, run) => {
  withInstallOptions(root.command('forecast'))
    .description(
      "simulate the rollout with the agent's own decisions: when each policy's nodes finish, windows used, and what keeps a pool from finishing",
    )
    .argument('[paths...]', 'policy files or directories; default .')
    .option('--nodes <file>', 'output of kubectl get nodes -o yaml (or -o json): the nodes to simulate')
    .option('--pool <name=count>', 'instead of --nodes: COUNT nodes whose pool label is NAME (repeatable)', poolArg, [])
    .option('--pending <all|file>', 'which nodes need a reboot: all, or a file of node names, one per line', 'all')
    .option('--from <instant>', 'when the rollout starts (default now)', instantArg)
    .addOption(
      new Option(
        '--drain <duration>',
        "how long draining a node takes, in every policy (default: each policy's drain.timeout, the longest a drain may take)",
      ).argParser(durationArg),
    )
    .addOption(
      new Option(
        '--reboot <duration>',
        "from the reboot command until the node is Ready again, in every policy (default: each policy's reboot.expectedDuration)",
      ).argParser(durationArg),
    )
    .addOption(
      new Option('--horizon <duration>', 'report nodes not done this long after --from')
        .argParser(durationArg)
        .default(DEFAULT_HORIZON_MS, '30d'),
    )
    .addOption(new Option('--format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action((paths: string[], opts: ForecastOptions) => run(runForecast(io, paths, opts)));
};
