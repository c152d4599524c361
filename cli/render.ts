// `patchwindow render [PATH...] --out DIR | --stdout [--clean]`: validate, compile and render the
// agents' objects, into a directory Flux or Argo CD can sync, or as one YAML stream.
import { resolve } from 'node:path';
import { UsageError } from '../policy/errors.ts';
import { compileFleet } from '../reconciler/render/compile.ts';
import { writeOutputDir } from '../reconciler/render/outdir.ts';
import { renderFiles, renderObjects, renderStream } from '../reconciler/render/render.ts';
import type { CliIo, RegisterCommand } from './io.ts';
import { loadPolicySet } from './policies.ts';
import { withInstallOptions, type InstallOptions } from './install.ts';

export interface RenderOptions extends InstallOptions {
  readonly out?: string;
  readonly stdout?: boolean;
  readonly clean?: boolean;
}

export async function runRender(io: CliIo, paths: readonly string[], opts: RenderOptions): Promise<number> {
  if ((opts.out === undefined) === !opts.stdout) {
    throw new UsageError('give exactly one of --out DIR (write a directory) and --stdout (print one YAML stream)');
  }
  if (opts.clean && opts.out === undefined) throw new UsageError('--clean only applies with --out DIR');
  // Validation comes first: on invalid policies nothing is written.
  const set = await loadPolicySet(io, paths, { quietWarnings: true, install: opts });
  const compiled = compileFleet(set);
  for (const w of compiled.warnings) io.stderr(`patchwindow: warning: ${w}\n`);
  const objects = renderObjects(compiled);
  if (opts.out === undefined) {
    io.stdout(renderStream(objects));
    return 0;
  }
  const dir = resolve(io.cwd, opts.out);
  const result = await writeOutputDir(dir, renderFiles(objects), { clean: opts.clean ?? false });
  const removed = result.removed.length > 0 ? `; removed ${result.removed.join(', ')}` : '';
  io.stderr(
    `rendered ${objects.length} objects of fleet ${compiled.fleet.name} into ${opts.out} (${result.written.length} files${removed})\n`,
  );
  return 0;
}

export const registerRender: RegisterCommand = (root, io, run) => {
  withInstallOptions(root.command('render'))
    .description(
      'validate the policies and render the agent objects (Namespace, RBAC, a ConfigMap and DaemonSet per policy, kustomization.yaml)',
    )
    .argument('[paths...]', 'policy files or directories; default .')
    .option('--out <dir>', 'write one file per object and kustomization.yaml into this directory')
    .option('--stdout', 'print every object as one YAML stream instead')
    .option('--clean', 'with --out: delete files in the directory that render did not write')
    .action((paths: string[], opts: RenderOptions) => run(runRender(io, paths, opts)));
};
