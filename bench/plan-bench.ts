// `plan` on a repository with a long history: builds a repository of N commits with git
// fast-import (each commit moves a window of the example by a minute), then times
// `patchwindow plan --base <first commit>` as a user runs it, in a fresh process.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { median } from './stats.ts';

const commits = Number(process.argv[2] ?? 1000);
const root = new URL('..', import.meta.url).pathname;
const repo = mkdtempSync(join(tmpdir(), 'patchwindow-plan-bench-'));
try {
  execFileSync('git', ['init', '-q', '-b', 'main', repo]);
  const files = readdirSync(join(root, 'policies-example')).sort();
  const texts = Object.fromEntries(files.map((f) => [f, readFileSync(join(root, 'policies-example', f), 'utf8')]));
  let stream = '';
  const blob = (text: string) => `data ${Buffer.byteLength(text)}\n${text}\n`;
  for (let i = 0; i < commits; i++) {
    const minute = String(i % 60).padStart(2, '0');
    const system = texts['system.yaml']!.replace('start: "01:00"', `start: "01:${minute}"`);
    stream += `commit refs/heads/main\nmark :${i + 1}\ncommitter bench <bench@example.invalid> ${1_700_000_000 + i * 60} +0000\n${blob(`commit ${i}`)}`;
    if (i > 0) stream += `from :${i}\n`;
    for (const f of files) stream += `M 100644 inline policies/${f}\n${blob(f === 'system.yaml' ? system : texts[f]!)}`;
    stream += '\n';
  }
  execFileSync('git', ['fast-import', '--quiet'], { cwd: repo, input: stream });
  execFileSync('git', ['checkout', '-q', 'main'], { cwd: repo });
  const first = execFileSync('git', ['rev-list', '--max-parents=0', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  const count = execFileSync('git', ['rev-list', '--count', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
  const times: number[] = [];
  let output = '';
  for (let run = 0; run < 3; run++) {
    const t0 = performance.now();
    const r = spawnSync(
      process.execPath,
      [join(root, 'bin/patchwindow.js'), 'plan', 'policies', '--base', first, '--format', 'json'],
      { cwd: repo, encoding: 'utf8' },
    );
    times.push(performance.now() - t0);
    if (r.status !== 0) throw new Error(`plan exited ${r.status}: ${r.stderr}`);
    output = r.stdout;
  }
  const plan = JSON.parse(output) as { objects?: { changed?: unknown[] } };
  console.log(
    JSON.stringify({
      commits: Number(count),
      planMs: Math.round(median(times)),
      changedObjects: plan.objects?.changed?.length ?? null,
    }),
  );
} finally {
  rmSync(repo, { recursive: true, force: true });
}
