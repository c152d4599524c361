// What `patchwindow agent` loads: its supervisor stays up on every node, so its module graph must
// stay small (docs/decisions/0006-light-idle-agent.md). A fresh Node process loads the agent's
// entry and the supervisor's wiring, and the test lists the packages and built-ins they brought in.
// The memory this saves is measured by bench/cluster-bench.ts (BENCHMARKS.md), not asserted here.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

const PROBE = `
import { registerHooks } from 'node:module';
const urls = [];
registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
const { main } = await import('./cli/agent-main.ts');
await import('./agent/supervisor-main.ts');
console.log(JSON.stringify({ main: typeof main, urls, builtins: process.moduleLoadList }));
`;

function loaded(): { urls: string[]; builtins: string[] } {
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', PROBE], { cwd: ROOT, encoding: 'utf8' });
  expect(run.status, run.stderr).toBe(0);
  const out = JSON.parse(run.stdout) as { main: string; urls: string[]; builtins: string[] };
  expect(out.main).toBe('function');
  return out;
}

describe("the agent's supervisor", () => {
  it('loads no package but commander, and none of the worker, the loop or the Kubernetes client', () => {
    const { urls } = loaded();
    const packages = new Set(urls.flatMap((u) => /\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(u)?.[1] ?? []));
    expect([...packages]).toEqual(['commander']);
    const own = urls
      .filter((u) => u.startsWith('file:') && !u.includes('/node_modules/'))
      .map((u) => u.slice(`file://${ROOT}`.length));
    expect(own).toContain('agent/supervisor.ts');
    for (const heavy of [
      'agent/main.ts',
      'agent/worker.ts',
      'agent/loop.ts',
      'cli/main.ts',
      'cli/commands.ts',
      'policy/schema.ts',
      'policy/calendar.ts',
    ]) {
      expect(own, heavy).not.toContain(heavy);
    }
  });

  it('loads node:http without the built-ins its ES module namespace would pull in (undici, tls, http2, zlib)', () => {
    const { builtins } = loaded();
    expect(builtins).toContain('NativeModule http');
    for (const heavy of [
      'NativeModule internal/deps/undici/undici',
      'NativeModule tls',
      'NativeModule http2',
      'NativeModule zlib',
      'NativeModule worker_threads',
      'NativeModule crypto',
    ]) {
      expect(builtins, heavy).not.toContain(heavy);
    }
  });
});
