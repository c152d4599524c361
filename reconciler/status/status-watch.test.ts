// The `status --watch` loop on a fake clock and a live view the test changes: frames on change (at
// most four a second) and on the interval, printed to a pipe only when they changed, redrawn on a
// terminal, JSON lines, --until-done, and Ctrl-C.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../policy/model.ts';
import { FakeClock } from '../../test/fakes/clock.ts';
import { EVENING, exampleConfigs, grantLease, node, objects } from '../../test/unit/watch-fixtures.ts';
import { MIN_FRAME_GAP_MS, watchStatus, type WatchStatusOptions } from './status-watch.ts';

let configs: AgentConfig[];
beforeAll(async () => {
  configs = await exampleConfigs();
});

/** A live view whose objects and failing watches the test sets. */
class FakeLive {
  #listeners = new Set<() => void>();
  failing: string[] = [];
  current: ReturnType<typeof objects>;
  constructor(current: ReturnType<typeof objects>) {
    this.current = current;
  }
  objects = () => this.current;
  reconnecting = () => this.failing;
  onChange = (l: () => void) => {
    this.#listeners.add(l);
    return () => this.#listeners.delete(l);
  };
  set(o: ReturnType<typeof objects>, failing: string[] = this.failing): void {
    this.current = o;
    this.failing = failing;
    for (const l of this.#listeners) l();
  }
}

const pending = () => objects(configs, [node('gen-1', 'general', { required: true }), node('gen-2', 'general')]);
const draining = () =>
  objects(configs, [node('gen-1', 'general', { required: true, phase: 'draining' }), node('gen-2', 'general')], {
    leases: [grantLease('gen-1', 'general')],
  });
const done = () => objects(configs, [node('gen-1', 'general'), node('gen-2', 'general')]);

function start(live: FakeLive, o: Partial<WatchStatusOptions> = {}) {
  const clock = new FakeClock(EVENING);
  const stop = new AbortController();
  let out = '';
  const exit = watchStatus({
    source: live,
    clock,
    signal: stop.signal,
    write: (t) => (out += t),
    warn: () => undefined,
    format: 'text',
    tty: false,
    intervalMs: 5_000,
    untilDone: false,
    ...o,
  });
  return { clock, stop, exit, output: () => out };
}

const frames = (out: string) => out.split(/^--- /m).filter((f) => f.length > 0);

describe('status --watch', () => {
  it('prints a frame at once, then a new one after a blank line and a timestamp only when it changed', async () => {
    const live = new FakeLive(pending());
    const w = start(live);
    await w.clock.settle();
    expect(frames(w.output())).toHaveLength(1);
    expect(w.output()).toMatch(/^--- 2026-11-24 21:00:00 UTC\nPOLICY/);
    expect(w.output()).toMatch(/^gen-1 +general +pending/m);
    // The interval renders again; nothing changed, nothing printed.
    await w.clock.advance(12_000);
    expect(frames(w.output())).toHaveLength(1);
    live.set(draining());
    await w.clock.advance(MIN_FRAME_GAP_MS);
    expect(frames(w.output())).toHaveLength(2);
    expect(w.output()).toMatch(/\n\n--- 2026-11-24 21:00:12 UTC\n/);
    expect(frames(w.output())[1]).toMatch(/^gen-1 +general +draining +held 2m/m);
    w.stop.abort();
    expect(await w.exit).toBe(0);
  });

  it('shows a burst of changes as one frame, at most four a second', async () => {
    const live = new FakeLive(pending());
    const w = start(live);
    await w.clock.advance(1_000);
    live.set(draining());
    await w.clock.settle();
    // The first change renders at once (the last frame is older than the gap) ...
    expect(frames(w.output())).toHaveLength(2);
    live.set(pending());
    await w.clock.advance(100);
    live.set(done());
    await w.clock.advance(100);
    // ... the next ones wait for the gap and show only the state they came to.
    expect(frames(w.output())).toHaveLength(2);
    await w.clock.advance(MIN_FRAME_GAP_MS);
    expect(frames(w.output())).toHaveLength(3);
    expect(frames(w.output())[2]).toMatch(/\[##########\] 1\/1 rebooted/);
    w.stop.abort();
    expect(await w.exit).toBe(0);
  });

  it('says in the frame that a watch reconnects, and goes on', async () => {
    const live = new FakeLive(pending());
    const w = start(live);
    await w.clock.settle();
    live.set(pending(), ['watch nodes: connect ECONNREFUSED 127.0.0.1:6443']);
    await w.clock.advance(MIN_FRAME_GAP_MS);
    expect(frames(w.output())[1]).toContain('reconnecting: watch nodes: connect ECONNREFUSED 127.0.0.1:6443');
    live.set(draining(), []);
    await w.clock.advance(MIN_FRAME_GAP_MS);
    expect(frames(w.output())[2]).not.toContain('reconnecting');
    w.stop.abort();
    expect(await w.exit).toBe(0);
  });

  it('redraws a terminal in place and shows the cursor again when stopped', async () => {
    const live = new FakeLive(pending());
    const w = start(live, { tty: true });
    await w.clock.advance(5_000);
    const out = w.output();
    expect(out.startsWith('\x1b[?25l\x1b[H\x1b[2Jpatchwindow status --watch  2026-11-24 21:00:00 UTC')).toBe(true);
    // Redrawn on the interval (the times in it move on), each time from the top.
    expect(out.split('\x1b[H\x1b[2J')).toHaveLength(3);
    w.stop.abort();
    expect(await w.exit).toBe(0);
    expect(w.output().endsWith('\x1b[?25h')).toBe(true);
  });

  it('writes one JSON line per change in JSON', async () => {
    const live = new FakeLive(pending());
    const w = start(live, { format: 'json', tty: true });
    await w.clock.advance(11_000);
    live.set(draining());
    await w.clock.advance(MIN_FRAME_GAP_MS);
    const lines = w.output().trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    const docs = lines.map((l) => JSON.parse(l) as { time: string; nodes: { node: string; phase: string }[] });
    expect(docs.map((d) => d.nodes[0]!.phase)).toEqual(['pending', 'draining']);
    expect(docs[1]!.time).toBe('2026-11-24T21:00:11.000Z');
    w.stop.abort();
    expect(await w.exit).toBe(0);
  });

  it('--until-done: exits 0 once every node is settled (not while a watch reconnects)', async () => {
    const live = new FakeLive(pending());
    const w = start(live, { untilDone: true });
    await w.clock.settle();
    live.set(done(), ['watch nodes: connect ECONNREFUSED 127.0.0.1:6443']);
    await w.clock.advance(10_000);
    let exited = false;
    void w.exit.then(() => (exited = true));
    await w.clock.settle();
    expect(exited).toBe(false);
    live.set(done(), []);
    await w.clock.advance(MIN_FRAME_GAP_MS);
    expect(await w.exit).toBe(0);
    expect(frames(w.output()).at(-1)).toMatch(/1\/1 rebooted/);
  });

  it('--until-done: exits 1 once a node failed', async () => {
    const live = new FakeLive(pending());
    const w = start(live, { untilDone: true });
    await w.clock.settle();
    live.set(objects(configs, [node('gen-1', 'general', { required: true, phase: 'failed' })]));
    await w.clock.advance(MIN_FRAME_GAP_MS);
    expect(await w.exit).toBe(1);
    expect(frames(w.output()).at(-1)).toMatch(/^gen-1 +general +failed/m);
  });
});
