// The agent's supervisor with scripted workers on a fake clock: when it starts workers, how it
// checks the sentinel while idle, restarts after crashes, stops on a bad setup or a signal, and what
// /metrics and /healthz say (real HTTP on loopback). Real processes: test/unit/agent-processes.test.ts.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeClock } from '../test/fakes/clock.ts';
import { IoError, PolicyError } from '../policy/errors.ts';
import { createHost } from './adapters/host.ts';
import { watchSentinelFile, type SentinelWatch } from './adapters/sentinel-watch.ts';
import { SENTINEL_SAFETY_POLL_MS } from './sentinel-wait.ts';
import {
  IDLE_ANEW,
  MAX_RESTART_BACKOFF_MS,
  supervise,
  type ResumeState,
  type WorkerEnd,
  type WorkerHandle,
} from './supervisor.ts';
import { LIVENESS_GRACE_MS } from './telemetry.ts';
import type { SupervisorMessage, WorkerMessage, WorkerSettings } from './worker-channel.ts';

const START = Date.parse('2026-11-24T12:00:00Z');
const CHECK_MS = 60_000;
const SETTINGS: WorkerSettings = {
  policy: 'general',
  logLevel: 'info',
  checkIntervalMs: CHECK_MS,
  metricsPort: 9464,
  reboot: {
    method: 'command',
    command: ['/bin/systemctl', 'reboot'],
    signal: 39,
    sentinelFile: '/var/run/reboot-required',
    sentinelCommand: null,
  },
};

/** A worker the test plays: it says what the test makes it say and ends when the test says so. */
class FakeWorker implements WorkerHandle {
  readonly pid: number;
  readonly received: SupervisorMessage[] = [];
  readonly signals: string[] = [];
  readonly ended: Promise<WorkerEnd>;
  #listeners: ((m: WorkerMessage) => void)[] = [];
  #end!: (end: WorkerEnd) => void;

