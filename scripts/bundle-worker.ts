// Bundles the agent's worker (agent/worker.ts and everything it imports, the Kubernetes client
// included) into one ES module file, which `npm run build` writes over dist/agent/worker.js.
//
// Why: the supervisor starts a worker the moment a sentinel appears and again after every boot, so
// the worker's start is on the path from the sentinel to the cordon and from Ready to the uncordon
// (issue 19). Loading its ~400 module files one by one is most of that start: Node resolves, reads
// and links each (package.json lookups, path and URL work). Importing the worker's modules took
// 0.8–0.9 s of CPU from dist/ and 0.26–0.32 s from one bundled file (three imports each, 2-vCPU VM
// at a load average of about 25); spawn -> ready: `node bench/worker-start-bench.ts`. Only the
// worker is bundled: the supervisor must stay small at idle (docs/decisions/0006-light-idle-agent.md),
// and the other roles start once.
import { basename, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'rolldown';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The worker's entry in the sources. */
export const WORKER_SOURCE = `${root}agent/worker.ts`;

/** Writes the worker and everything it imports, Node's built-ins aside, to `outFile`. */
export async function bundleWorker(outFile: string): Promise<void> {
  await build({
    input: WORKER_SOURCE,
    platform: 'node',
    logLevel: 'warn',
    // What the worker imports only when a policy needs it (nodemailer, at the first mail) goes to
    // chunks beside it, so a start parses only what every worker runs.
    output: {
      dir: dirname(outFile),
      entryFileNames: basename(outFile),
      chunkFileNames: `${basename(outFile, '.js')}-[name]-[hash].js`,
      format: 'esm',
      minify: false,
    },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const out = process.argv[2];
  if (out === undefined) {
    console.error('usage: node scripts/bundle-worker.ts OUT_FILE   (npm run build writes dist/agent/worker.js)');
    process.exit(2);
  }
  await bundleWorker(out);
  console.log(`wrote ${out}`);
}
