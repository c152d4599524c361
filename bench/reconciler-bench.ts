// Validate + compile + render time and memory for a large policy set (run in its own process so
// the memory figures are this work's alone). Usage: node bench/reconciler-bench.ts [POLICIES] [POOLS]
// (default 1000 200: 200 policies taking one pool each, 800 nodeSelector policies with priorities).
import { performance } from 'node:perf_hooks';
import { compileFleet } from '../reconciler/render/compile.ts';
import { renderFiles, renderObjects } from '../reconciler/render/render.ts';
import { validateSources } from '../reconciler/validate/validate.ts';
import { syntheticPolicySet } from './policyset.ts';
import { median } from './stats.ts';

const policies = Number(process.argv[2] ?? 1000);
const pools = Number(process.argv[3] ?? 200);
const sources = syntheticPolicySet(policies, pools);
const nowMs = Date.parse('2026-11-24T12:00:00Z');

function once(): {
  validateMs: number;
  compileMs: number;
  objectsMs: number;
  yamlFilesMs: number;
  objects: number;
  bytes: number;
} {
  const t0 = performance.now();
  const result = validateSources(sources, { nowMs });
  if (!result.policySet)
    throw new Error(
      `synthetic set invalid: ${result.diagnostics
        .slice(0, 3)
        .map((d) => d.message)
        .join('; ')}`,
    );
  const t1 = performance.now();
  const compiled = compileFleet(result.policySet);
  const t2 = performance.now();
  const objects = renderObjects(compiled);
  const t3 = performance.now();
  const files = renderFiles(objects);
  const t4 = performance.now();
  return {
    validateMs: t1 - t0,
    compileMs: t2 - t1,
    objectsMs: t3 - t2,
    yamlFilesMs: t4 - t3,
    objects: objects.length,
    bytes: files.reduce((n, f) => n + f.content.length, 0),
  };
}

const before = process.memoryUsage();
const first = once(); // cold: includes ajv schema compilation and JIT warm-up
const runs = [once(), once(), once()];
const after = process.memoryUsage();
const warm = (k: 'validateMs' | 'compileMs' | 'objectsMs' | 'yamlFilesMs') => Math.round(median(runs.map((r) => r[k])));
console.log(
  JSON.stringify({
    policies,
    pools,
    objects: first.objects,
    outputBytes: first.bytes,
    coldTotalMs: Math.round(first.validateMs + first.compileMs + first.objectsMs + first.yamlFilesMs),
    // What `apply` and `reconcile` do (objects, no text), and what `render --out` adds (YAML files).
    warm: {
      validateMs: warm('validateMs'),
      compileMs: warm('compileMs'),
      objectsMs: warm('objectsMs'),
      yamlFilesMs: warm('yamlFilesMs'),
    },
    rssMiB: Math.round(after.rss / 1048576),
    rssGrowthMiB: Math.round((after.rss - before.rss) / 1048576),
    heapUsedMiB: Math.round(after.heapUsed / 1048576),
  }),
);
