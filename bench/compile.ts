// The benches' build of the project as the image's `npm run build` makes it (tsc, tsconfig.build.json),
// into .cache/NAME of the repository; the caller bundles the worker where it needs the bundle.
import { spawnSync } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { bundleWorker } from '../scripts/bundle-worker.ts';

/** Compiles the project into .cache/`name`; returns that directory. */
export function compileInto(name: string): string {
  const root = new URL('..', import.meta.url).pathname;
  const outDir = join(root, '.cache', name);
  const tsc = spawnSync(
    process.execPath,
    [join(root, 'node_modules/typescript/bin/tsc'), '-p', join(root, 'tsconfig.build.json'), '--outDir', outDir],
    { encoding: 'utf8' },
  );
  if (tsc.status !== 0) throw new Error(`tsc failed: ${tsc.stdout}${tsc.stderr}`);
  return outDir;
}

/** The NODE_OPTIONS of the rendered agent container (reconciler/render/daemonset.ts). */
export const DAEMONSET_NODE_OPTIONS = '--max-semi-space-size=1';

/**
 * Compiles the CLI like the image does (tsc, the worker bundled as `npm run build` ships it) into
 * .cache/`name`; returns an entry script with bin/patchwindow.js's dispatch (`agent` loads the
 * agent command alone, everything else the whole CLI).
 */
export async function buildCompiledCli(name: string): Promise<string> {
  const outDir = compileInto(name);
  await bundleWorker(join(outDir, 'agent', 'worker.js'));
  await mkdir(outDir, { recursive: true });
  const entry = join(outDir, 'patchwindow.mjs');
  await writeFile(
    entry,
    "const argv = process.argv.slice(2);\nconst { main } = await import(argv[0] === 'agent' ? './cli/agent-main.js' : './cli/main.js');\nprocess.exitCode = await main(argv);\n",
  );
  return entry;
}
