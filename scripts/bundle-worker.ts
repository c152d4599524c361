// Bundles the agent's worker (agent/worker.ts and everything it imports) into one ES module file,
// which `npm run build` writes over dist/agent/worker.js, and chunks beside it of what only some
// policies or set-ups load.
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
      // V8 keeps a module's source for as long as the process runs (it compiles functions lazily
      // from it), and stores a source with one character beyond Latin-1 as two bytes a character:
      // the worker's 1.1 MB source took 2.3 MB of the waiting agent's heap. ASCII only, without
      // comments and whitespace, it takes about a quarter of that. Names are kept (stack traces,
      // `constructor.name`) and nothing is rewritten.
      charset: 'ascii',
      comments: false,
      minify: { compress: false, mangle: false, codegen: { removeWhitespace: true } },
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
