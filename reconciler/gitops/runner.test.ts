import { describe, expect, it } from 'vitest';
import { FakeClock } from '../../test/fakes/clock.ts';
import { CycleRunner } from './runner.ts';

/** A cycle the test finishes by hand; records starts and whether each saw an abort. */
function manualCycles() {
  const runs: { finish: () => void; aborted: () => boolean }[] = [];
  const run = (signal: AbortSignal) =>
    new Promise<void>((resolve) => {
      runs.push({ finish: resolve, aborted: () => signal.aborted });
    });
  return { runs, run };
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('CycleRunner', () => {
  it('skips scheduled ticks while a cycle runs', async () => {
    const { runs, run } = manualCycles();
    const runner = new CycleRunner(run, new FakeClock(0));
    expect(runner.tick()).toBe('started');
    expect(runner.tick()).toBe('skipped');
    expect(runner.tick()).toBe('skipped');
    expect(runs).toHaveLength(1);
    runs[0]!.finish();
    await runner.idle();
    expect(runner.busy).toBe(false);
    expect(runs).toHaveLength(1);
    expect(runner.tick()).toBe('started');
    expect(runs).toHaveLength(2);
  });

  it('coalesces sync requests during a cycle into one follow-up cycle', async () => {
    const { runs, run } = manualCycles();
    const runner = new CycleRunner(run, new FakeClock(0));
    expect(runner.trigger()).toBe('started');
    expect(runner.trigger()).toBe('queued');
    expect(runner.trigger()).toBe('queued');
    expect(runner.tick()).toBe('skipped');
    runs[0]!.finish();
    await settle();
    expect(runs).toHaveLength(2);
    expect(runner.busy).toBe(true);
    runs[1]!.finish();
    await runner.idle();
    expect(runs).toHaveLength(2);
  });

  it('keeps running after a cycle that throws, and reports it', async () => {
    const errors: unknown[] = [];
    let calls = 0;
    const runner = new CycleRunner(
      () => {
        calls++;
        return Promise.reject(new Error('bug'));
      },
      new FakeClock(0),
      (err) => errors.push(err),
    );
    runner.tick();
    await runner.idle();
    runner.tick();
    await runner.idle();
    expect(calls).toBe(2);
    expect(errors.map(String)).toEqual(['Error: bug', 'Error: bug']);
  });

  it('cancel aborts the running cycle and drops the queued follow-up', async () => {
    const { runs, run } = manualCycles();
    const runner = new CycleRunner(run, new FakeClock(0));
    runner.trigger();
    runner.trigger();
    runner.cancel();
    expect(runs[0]!.aborted()).toBe(true);
    runs[0]!.finish();
    await runner.idle();
    expect(runs).toHaveLength(1);
  });

  it('stops at once when idle and accepts no cycle afterwards', async () => {
    const { runs, run } = manualCycles();
    const runner = new CycleRunner(run, new FakeClock(0));
    expect(await runner.stop(30_000)).toBe('idle');
    expect(runner.tick()).toBe('stopped');
    expect(runner.trigger()).toBe('stopped');
    expect(runs).toHaveLength(0);
  });

  it('lets a running cycle finish within the grace period, without its follow-up', async () => {
    const { runs, run } = manualCycles();
    const clock = new FakeClock(0);
    const runner = new CycleRunner(run, clock);
    runner.trigger();
    runner.trigger();
    const stopped = runner.stop(30_000);
    await clock.advance(10_000);
    expect(runs[0]!.aborted()).toBe(false);
    runs[0]!.finish();
    expect(await stopped).toBe('finished');
    expect(runs).toHaveLength(1);
  });

  it('aborts a cycle that outlasts the grace period', async () => {
    const { runs, run } = manualCycles();
    const clock = new FakeClock(0);
    const runner = new CycleRunner(run, clock);
    runner.tick();
    const stopped = runner.stop(30_000, 5_000);
    await clock.advance(30_000);
    expect(runs[0]!.aborted()).toBe(true);
    runs[0]!.finish();
    expect(await stopped).toBe('aborted');
  });

  it('reports a cycle that ignores the abort as abandoned', async () => {
    const { runs, run } = manualCycles();
    const clock = new FakeClock(0);
    const runner = new CycleRunner(run, clock);
    runner.tick();
    const stopped = runner.stop(1_000, 2_000);
    await clock.advance(3_000);
    expect(await stopped).toBe('abandoned');
    expect(runs[0]!.aborted()).toBe(true);
    expect(runner.busy).toBe(true);
  });

  it('tells since when the running cycle runs', async () => {
    const { runs, run } = manualCycles();
    const clock = new FakeClock(5_000);
    const runner = new CycleRunner(run, clock);
    expect(runner.busySinceMs).toBeUndefined();
    runner.tick();
    await clock.advance(1_000);
    expect(runner.busySinceMs).toBe(5_000);
    runs[0]!.finish();
    await runner.idle();
    expect(runner.busySinceMs).toBeUndefined();
  });
});
