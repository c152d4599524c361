// `patchwindow import-kured FILE... [--out DIR] [--fleet NAME] [--pool-label LABEL] [--allow-unmapped]`:
// a kured install's settings (chart values, DaemonSet) into a Fleet and a RebootPolicy, validated,
// with a report of what every setting became.
import { mkdir, readdir, writeFile } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { IoError, UsageError } from '../policy/errors.ts';
import { importKured } from '../reconciler/import/kured-import.ts';
import { importFiles } from '../reconciler/import/kured-yaml.ts';
import { formatErrors, formatReport } from '../reconciler/import/report.ts';
import type { CliIo, RegisterCommand } from './io.ts';
import { readArgFile } from './nodesfile.ts';
import { runValidate } from './validate.ts';

export interface ImportKuredOptions {
  readonly out: string;
  readonly fleet: string;
  readonly policy: string;
  readonly poolLabel: string;
  readonly namespace: string;
  readonly kuredNamespace: string;
  readonly allowUnmapped?: boolean;
}

async function writeFresh(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, { flag: 'wx' });
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IoError(
      `${path}: ${code === 'EEXIST' ? 'already exists; choose another --out directory or remove it' : `cannot be written (${code ?? String(err)})`}`,
      { cause: err },
    );
  }
}

export async function runImportKured(io: CliIo, files: readonly string[], opts: ImportKuredOptions): Promise<number> {
  if (files.length === 0)
    throw new UsageError('give the kured Helm values file and/or the kured DaemonSet manifest to import');
  for (const [flag, value] of [
    ['--fleet', opts.fleet],
    ['--policy', opts.policy],
  ] as const) {
    if (!/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/.test(value))
      throw new UsageError(`${flag} ${value}: not a DNS-1123 label (lower-case letters, digits and '-')`);
  }
  const sources = await Promise.all(
    files.map(async (file) => ({ file, text: await readArgFile(io, 'import-kured', file) })),
  );
  const result = importKured(sources, {
    fleetName: opts.fleet,
    policyName: opts.policy,
    poolLabel: opts.poolLabel,
    namespace: opts.namespace,
    kuredNamespace: opts.kuredNamespace,
    nowMs: io.now(),
  });
  if (result.errors.length > 0) {
    io.stderr(formatErrors(result.errors));
    io.stderr(
      `import-kured: ${result.errors.length} problem${result.errors.length === 1 ? '' : 's'}; nothing written\n`,
    );
    return 1;
  }
  const unmapped = result.findings.some((f) => f.verdict === 'unmapped');
  if (unmapped && !opts.allowUnmapped) {
    io.stdout(formatReport(result, undefined));
    io.stderr(
      'import-kured: some settings have no counterpart (see above); nothing written. Run again with --allow-unmapped to write the rest.\n',
    );
    return 1;
  }
  const out = resolve(io.cwd, opts.out);
  const policies = join(out, 'policies');
  await mkdir(policies, { recursive: true }).catch((err: unknown) => {
    throw new IoError(`--out ${opts.out}: cannot be created (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      cause: err,
    });
  });
  if ((await readdir(policies)).length > 0)
    throw new IoError(`--out ${opts.out}: ${relative(io.cwd, policies)} is not empty; choose another directory`);
  const texts = importFiles(result, files);
  const written = {
    fleet: join(policies, 'fleet.yaml'),
    policy: join(policies, `${opts.policy}.yaml`),
    install: join(out, 'install-settings.yaml'),
  };
  await writeFresh(written.fleet, texts.fleet);
  await writeFresh(written.policy, texts.policy);
  if (texts.install !== undefined) await writeFresh(written.install, texts.install);
  // What was written is checked by validate itself, as a user would run it.
  const valid = await runValidate(io, [policies], {
    format: 'text',
    ...(texts.install !== undefined ? { installSettings: written.install } : {}),
  });
  const shown = (p: string): string => relative(io.cwd, p) || p;
  io.stdout(
    formatReport(result, {
      fleet: shown(written.fleet),
      policy: shown(written.policy),
      ...(texts.install !== undefined ? { install: shown(written.install) } : {}),
    }),
  );
  return valid;
}

export const registerImportKured: RegisterCommand = (root, io, run) => {
  root
    .command('import-kured')
    .description(
      'write a Fleet and a RebootPolicy that behave as a kured install did (its chart values and/or DaemonSet), validate them, and report what every setting became',
    )
    .argument(
      '<files...>',
      'kured Helm values (helm get values RELEASE -o yaml) and/or the kured DaemonSet (kubectl get ds kured -o yaml)',
    )
    .option('--out <dir>', 'directory to write policies/ and install-settings.yaml into', 'from-kured')
    .option('--fleet <name>', 'name of the Fleet', 'kured')
    .option('--policy <name>', 'name of the RebootPolicy', 'kured')
    .option(
      '--pool-label <label>',
      "the Fleet's poolLabel: node label naming a node's pool (e.g. kubernetes.azure.com/agentpool)",
      'patchwindow.io/pool',
    )
    .option('--namespace <ns>', "patchwindow's agent namespace (where the notification Secret goes)", 'patchwindow')
    .option(
      '--kured-namespace <ns>',
      'namespace kured ran in, for Secrets its env vars read (a DaemonSet says its own)',
      'kube-system',
    )
    .option('--allow-unmapped', 'write the documents even when some settings have no counterpart')
    .action((files: string[], opts: ImportKuredOptions) => run(runImportKured(io, files, opts)));
};
