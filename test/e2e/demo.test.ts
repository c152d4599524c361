// `npm run demo` (scripts/demo.ts) as a new user runs it: its own control plane, the policies shown
// (validate, windows, forecast, plan), a live rollout of real agents and a coordinator on simulated
// hosts shown through `patchwindow status --watch --until-done`, and everything removed at the end.
// It starts a second control plane beside the suite's (seconds; the binaries are cached by then).
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

const run = promisify(execFile);

describe('npm run demo', () => {
  it('shows the policies and a rollout over two pools to the end, then cleans up', async () => {
    const result = await run(process.execPath, [resolve('scripts/demo.ts')], { maxBuffer: 64 * 1024 * 1024 }).then(
      (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
    );
    expect(result.code, `${result.out}\n${result.err}`).toBe(0);
    const { out } = result;
    for (const n of [1, 2, 3, 4, 5, 6, 7]) expect(out).toMatch(new RegExp(`^== ${n}\\. `, 'm'));
    expect(out).toMatch(/^\$ patchwindow validate .*\n.*valid/m);
    expect(out).toContain('$ patchwindow forecast ');
    expect(out).toContain('$ patchwindow plan ');
    // The plan shows the change of the general policy's budget.
    expect(out.slice(out.indexOf('$ patchwindow plan '))).toMatch(/general[\s\S]*maxUnavailable|budget/i);
    // Live status from `status --watch --until-done`: frames while the rollout ran (a node holding a
    // grant), the last one with both pools done.
    expect(out).toMatch(/^\$ patchwindow status --watch --until-done --namespace \S+$/m);
    const frames = out.split(/^--- \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC\n/m).slice(1);
    expect(frames.length).toBeGreaterThan(1);
    expect(frames.some((f) => /^\S+ +(system|general) +\w+ +held /m.test(f))).toBe(true);
    expect(frames.at(-1)).toMatch(/^system +\[##########\] 2\/2 rebooted +0\/1 +-$/m);
    expect(frames.at(-1)).toMatch(/^general +\[##########\] 4\/4 rebooted +0\/2 +-$/m);
    expect(out.match(/: rebooted 1 time\(s\)$/gm)).toHaveLength(6);
    expect(out).toContain('budgets and the fleet cap held throughout');
    expect(out).toContain('Demo finished: every node rebooted once, within its budget.');
    // Its control plane is gone (the dir is removed after a green run).
    const kubeconfig = /KUBECONFIG=(\S+)/.exec(out)![1]!;
    expect(existsSync(dirname(kubeconfig))).toBe(false);
  }, 600_000);
});
