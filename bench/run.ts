// `npm run bench [-- NAME... [-- ARG...]]`: runs every bench/*-bench.ts (or those whose name
// contains one of NAME) in its own Node process, one after another so they do not disturb each
// other's timings, and prints the figures each one writes to stdout (one JSON line per
// measurement). ARGs after a second `--` go to every bench run (a subset of a bench's sizes, e.g.
// `npm run bench -- coordinator -- 20 200 --window 60`). A bench that fails is reported with the
// end of its stderr; the others still run, and the exit code is 1.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const dir = new URL('.', import.meta.url).pathname;
const argv = process.argv.slice(2);
const split = argv.indexOf('--');
const filters = split < 0 ? argv : argv.slice(0, split);
const passed = split < 0 ? [] : argv.slice(split + 1);
const benches = readdirSync(dir)
  .filter((f) => f.endsWith('-bench.ts'))
  .filter((f) => filters.length === 0 || filters.some((n) => f.includes(n)))
  .sort();
if (benches.length === 0) {
  console.error(`bench: no bench/*-bench.ts matches ${filters.join(', ')}`);
  process.exit(2);
}

const failed: string[] = [];
for (const file of benches) {
  const name = file.replace(/\.ts$/, '');
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [join(dir, file), ...passed], {
    cwd: join(dir, '..'),
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  const seconds = ((performance.now() - t0) / 1000).toFixed(1);
  const ok = r.status === 0;
  console.log(`== ${name} (${seconds}s${ok ? '' : `, failed: ${r.error?.message ?? `exit ${r.status ?? r.signal}`}`})`);
  for (const line of r.stdout.split('\n').filter((l) => l.trim().length > 0)) console.log(line);
  if (!ok) {
    failed.push(name);
    for (const line of r.stderr.trimEnd().split('\n').slice(-15)) console.log(`  ! ${line}`);
  }
}
if (failed.length > 0) {
  console.log(`\n${failed.length} of ${benches.length} bench(es) failed: ${failed.join(', ')}`);
  process.exitCode = 1;
}
