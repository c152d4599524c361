// The benches' build of the project as the image's `npm run build` makes it (tsc, tsconfig.build.json),
// into .cache/NAME of the repository; the caller bundles the worker where it needs the bundle.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

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
