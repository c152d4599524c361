// Cold-cache builds that tests need besides the control plane, started at the global setup so they
// overlap with the control plane's build instead of running one after another inside the test files
// that use them. Each script is idempotent and takes a flock on its cache, so a test file that runs
// the same script while its prebuild is still going waits for it and reuses the result; with a warm
// cache a script only checks its files. A failed prebuild is only logged: the test file runs the
// script again and reports the error itself.
import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';

export interface PrebuildTask {
  readonly name: string;
  readonly args: readonly string[];
  /** Test files that run this script; the prebuild starts only when one of them is in the run. */
  readonly usedBy: readonly string[];
}

export const PREBUILDS: readonly PrebuildTask[] = [
  {
    name: 'tools',
    args: ['test/testenv/build-tools.sh'],
    usedBy: ['test/integration/helm.test.ts', 'test/install/workflows.test.ts'],
  },
  { name: 'promtool', args: ['test/testenv/build-promtool.sh'], usedBy: ['test/unit/monitoring.test.ts'] },
  // `build` only (not `rootfs`): the image test unpacks the result itself.
  { name: 'image', args: ['test/testenv/image.sh', 'build', '.'], usedBy: ['test/integration/image.test.ts'] },
];

/**
 * The prebuilds a run needs. `filters` are vitest's file filters (substrings of test file paths;
 * none: every file runs).
 */
export function prebuildsFor(filters: readonly string[] | undefined, tasks = PREBUILDS): PrebuildTask[] {
  if (!filters || filters.length === 0) return [...tasks];
  return tasks.filter((t) =>
    t.usedBy.some((file) => filters.some((f) => resolve(file).includes(f.replace(/^\.\//, '')))),
  );
}

export interface Prebuilds {
  /** Resolves with the names of the scripts that failed once every started one has exited; never rejects. */
  readonly done: Promise<string[]>;
}

/**
 * Starts `tasks` in parallel from `cwd`, at the lowest CPU priority; their output goes to
 * `<logDir>/prebuild-<name>.log`.
 */
export function startPrebuilds(tasks: readonly PrebuildTask[], cwd: string, logDir: string): Prebuilds {
  const runs = tasks.map(
    (task) =>
      new Promise<string | undefined>((done) => {
        const logPath = join(logDir, `prebuild-${task.name}.log`);
        const log = createWriteStream(logPath);
        // At the lowest priority: the control plane's build, which every cluster test file waits for,
        // gets the cores first; these use what it leaves (its link steps, and the cluster tests' waits).
        const child = spawn('nice', ['-n', '19', 'bash', ...task.args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
        child.stdout.pipe(log, { end: false });
        child.stderr.pipe(log, { end: false });
        const started = Date.now();
        child.on('error', (err) => {
          log.end(`prebuild ${task.name}: ${err.message}\n`);
          done(task.name);
        });
        child.on('close', (code) => {
          const seconds = Math.round((Date.now() - started) / 1000);
          if (code !== 0) console.error(`testenv: prebuild ${task.name} failed (exit ${code}); see ${logPath}`);
          log.end(`prebuild ${task.name}: exit ${code} after ${seconds}s\n`);
          done(code === 0 ? undefined : task.name);
        });
      }),
  );
  return { done: Promise.all(runs).then((names) => names.filter((n) => n !== undefined)) };
}
