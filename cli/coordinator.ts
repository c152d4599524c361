// `patchwindow coordinator --config-dir DIR`: the Fleet's coordinator, as its Deployment runs it
// (reconciler/render/coordinator.ts): grants reboots to the nodes that ask, by policy, window and
// budget (docs/decisions/0007). Two replicas elect a leader; only the leader grants. Runs until
// SIGTERM/SIGINT, then exits 0 (grants already given stay with their nodes). An invalid config
// exits 1 naming the file and field; unreadable config, no credentials or a taken port exit 2.
import { Option } from 'commander';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { LOG_LEVELS, type LogLevel } from '../io/log.ts';
import { UsageError } from '../policy/errors.ts';
import { durationArg } from './args.ts';
import type { CliIo, RegisterCommand } from './io.ts';
import { listenArg } from './listen.ts';

export interface CoordinatorCommandOptions {
  readonly configDir: string;
  readonly identity?: string;
  readonly listen: { readonly host?: string; readonly port: number };
  readonly leaseDuration: number;
  readonly renewInterval: number;
  readonly gateRecheck: number;
  readonly kubeconfig?: string;
  readonly logLevel: LogLevel;
}

export async function runCoordinatorCommand(io: CliIo, opts: CoordinatorCommandOptions): Promise<number> {
  if (opts.renewInterval >= opts.leaseDuration)
    throw new UsageError('--renew-interval must be shorter than --lease-duration');
  const [{ loadKubeConfig }, { coordinatorMain }, { readFleetConfig }, { createCoordinatorLog }, { systemClock }] =
    await Promise.all([
      import('../kube/config.ts'),
      import('../coordinator/main.ts'),
      import('../coordinator/config.ts'),
      import('../coordinator/log.ts'),
      import('../io/clock.ts'),
    ]);
  // The config first: an invalid one is the user's to fix (exit 1), whatever the credentials.
  const fleet = await readFleetConfig(resolve(io.cwd, opts.configDir));
  const identity = opts.identity ?? io.env.POD_NAME ?? `${hostname()}-${randomBytes(4).toString('hex')}`;
  const kc = loadKubeConfig(opts.kubeconfig ? { ...io.env, KUBECONFIG: opts.kubeconfig } : io.env);
  const log = createCoordinatorLog({ level: opts.logLevel, identity });
  try {
    return await coordinatorMain({
      kc,
      fleet,
      identity,
      listen: opts.listen,
      leaseMs: opts.leaseDuration,
      renewMs: opts.renewInterval,
      gateRecheckMs: opts.gateRecheck,
      clock: systemClock,
      log,
      signal: io.stopSignal,
    });
  } finally {
    log.flush();
  }
}

export const registerCoordinator: RegisterCommand = (root, io, run) => {
  root
    .command('coordinator')
    .description(
      "run the Fleet's coordinator (its Deployment runs this): grant reboots to the nodes that ask, by policy window, budget and fleet cap",
    )
    .requiredOption(
      '--config-dir <dir>',
      "directory of the compiled AgentConfig of every policy, one <policy>.json each (the Deployment mounts the policies' ConfigMaps there)",
    )
    .option('--identity <name>', 'name in the leader election (default $POD_NAME, else host name and a random suffix)')
    .addOption(
      new Option('--listen <[host]:port>', 'address of /metrics, /healthz and /readyz')
        .argParser(listenArg)
        .default({ port: 9090 }, ':9090'),
    )
    .addOption(
      new Option('--lease-duration <duration>', 'leader election: a leader not renewing for this long is replaced')
        .argParser(durationArg)
        .default(15_000, '15s'),
    )
    .addOption(
      new Option('--renew-interval <duration>', 'leader election: how often the leader renews')
        .argParser(durationArg)
        .default(5_000, '5s'),
    )
    .addOption(
      new Option('--gate-recheck <duration>', 'while a health gate holds a policy, read its objects again this often')
        .argParser(durationArg)
        .default(10_000, '10s'),
    )
    .option('--kubeconfig <file>', 'kubeconfig (default: $KUBECONFIG, else in-cluster credentials)')
    .addOption(new Option('--log-level <level>', 'least severe level logged').choices([...LOG_LEVELS]).default('info'))
    .action((opts: CoordinatorCommandOptions) => run(runCoordinatorCommand(io, opts)));
};