  constructor(pid: number) {
    this.pid = pid;
    this.ended = new Promise((resolve) => (this.#end = resolve));
  }

  onMessage(listener: (m: WorkerMessage) => void): void {
    this.#listeners.push(listener);
  }

  send(m: SupervisorMessage): void {
    this.received.push(m);
  }

  kill(signal: 'SIGTERM' | 'SIGKILL'): void {
    this.signals.push(signal);
  }

  say(m: WorkerMessage): void {
    for (const l of this.#listeners) l(m);
  }

  exit(code: number | null, signal: string | null = null): void {
    this.#end({ code, signal });
  }

  get started(): boolean {
    return this.received.some((m) => m.kind === 'start');
  }
}

interface Run {
  readonly clock: FakeClock;
  readonly workers: FakeWorker[];
  readonly logs: Record<string, unknown>[];
  readonly stop: AbortController;
  /** Sentinel checks so far. */
  readonly checks: () => number;
  sentinel: boolean | Error;
  /** What supervise ended with: its exit code, or the error it threw. */
  readonly result: Promise<number | Error>;
  readonly settled: () => boolean;
  /** Base URL of /metrics and /healthz once served. */
  readonly base: () => string;
}

let current: Run | undefined;
afterEach(async () => {
  // A test that failed half-way leaves its supervisor running: stop it and its workers.
  if (current !== undefined && !current.settled()) {
    current.stop.abort();
    for (const w of current.workers) w.exit(0);
    await current.result;
  }
  current = undefined;
});

interface StartOptions {
  listen?: { host?: string; port?: number };
  /** Checks the sentinel on a host root (the real host adapter) instead of `run.sentinel`. */
  hostRoot?: string;
  watchSentinel?: (sentinelFile: string) => SentinelWatch;
  resume?: ResumeState;
  shed?: (state: ResumeState) => boolean;
}

function start(o: StartOptions = {}): Run {
  const clock = new FakeClock(START);
  const workers: FakeWorker[] = [];
  const logs: Record<string, unknown>[] = [];
  const stop = new AbortController();
  let checks = 0;
  let settled = false;
  const run: Run = {
    clock,
    workers,
    logs,
    stop,
    checks: () => checks,
    sentinel: false,
    settled: () => settled,
    base() {
      const port = logs.find((l) => typeof l.port === 'number')?.port;
      if (typeof port !== 'number') throw new Error('not serving yet');
      return `http://127.0.0.1:${port}`;
    },
    result: Promise.resolve(0),
  };
  (run as { result: Promise<number | Error> }).result = supervise({
    nodeName: 'n1',
    dryRun: false,
    listen: o.listen ?? { host: '127.0.0.1', port: 0 },
    launcher: {
      start() {
        const w = new FakeWorker(1000 + workers.length);
        workers.push(w);
        return w;
      },
    },
    sentinel: (settings) => {
      const host = o.hostRoot === undefined ? undefined : createHost({ ...settings.reboot, hostRoot: o.hostRoot });
      return {
        rebootRequired() {
          checks++;
          if (host !== undefined) return host.rebootRequired();
          return run.sentinel instanceof Error ? Promise.reject(run.sentinel) : Promise.resolve(run.sentinel);
        },
      };
    },
    ...(o.watchSentinel !== undefined ? { watchSentinel: o.watchSentinel } : {}),
    ...(o.resume !== undefined ? { resume: o.resume } : {}),
    ...(o.shed !== undefined ? { shed: o.shed } : {}),
    clock,
    writeLog: (line) => logs.push(JSON.parse(line) as Record<string, unknown>),
    processMetrics: false,
    signal: stop.signal,
  }).then(
    (code) => {
      settled = true;
      return code;
    },
    (err: unknown) => {
      settled = true;
      return err as Error;
    },
  );
  current = run;
  return run;
}

/** Waits (real time, for sockets) until `condition` holds; fails the test after 5 s. */
async function until(what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i >= 500) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** The worker says it is ready and the test waits until the supervisor let it start. */
async function ready(r: Run, w: FakeWorker, settings: WorkerSettings = SETTINGS): Promise<void> {
  w.say({ kind: 'ready', settings });
  await until('the worker to be let start', () => w.started);
}

/** The worker ends idle, as a worker does (message, then exit 0). */
async function idle(r: Run, w: FakeWorker): Promise<void> {
  w.say({ kind: 'idle' });
  w.exit(0);
  await until('the supervisor to go idle', () => r.logs.some((l) => l.idle === true && l.worker === w.pid));
}

async function scrape(r: Run): Promise<string> {
  const res = await fetch(`${r.base()}/metrics`);
  expect(res.status).toBe(200);
  return res.text();
}

async function health(r: Run): Promise<number> {
  return (await fetch(`${r.base()}/healthz`)).status;
}

const n = 'node="n1",policy="general"';

describe('the supervisor', () => {
  it('starts a worker at once, serves /metrics and /healthz when it is ready, then lets it start', async () => {
    const r = start();
    await r.clock.settle();
    expect(r.workers).toHaveLength(1);
    expect(r.workers[0]!.received).toEqual([]);
    await ready(r, r.workers[0]!);
    expect(r.logs.map((l) => l.msg)).toEqual([
      'serving /metrics and /healthz on port ' + String(r.logs[0]!.port),
      'agent worker started',
    ]);
    expect(r.logs.every((l) => l.node === 'n1' && l.policy === 'general' && l.process === 'supervisor')).toBe(true);
    expect(await health(r)).toBe(200);
  });

  it('checks the sentinel every checkInterval while the worker is gone, and starts one when the sentinel appears', async () => {
    const r = start();
    await r.clock.settle();
    await ready(r, r.workers[0]!);
    await idle(r, r.workers[0]!);
    // Checked at once when the worker left, then every interval; no worker meanwhile.
    await r.clock.settle();
    expect(r.checks()).toBe(1);
    await r.clock.advance(CHECK_MS - 1);
    expect(r.checks()).toBe(1);
    await r.clock.advance(1);
    expect(r.checks()).toBe(2);
    await r.clock.advance(5 * CHECK_MS);
    expect([r.checks(), r.workers.length]).toEqual([7, 1]);

    r.sentinel = true;
    await r.clock.advance(CHECK_MS - 1);
    expect(r.workers).toHaveLength(1);
    await r.clock.advance(1);
    expect([r.checks(), r.workers.length]).toEqual([8, 2]);
    expect(r.logs.at(-1)).toMatchObject({
      rebootRequired: true,
      msg: 'the node needs a reboot (sentinel found): starting the agent worker',
    });
    // The second worker is let start at once: the port is already served.
    await ready(r, r.workers[1]!);
  });

  it('starts a worker when the sentinel cannot be checked, so that it reports it', async () => {
    const r = start();
    await r.clock.settle();
    await ready(r, r.workers[0]!);
    await idle(r, r.workers[0]!);
    r.sentinel = new Error('cannot check the sentinel file /var/run/reboot-required: EACCES');
    await r.clock.advance(CHECK_MS);
    expect(r.workers).toHaveLength(2);
    expect(
      r.logs.some(
        (l) => l.level === 'warn' && l.err === 'cannot check the sentinel file /var/run/reboot-required: EACCES',
      ),
    ).toBe(true);
  });

  it('starts a crashed worker again after 1 s, 2 s, 4 s..., and after 1 s again once a worker ran a while', async () => {
    const r = start();
    await r.clock.settle();
    const warnings = () => r.logs.filter((l) => l.level === 'warn');
    const crashAndWait = async (w: FakeWorker, code: number | null, signal: string | null, expectedMs: number) => {
      const workers = r.workers.length;
      const seen = warnings().length;
      w.exit(code, signal);
      await until('the crash to be seen', () => warnings().length > seen);
      await r.clock.advance(expectedMs - 1);
      expect(r.workers, `not before ${expectedMs} ms`).toHaveLength(workers);
      await r.clock.advance(1);
      expect(r.workers).toHaveLength(workers + 1);
    };
    await crashAndWait(r.workers[0]!, 70, null, 1_000);
    await crashAndWait(r.workers[1]!, null, 'SIGKILL', 2_000);
    await crashAndWait(r.workers[2]!, 1, null, 4_000);
    // A worker that worked for the longest back-off before it crashed starts the count over.
    await ready(r, r.workers[3]!);
    await r.clock.advance(MAX_RESTART_BACKOFF_MS);
    await crashAndWait(r.workers[3]!, 70, null, 1_000);
    expect(warnings().map((l) => [l.restartInMs, l.code, l.signal])).toEqual([
      [1_000, 70, null],
      [2_000, null, 'SIGKILL'],
      [4_000, 1, null],
      [1_000, 70, null],
    ]);
    expect(warnings()[1]!.msg).toBe('agent worker ended unexpectedly (signal SIGKILL); starting it again in 2s');
  });

  it('counts a worker that exits 0 without saying idle as a crash', async () => {
    const r = start();
    await r.clock.settle();
    await ready(r, r.workers[0]!);
    r.workers[0]!.exit(0);
    await until('the crash to be seen', () => r.logs.some((l) => l.level === 'warn'));
    expect(r.checks()).toBe(0);
    await r.clock.advance(1_000);
    expect(r.workers).toHaveLength(2);
  });

  it('stops with exit 1 and the message when the worker finds the config invalid, 2 for the other setup problems', async () => {
    const message = '/etc/patchwindow/config.json: policy.drain.timeoutMs: "x" is not a whole number';
    const r = start();
    await r.clock.settle();
    r.workers[0]!.say({ kind: 'fatal', exitCode: 1, message });
    r.workers[0]!.exit(1);
    const err = await r.result;
    expect(err).toBeInstanceOf(PolicyError);
    expect((err as Error).message).toBe(message);
    // Nothing was served, no worker started again.
    expect(r.logs.filter((l) => typeof l.port === 'number')).toEqual([]);
    expect(r.workers).toHaveLength(1);

    const r2 = start();
    await r2.clock.settle();
    r2.workers[0]!.say({
      kind: 'fatal',
      exitCode: 2,
      message: "cannot read the host's boot id at /host/proc/sys/kernel/random/boot_id: ENOENT",
    });
    r2.workers[0]!.exit(2);
    expect(await r2.result).toBeInstanceOf(IoError);
  });

  it('stops with exit 2 when the metrics port cannot be bound, after stopping the worker', async () => {
    const taken = createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as { port: number }).port;
    try {
      const r = start({ listen: { host: '127.0.0.1', port } });
      await r.clock.settle();
      const w = r.workers[0]!;
      w.say({ kind: 'ready', settings: SETTINGS });
      await until('the worker to be stopped', () => w.signals.length > 0);
      expect(w.signals).toEqual(['SIGTERM']);
      expect(w.started).toBe(false);
      w.exit(0);
      const err = await r.result;
      expect(err).toBeInstanceOf(IoError);
      expect((err as Error).message).toMatch(
        new RegExp(`^cannot serve metrics on 127\\.0\\.0\\.1:${port}: listen EADDRINUSE`),
      );
    } finally {
      taken.close();
    }
  });

  it('forwards SIGTERM to the worker, waits until it is gone, and exits 0', async () => {
    const r = start();
    await r.clock.settle();
    const w = r.workers[0]!;
    await ready(r, w);
    r.stop.abort();
    expect(w.signals).toEqual(['SIGTERM']);
    await r.clock.advance(10 * CHECK_MS);
    expect(r.settled()).toBe(false);
    w.exit(0);
    expect(await r.result).toBe(0);
    expect(r.logs.slice(-2).map((l) => l.msg)).toEqual([
      'agent worker stopped',
      'agent process stopped; its state stays on the Node for the next start',
    ]);
    expect(r.workers).toHaveLength(1);
    await expect(fetch(`${r.base()}/healthz`)).rejects.toThrow();
  });

  it('exits 0 on SIGTERM while idle, without starting a worker', async () => {
    const r = start();
    await r.clock.settle();
    await ready(r, r.workers[0]!);
    await idle(r, r.workers[0]!);
    r.stop.abort();
    expect(await r.result).toBe(0);
    expect(r.workers).toHaveLength(1);
  });

  it("hands an idle worker's settings and series to shed, to execute the process anew; goes on as it is when it cannot", async () => {
    const shed: ResumeState[] = [];
    const r = start({ shed: (state) => (shed.push(state), false) });
    await r.clock.settle();
    const w = r.workers[0]!;
    await ready(r, w);
    w.say({ kind: 'metric', call: 'setPhase', args: ['rebooting'] });
    w.say({ kind: 'metric', call: 'setNotificationFailed', args: ['slack', 1_780_000_100_000] });
    w.say({ kind: 'metric', call: 'setNotificationFailed', args: ['teams', 1_780_000_200_000] });
    w.say({ kind: 'metric', call: 'setPhase', args: [null] });
    await idle(r, w);
    expect(shed).toHaveLength(1);
    expect(shed[0]!.settings).toEqual(SETTINGS);
    expect(shed[0]!.mountChecked).toBe(false);
    // The last call of each kind, of each format for notifications: the series as they read now.
    expect(shed[0]!.metrics).toEqual(
      expect.arrayContaining([
        { kind: 'metric', call: 'setPhase', args: [null] },
        { kind: 'metric', call: 'setNotificationFailed', args: ['slack', 1_780_000_100_000] },
        { kind: 'metric', call: 'setNotificationFailed', args: ['teams', 1_780_000_200_000] },
      ]),
    );
    expect(shed[0]!.metrics.filter((m) => m.call === 'setPhase')).toHaveLength(1);
    expect(r.logs.some((l) => l.msg === 'the process could not be executed anew; it keeps the memory')).toBe(true);
    // Not executed anew: it watches for the sentinel as it is.
    r.sentinel = true;
    await r.clock.advance(CHECK_MS);
    expect(r.workers).toHaveLength(2);
  });

  it('executed anew: serves the series as they were and waits for the sentinel before any worker', async () => {
    const r = start({
      resume: {
        settings: SETTINGS,
        mountChecked: true,
        metrics: [
          { kind: 'metric', call: 'setNotificationFailed', args: ['slack', 1_780_000_100_000] },
          {
            kind: 'metric',
            call: 'setDebt',
            args: [{ pendingSinceMs: null, lastRebootMs: 1_780_000_000_000, maxPendingMs: null }],
          },
        ],
      },
      shed: () => {
        throw new Error('a process executed anew has no worker memory to give back');
      },
    });
    await r.clock.settle();
    await until('the resumed process to serve', () => r.logs.some((l) => l.msg === IDLE_ANEW));
    expect(r.workers).toHaveLength(0);
    const text = await scrape(r);
    expect(text).toContain(
      `\npatchwindow_notification_last_failure_timestamp_seconds{${n},format="slack"} 1780000100\n`,
    );
    expect(text).toContain(`\npatchwindow_last_reboot_timestamp_seconds{${n}} 1780000000\n`);
    expect(await health(r)).toBe(200);
    expect(r.checks()).toBe(1);
    r.sentinel = true;
    await r.clock.advance(CHECK_MS);
    expect(r.workers).toHaveLength(1);
    // Let start at once: the port is served already.
    await ready(r, r.workers[0]!);
  });

  it("serves the worker's series while it runs and keeps them when it has gone idle", async () => {
    const r = start();
    await r.clock.settle();
    const w = r.workers[0]!;
    await ready(r, w);
    w.say({ kind: 'metric', call: 'setRebootRequired', args: [true] });
    w.say({ kind: 'metric', call: 'setPhase', args: ['draining'] });
    w.say({ kind: 'metric', call: 'setNotificationFailed', args: ['slack', 1_780_000_100_000] });
    let text = await scrape(r);
    expect(text).toContain(`\npatchwindow_reboot_required{${n}} 1\n`);
    expect(text).toContain(`\npatchwindow_phase{${n},phase="draining"} 1\n`);
    expect(text).toContain(`\npatchwindow_phase{${n},phase="idle"} 0\n`);
    w.say({ kind: 'metric', call: 'setPhase', args: [null] });
    await idle(r, w);
    text = await scrape(r);
    // The supervisor's own sentinel check says 0 now; the worker's notification failure stays.
    expect(text).toContain(`\npatchwindow_reboot_required{${n}} 0\n`);
    expect(text).toContain(`\npatchwindow_phase{${n},phase="idle"} 1\n`);
    expect(text).toContain(
      `\npatchwindow_notification_last_failure_timestamp_seconds{${n},format="slack"} 1780000100\n`,
    );
    r.sentinel = true;
    await r.clock.advance(CHECK_MS);
    expect(await scrape(r)).toContain(`\npatchwindow_reboot_required{${n}} 1\n`);
  });

  it("starts each worker from idle gauges: a crashed worker's phase and blockers do not linger", async () => {
    const r = start();
    await r.clock.settle();
    const w = r.workers[0]!;
    await ready(r, w);
    w.say({ kind: 'metric', call: 'setPhase', args: ['rebooting'] });
    w.say({ kind: 'metric', call: 'setBlocked', args: [[{ kind: 'hold', source: 'label', value: 'true' }]] });
    w.say({ kind: 'metric', call: 'setRebootLoop', args: [true] });
    w.exit(null, 'SIGKILL');
    await until('the crash to be seen', () => r.logs.some((l) => l.level === 'warn'));
    await r.clock.advance(1_000);
    await ready(r, r.workers[1]!);
    const text = await scrape(r);
    expect(text).toContain(`\npatchwindow_phase{${n},phase="rebooting"} 0\n`);
    expect(text).toContain(`\npatchwindow_phase{${n},phase="idle"} 1\n`);
    expect(text).toContain(`\npatchwindow_blocked{${n},reason="hold"} 0\n`);
    expect(text).toContain(`\npatchwindow_reboot_loop{${n}} 0\n`);
  });

  it('answers /healthz from the worker while it runs and from its own sentinel checks while idle', async () => {
    const r = start();
    await r.clock.settle();
    const w = r.workers[0]!;
    await ready(r, w);
    // The worker promises its next decision in 10 minutes and then says nothing.
    w.say({ kind: 'progress', nextByMs: START + 10 * 60_000 });
    await r.clock.advanceTo(START + 10 * 60_000 + LIVENESS_GRACE_MS);
    expect(await health(r)).toBe(200);
    await r.clock.advance(1);
    expect(await health(r)).toBe(503);
    w.say({ kind: 'progress', nextByMs: r.clock.now() });
    expect(await health(r)).toBe(200);
    // No deadline (a wait for a change only) stays healthy.
    w.say({ kind: 'progress', nextByMs: null });
    await r.clock.advance(24 * 3_600_000);
    expect(await health(r)).toBe(200);
    await idle(r, w);
    await r.clock.advance(24 * 3_600_000);
    expect(await health(r)).toBe(200);
    expect(r.checks()).toBe(1 + 24 * 60);
  });

  describe('with the sentinel file watched (a real directory, inotify)', () => {
    let hostRoot: string;
    const sentinelDir = () => join(hostRoot, '/var/run');
    const watched = () => start({ hostRoot, watchSentinel: (file) => watchSentinelFile(join(hostRoot, file)) });
    const idleAgent = async (r: Run): Promise<void> => {
      await r.clock.settle();
      await ready(r, r.workers[0]!);
      await idle(r, r.workers[0]!);
      await until('the first check', () => r.checks() === 1);
    };

    afterEach(async () => {
      await rm(hostRoot, { recursive: true, force: true });
    });

    it('starts a worker the moment the sentinel file appears, without waiting for a check', async () => {
      hostRoot = await mkdtemp(join(tmpdir(), 'pw-sentinel-'));
      await mkdir(sentinelDir(), { recursive: true });
      const r = watched();
      await idleAgent(r);
      // Another file of the directory changes: nothing to check.
      await writeFile(join(sentinelDir(), 'other'), '');
      await sleep(100);
      expect([r.checks(), r.workers.length]).toEqual([1, 1]);
      await writeFile(join(sentinelDir(), 'reboot-required'), '');
      await until('a worker started by the watch', () => r.workers.length === 2);
      // No time passed on the clock: the watch, not a check every interval, found it.
      expect(r.clock.now()).toBe(START);
      expect(r.logs.at(-1)).toMatchObject({ rebootRequired: true });
    });

    it('checks only as a slow safety net while the watch runs, and every checkInterval once it is lost', async () => {
      hostRoot = await mkdtemp(join(tmpdir(), 'pw-sentinel-'));
      await mkdir(sentinelDir(), { recursive: true });
      const r = watched();
      await idleAgent(r);
      await r.clock.advance(CHECK_MS);
      expect(r.checks()).toBe(1);
      await r.clock.advance(SENTINEL_SAFETY_POLL_MS - CHECK_MS);
      expect(r.checks()).toBe(2);
      // The directory goes away (a watch on it sees nothing any more), then comes back with the sentinel.
      await rm(sentinelDir(), { recursive: true });
      await until('the lost watch to be noticed', () => r.logs.some((l) => String(l.msg).startsWith('lost the watch')));
      await mkdir(sentinelDir(), { recursive: true });
      await writeFile(join(sentinelDir(), 'reboot-required'), '');
      await sleep(100);
      expect(r.workers).toHaveLength(1);
      await r.clock.advance(CHECK_MS);
      await until('a worker started by the check', () => r.workers.length === 2);
      expect(r.logs.find((l) => String(l.msg).startsWith('lost the watch'))).toMatchObject({
        level: 'warn',
        msg: 'lost the watch of the sentinel file; checking it every 1m',
      });
    });

    it('checks every checkInterval when the directory cannot be watched', async () => {
      hostRoot = await mkdtemp(join(tmpdir(), 'pw-sentinel-'));
      const r = watched();
      await idleAgent(r);
      expect(r.logs.some((l) => l.level === 'warn' && String(l.msg).startsWith('cannot watch the sentinel file'))).toBe(
        true,
      );
      await r.clock.advance(CHECK_MS);
      expect(r.checks()).toBe(2);
    });
  });
});
