// The install settings on the command line: `--install-settings FILE` (what runs on the nodes and
// which Secrets notifications may read, chosen by the cluster admin, never read from git) and
// `--agent-image IMAGE`, which overrides the file's agent.image. Bad settings exit 2 with every
// problem printed, like any other unusable input of the command line.
import type { Command } from 'commander';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import packageJson from '../package.json' with { type: 'json' };
import { formatText } from '../policy/diagnostics.ts';
import { IoError, UsageError } from '../policy/errors.ts';
import { defaultInstallSettings, parseInstallSettings, type InstallSettings } from '../reconciler/validate/install.ts';
import type { CliIo } from './io.ts';

export interface InstallOptions {
  readonly installSettings?: string;
  readonly agentImage?: string;
}

/** Adds --install-settings and --agent-image to a command that loads policies. */
export function withInstallOptions(command: Command): Command {
  return command
    .option(
      '--install-settings <file>',
      'install settings of the cluster admin: agent image, host commands by name, notification Secret prefix (schemas/installsettings.schema.json); default: the built-in ones',
    )
    .option('--agent-image <image>', "the agents' image (overrides agent.image of --install-settings)");
}

/** The install settings the options name, defaults filled in. */
export async function readInstallSettings(io: CliIo, opts: InstallOptions): Promise<InstallSettings> {
  let settings = defaultInstallSettings(packageJson.version);
  if (opts.installSettings !== undefined) {
    const path = resolve(io.cwd, opts.installSettings);
    const text = await readFile(path, 'utf8').catch((err: unknown) => {
      throw new IoError(
        `cannot read the install settings ${opts.installSettings}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
      );
    });
    const parsed = parseInstallSettings(opts.installSettings, text, packageJson.version);
    if (!parsed.settings) {
      for (const d of parsed.diagnostics) io.stderr(`${formatText(d)}\n`);
      throw new UsageError(
        `the install settings ${opts.installSettings} are invalid (${parsed.diagnostics.length} problem${parsed.diagnostics.length === 1 ? '' : 's'} above); fix them, see schemas/installsettings.schema.json`,
      );
    }
    settings = parsed.settings;
  }
  if (opts.agentImage !== undefined) {
    if (opts.agentImage.trim() === '')
      throw new UsageError('--agent-image needs an image, e.g. registry.example.com/patchwindow:0.1.0');
    settings = { ...settings, agentImage: opts.agentImage };
  }
  return settings;
}
