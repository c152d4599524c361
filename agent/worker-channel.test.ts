// The supervisor-worker messages: what the supervisor accepts, and metric calls made in the worker
// arriving (through JSON, as the state of a process executed anew carries them, agent/reexec.ts) as
// the same series in the supervisor.
import { describe, expect, it } from 'vitest';
import { createAgentMetrics } from './adapters/metrics.ts';
import { processObserver } from './telemetry.ts';
import {
  applyMetricCall,
  livenessOverChannel,
  metricsOverChannel,
  workerMessage,
  type WorkerMessage,
} from './worker-channel.ts';

describe('worker messages', () => {
  it('accepts the messages of a worker and nothing else', () => {
    expect(workerMessage({ kind: 'idle' })).toEqual({ kind: 'idle' });
    expect(workerMessage({ kind: 'metric', call: 'setRebootLoop', args: [true] })).toEqual({
      kind: 'metric',
      call: 'setRebootLoop',
      args: [true],
    });
    expect(workerMessage({ kind: 'fatal', exitCode: 1, message: 'bad' })).toEqual({
      kind: 'fatal',
      exitCode: 1,
      message: 'bad',
    });
    for (const junk of [
      null,
      'idle',
      42,
      {},
      { kind: 'start' },
      { kind: 'metric', call: 'exposition', args: [] },
      { kind: 'metric', call: 'constructor', args: [] },
      { kind: 'metric', call: 'setRebootLoop' },
      { kind: 'fatal', exitCode: 0, message: 'x' },
      { kind: 'fatal', exitCode: 1 },
      { kind: 'ready' },
      { kind: 'progress', nextByMs: '5' },
      { kind: 'progress' },
    ]) {
      expect(workerMessage(junk), JSON.stringify(junk)).toBeUndefined();
    }
  });

  it("puts the worker's observations on the supervisor's series as if they were made there", () => {
    const direct = createAgentMetrics({ node: 'n1', policy: 'general', processMetrics: false });
    const supervisor = createAgentMetrics({ node: 'n1', policy: 'general', processMetrics: false });
    const progress: (number | null)[] = [];
    const send = (m: WorkerMessage): void => {
      const carried = workerMessage(JSON.parse(JSON.stringify(m)));
      if (carried?.kind === 'metric') applyMetricCall(supervisor, carried);
      if (carried?.kind === 'progress') progress.push(carried.nextByMs);
    };
    const observe = (o: ReturnType<typeof processObserver>): void => {
      o.rebootRequired(true);
      o.phase('draining');
      o.blocked([{ kind: 'pod', pod: 'ml/train-0' }]);
      o.drained(true, 42_500);
      o.rebooted(1_000);
      o.failed('reboot');
      o.rebootLoop(true);
      o.progress?.(5_000);
      o.progress?.(Infinity);
    };
    observe(processObserver(direct, { progressed() {}, healthy: () => true }));
    const worker = metricsOverChannel(send);
    observe(processObserver(worker, livenessOverChannel(send)));
    worker.setNotificationFailed('slack', 1_780_000_100_000);
    direct.setNotificationFailed('slack', 1_780_000_100_000);
    expect(supervisor.exposition()).toBe(direct.exposition());
    expect(supervisor.exposition()).toContain('patchwindow_phase{node="n1",policy="general",phase="draining"} 1');
    expect(progress).toEqual([5_000, null]);
  });
});
