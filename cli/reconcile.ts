// `patchwindow reconcile --repo URL --ref BRANCH --path DIR [--schedule CRON] ...`: the long-running
// in-cluster reconciler (reconciler/gitops/controller.ts). Runs until SIGTERM/SIGINT, then shuts down
// gracefully and exits 0. Startup problems (no kubeconfig, bad schedule, port taken) exit 2.
import { Option } from 'commander';
import { createHash, randomBytes } from 'node:crypto';
import { hostname, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { LOG_LEVELS, type LogLevel } from '../io/log.ts';
import { durationArg } from './args.ts';
import type { CliIo, RegisterCommand } from './io.ts';
import { listenArg } from './listen.ts';
import { readInstallSettings, withInstallOptions, type InstallOptions } from './install.ts';
import { webhookGuard } from './webhook.ts';
import { DEFAULT_FORGE_API_URL, pullRequestsOf } from './forge.ts';

export interface ReconcileOptions extends InstallOptions {
  readonly webhookSecretFile?: string;
  readonly webhookUnauthenticated?: boolean;
  readonly repo: string;
  readonly ref: string;
  readonly path: string;
  readonly schedule: string;
  readonly cacheDir?: string;
  readonly gitTokenFile?: string;
  readonly gitUsername?: string;
  readonly gitSshKey?: string;
  readonly gitKnownHosts?: string;
  readonly gitTimeout: number;
  readonly namespace?: string;
  readonly agentNamespace?: string;
  readonly lease: string;
  readonly statusConfigmap: string;
  readonly identity?: string;
  readonly leaseDuration: number;
  readonly renewInterval: number;
  readonly listen: { readonly host?: string; readonly port: number };
  readonly advertiseUrl?: string;
  readonly shutdownGrace: number;
  readonly maxCycle: number;
  readonly kubeconfig?: string;
  readonly logLevel: LogLevel;
  readonly haltToGit?: 'commit' | 'branch' | 'pull-request';
  readonly forgeApiUrl?: string;
  readonly forgeTokenFile?: string;
  readonly forgeRepo?: string;
}

function duration(flags: string, description: string, defaultMs: number, shown: string): Option {
  return new Option(flags, description).argParser(durationArg).default(defaultMs, shown);
}

function stopped(signal: AbortSignal): Promise<void> {
  return new Promise((done) =>
    signal.aborted ? done() : signal.addEventListener('abort', () => done(), { once: true }),
  );
}

export async function runReconcile(io: CliIo, opts: ReconcileOptions): Promise<number> {
  const [
    { validateDetailed },
    { loadKubeConfig },
    { GitSource },
    { createReconcilerLog },
    { startController },
    { systemClock },
    errors,
  ] = await Promise.all([
    import('node-cron'),
    import('../kube/config.ts'),
    import('../reconciler/gitops/gitsource.ts'),
    import('../reconciler/gitops/log.ts'),
    import('../reconciler/gitops/controller.ts'),
    import('../io/clock.ts'),
    import('../policy/errors.ts'),
  ]);
  const { ensureNamespace } = await import('../kube/namespace.ts');
  const cron = validateDetailed(opts.schedule);
  if (!cron.valid) {
    throw new errors.UsageError(
      `--schedule "${opts.schedule}" is not a cron expression (${cron.errors.map((e) => e.message).join('; ')}); e.g. "*/2 * * * *" for every 2 minutes`,
    );
  }
  if (opts.renewInterval >= opts.leaseDuration)
    throw new errors.UsageError('--renew-interval must be shorter than --lease-duration');
  if (opts.gitSshKey && !opts.gitKnownHosts)
    throw new errors.UsageError('--git-ssh-key needs --git-known-hosts: host keys are always checked');
  if (opts.webhookSecretFile !== undefined && opts.webhookUnauthenticated) {
    throw new errors.UsageError('give --webhook-secret-file or --webhook-unauthenticated, not both');
  }
  const pullRequests = await pullRequestsOf(io, opts);
  const install = await readInstallSettings(io, opts);
  const kc = loadKubeConfig(opts.kubeconfig ? { ...io.env, KUBECONFIG: opts.kubeconfig } : io.env);
  const namespace =
    opts.namespace ?? io.env.POD_NAMESPACE ?? kc.getContextObject(kc.getCurrentContext())?.namespace ?? 'patchwindow';
  const cacheKey = createHash('sha256').update(`${opts.repo}\n${opts.ref}`).digest('hex').slice(0, 12);
  const source = new GitSource({
    url: opts.repo,
    ref: opts.ref,
    cacheDir: opts.cacheDir ? resolve(io.cwd, opts.cacheDir) : join(tmpdir(), 'patchwindow-reconciler', cacheKey),
    timeoutMs: opts.gitTimeout,
    credentials: {
      ...(opts.gitTokenFile ? { tokenFile: resolve(io.cwd, opts.gitTokenFile) } : {}),
      ...(opts.gitUsername ? { username: opts.gitUsername } : {}),
      ...(opts.gitSshKey ? { sshKeyFile: resolve(io.cwd, opts.gitSshKey) } : {}),
      ...(opts.gitKnownHosts ? { knownHostsFile: resolve(io.cwd, opts.gitKnownHosts) } : {}),
    },
  });
  const log = createReconcilerLog({
    level: opts.logLevel,
    secrets: () => [...source.knownSecrets(), ...(pullRequests?.knownSecrets() ?? [])],
  });
  if ((await ensureNamespace(kc, namespace)) === 'created')
    log.info({ namespace }, `created namespace ${namespace} for the leader Lease and status (it did not exist)`);
  const podIp = io.env.POD_IP;
  const controller = await startController({
    kc,
    source,
    policyPath: opts.path,
    schedule: opts.schedule,
    namespace,
    agentNamespace: opts.agentNamespace ?? namespace,
    install,
    webhook: webhookGuard(io, opts),
    identity: opts.identity ?? io.env.POD_NAME ?? `${hostname()}-${randomBytes(4).toString('hex')}`,
    leaseName: opts.lease,
    statusName: opts.statusConfigmap,
    leaseMs: opts.leaseDuration,
    renewMs: opts.renewInterval,
    port: opts.listen.port,
    ...(opts.listen.host ? { host: opts.listen.host } : {}),
    advertiseUrl: (port) =>
      opts.advertiseUrl ?? `http://${podIp ? (podIp.includes(':') ? `[${podIp}]` : podIp) : '127.0.0.1'}:${port}/sync`,
    shutdownGraceMs: opts.shutdownGrace,
    maxCycleMs: opts.maxCycle,
    log,
    clock: systemClock,
    ...(opts.haltToGit ? { haltToGit: opts.haltToGit } : {}),
    ...(pullRequests ? { pullRequests } : {}),
  });
  await stopped(io.stopSignal);
  log.info({ graceMs: opts.shutdownGrace }, 'stop requested; finishing the running cycle, if any');
  await controller.stop();
  log.flush();
  return 0;
}

export const registerReconcile: RegisterCommand = (root, io, run) => {
  withInstallOptions(root.command('reconcile'))
    .description(
      'run the in-cluster reconciler: follow a git branch, apply and prune the rendered agents on a schedule and on POST /sync',
    )
    .requiredOption(
      '--repo <url>',
      'policy repository (https://, ssh://, git@host:path or file://); credentials in it are masked everywhere',
    )
    .option('--ref <branch>', 'branch (or full ref) to follow; force-pushes are followed', 'main')
    .option('--path <dir>', 'directory of the policies inside the repository', '.')
    .option(
      '--schedule <cron>',
      'when to run a cycle (cron, 5 or 6 fields); runs that would overlap are skipped',
      '*/2 * * * *',
    )
    .option('--cache-dir <dir>', 'where the clone is kept (default: a directory under the system temp dir)')
    .option('--git-token-file <file>', 'file with an HTTPS token (sent as basic auth; re-read every cycle)')
    .option('--git-username <name>', 'user name sent with the token', 'git')
    .option('--git-ssh-key <file>', 'SSH private key for ssh:// and git@host:path URLs (needs --git-known-hosts)')
    .option('--git-known-hosts <file>', 'known_hosts file; host keys are always checked')
    .option(
      '--webhook-secret-file <file>',
      "POST /sync must prove this secret: GitHub's X-Hub-Signature-256 or GitLab's X-Gitlab-Token (re-read at each request); without it /sync answers 401",
    )
    .option(
      '--webhook-unauthenticated',
      'let anyone who reaches POST /sync trigger a cycle (only behind a trusted network)',
    )
    .addOption(
      duration('--git-timeout <duration>', 'kill a git command that shows no progress for this long', 120_000, '2m'),
    )
    .option(
      '--namespace <ns>',
      'namespace of the leader Lease, the status ConfigMap and Events (default $POD_NAMESPACE, the kubeconfig context namespace, or patchwindow)',
    )
    .option('--agent-namespace <ns>', "the Fleet's spec.namespace this reconciler may apply to (default: --namespace)")
    .option('--lease <name>', 'name of the leader election Lease', 'patchwindow-reconciler')
    .option('--status-configmap <name>', 'name of the status ConfigMap', 'patchwindow-reconciler-status')
    .option('--identity <id>', 'this replica in the Lease (default $POD_NAME, else host name and a random suffix)')
    .addOption(
      duration('--lease-duration <duration>', 'a leader that has not renewed for this long is replaced', 15_000, '15s'),
    )
    .addOption(duration('--renew-interval <duration>', 'how often the leader renews the Lease', 5_000, '5s'))
    .addOption(
      new Option('--listen <[host]:port>', 'address of /metrics, /healthz, /readyz and POST /sync')
        .argParser(listenArg)
        .default({ port: 8080 }, ':8080'),
    )
    .option(
      '--advertise-url <url>',
      "how other replicas reach this one's POST /sync (default http://$POD_IP:PORT/sync, or 127.0.0.1 without POD_IP)",
    )
    .addOption(
      duration(
        '--shutdown-grace <duration>',
        'on SIGTERM, how long a running cycle may take to finish before it is aborted',
        30_000,
        '30s',
      ),
    )
    .addOption(
      duration('--max-cycle <duration>', '/healthz fails when one cycle runs longer than this', 600_000, '10m'),
    )
    .addOption(
      new Option(
        '--halt-to-git <mode>',
        'record pools that halted themselves (spec.halt) in the repository as paused: true — `commit` pushes onto --ref, `branch` pushes patchwindow/halt-<policy> for review, `pull-request` pushes that branch and opens a pull request into --ref (GitHub API, see --forge-*); needs push rights for the git credentials',
      ).choices(['commit', 'branch', 'pull-request']),
    )
    .option(
      '--forge-api-url <url>',
      `GitHub REST API base for --halt-to-git pull-request; https://HOST/api/v3 for GitHub Enterprise Server (default ${DEFAULT_FORGE_API_URL})`,
    )
    .option(
      '--forge-token-file <file>',
      'file with a GitHub token that may open pull requests (re-read at each use, never logged); needed by --halt-to-git pull-request',
    )
    .option(
      '--forge-repo <owner/name>',
      'the repository the pull requests are opened in (default: taken from the --repo URL, https or ssh form)',
    )
    .option('--kubeconfig <file>', 'kubeconfig to use (default $KUBECONFIG, ~/.kube/config, or the pod ServiceAccount)')
    .addOption(new Option('--log-level <level>', 'least severe log level written').choices(LOG_LEVELS).default('info'))
    .action((opts: ReconcileOptions) => run(runReconcile(io, opts)));
};
