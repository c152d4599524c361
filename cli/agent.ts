// `patchwindow agent --config FILE [--dry-run]`: the node agent, as the DaemonSet of each policy
// runs it (reconciler/render/daemonset.ts): NODE_NAME from the downward API, host paths under
// PATCHWINDOW_HOST_ROOT, credentials from the pod's ServiceAccount. A supervisor that runs a
// worker in its process while the node needs one (agent/supervisor.ts). Runs until SIGTERM/SIGINT, then
// exits 0 with its state left on the Node. An invalid config exits 1 naming the file and field;
// a missing NODE_NAME or unreachable setup (credentials, boot id, port) exits 2.
// bin/patchwindow.js runs this command without the others (agent-main.ts): keep its imports light.
import { Option } from 'commander';
import { resolve } from 'node:path';
import { UsageError } from '../policy/errors.ts';
import type { CliIo, RegisterCommand } from './io.ts';
import { listenArg } from './listen.ts';

export interface AgentCommandOptions {
  readonly config: string;
  readonly dryRun: boolean;
  readonly hostRoot?: string;
  readonly listen?: { readonly host?: string; readonly port: number };
  readonly nsenter?: string;
  readonly logFormat?: 'json' | 'text';
}

/** The default of --host-root: where the DaemonSet mounts host paths. */
export const DEFAULT_HOST_ROOT = '/host';

export async function runAgentCommand(io: CliIo, opts: AgentCommandOptions): Promise<number> {
  const nodeName = io.env.NODE_NAME?.trim() ?? '';
  if (nodeName === '') {
    throw new UsageError(
      'NODE_NAME is not set; the agent needs the name of its Node (the DaemonSet sets it from spec.nodeName through the downward API)',
    );
  }
  const { agentMain } = await import('../agent/supervisor-main.ts');
  const nsenterPath = opts.nsenter ?? io.env.PATCHWINDOW_NSENTER;
  return agentMain({
    configPath: resolve(io.cwd, opts.config),
    nodeName,
    dryRun: opts.dryRun,
    hostRoot: resolve(io.cwd, opts.hostRoot ?? io.env.PATCHWINDOW_HOST_ROOT ?? DEFAULT_HOST_ROOT),
    ...(nsenterPath ? { nsenterPath } : {}),
    ...(opts.logFormat !== undefined ? { logFormat: opts.logFormat } : {}),
    listen: opts.listen ?? {},
    env: io.env,
    signal: io.stopSignal,
  });
}

export const registerAgent: RegisterCommand = (root, io, run) => {
  root
    .command('agent')
    .description(
      "run the node agent of a policy (its DaemonSet runs this): reboot this node when it needs it, inside the policy's windows and budget",
    )
    .requiredOption(
      '--config <file>',
      'the compiled AgentConfig (the DaemonSet mounts the policy ConfigMap at /etc/patchwindow/config.json)',
    )
    .option(
      '--dry-run',
      'take every decision but only say what it would do (Events "DryRun", log lines): never cordon, label, drain or reboot',
      false,
    )
    .option(
      '--host-root <dir>',
      `where host paths are mounted (default $PATCHWINDOW_HOST_ROOT, else ${DEFAULT_HOST_ROOT})`,
    )
    .addOption(
      new Option(
        '--listen <[host]:port>',
        'address of /metrics and /healthz (default: every interface, port agent.metricsPort of the config)',
      ).argParser(listenArg),
    )
    .addOption(
      new Option(
        '--log-format <format>',
        "json lines, or text like kured's for people reading kubectl logs (default: the Fleet's agent.logFormat, else json)",
      ).choices(['json', 'text']),
    )
    // For tests only: a stand-in for nsenter (also $PATCHWINDOW_NSENTER), so a test host can observe
    // the reboot command instead of rebooting. Never set it in a DaemonSet.
    .addOption(new Option('--nsenter <path>', 'testing only: the nsenter binary to run host commands with').hideHelp())
    .action((opts: AgentCommandOptions) => run(runAgentCommand(io, opts)));
};
