// `status --watch` frames from the status model: the progress numbers over a sequence of states,
// the bar, each node's phase, grant and why it waits, what holds a policy, and when --until-done ends.
import { beforeAll, describe, expect, it } from 'vitest';
import type { AgentConfig } from '../../policy/model.ts';
import {
  EVENING,
  exampleConfigs,
  grantLease,
  MINUTE,
  node,
  objects,
  waitEvent,
} from '../../test/unit/watch-fixtures.ts';
import { progressOf, remember, verdict, type Seen } from './progress.ts';
import { computeStatus, type Status } from './status.ts';
import { statusInputOf } from './status-objects.ts';
import { holdOf, progressBar, watchFrameJson, watchFrameText } from './watch-frame.ts';

let configs: AgentConfig[];
beforeAll(async () => {
  configs = await exampleConfigs();
});

const statusOf = (o: ReturnType<typeof objects>, nowMs = EVENING): Status => computeStatus(statusInputOf(o, nowMs));

/** Feeds the states one after another, as the watch does; returns the progress after each. */
function watch(...states: ReturnType<typeof objects>[]) {
  let seen: Seen = new Map();
  return states.map((o) => {
    const s = statusOf(o);
    seen = remember(seen, s);
    return Object.fromEntries(progressOf(seen, s).map((p) => [p.policy, `${p.rebooted}/${p.total}`]));
  });
}

describe('status --watch progress', () => {
  it('counts the nodes that needed a reboot at the start or since, and those of them settled now', () => {
    const start = [
      node('gen-1', 'general', { required: true }),
      node('gen-2', 'general', { required: true, phase: 'rebooting' }),
      node('gen-3', 'general'),
      node('sys-1', 'system', { required: true }),
    ];
    const later = [
      node('gen-1', 'general', { required: true, phase: 'draining' }),
      node('gen-2', 'general'),
      node('gen-3', 'general', { required: true }),
      node('sys-1', 'system', { required: true }),
    ];
    const end = [node('gen-1', 'general'), node('gen-2', 'general'), node('gen-3', 'general'), node('sys-1', 'system')];
    const [a, b, c] = watch(
      objects(configs, start, { leases: [grantLease('gen-2', 'general')] }),
      objects(configs, later, { leases: [grantLease('gen-1', 'general')] }),
      objects(configs, end),
    );
    expect(a).toEqual({ system: '0/1', general: '0/2', gpu: '0/0' });
    // gen-2 rebooted; gen-3 came to need one: the total grows.
    expect(b).toEqual({ system: '0/1', general: '1/3', gpu: '0/0' });
    // sys-1 no longer needs one (its sentinel went away): it counts as done too.
    expect(c).toEqual({ system: '1/1', general: '3/3', gpu: '0/0' });
  });

  it('counts a node again as not done when it needs a reboot once more, and drops a node that left', () => {
    const [, , c] = watch(
      objects(configs, [node('gen-1', 'general', { required: true }), node('gen-2', 'general', { required: true })]),
      objects(configs, [node('gen-1', 'general'), node('gen-2', 'general', { required: true })]),
      objects(configs, [node('gen-1', 'general', { required: true })]),
    );
    expect(c).toMatchObject({ general: '0/1' });
  });

  it('holds a node with an agent record or a grant as not done even without the label', () => {
    const [a] = watch(
      objects(configs, [node('gen-1', 'general', { phase: 'recovering' }), node('gen-2', 'general')], {
        leases: [grantLease('gen-2', 'general')],
      }),
    );
    expect(a).toMatchObject({ general: '0/2' });
  });

  it('draws a bar of ten, full only when all are done', () => {
    expect(progressBar({ rebooted: 3, total: 10 })).toBe('[###.......] 3/10 rebooted');
    expect(progressBar({ rebooted: 9, total: 10 })).toBe('[#########.] 9/10 rebooted');
    expect(progressBar({ rebooted: 2, total: 3 })).toBe('[######....] 2/3 rebooted');
    expect(progressBar({ rebooted: 4, total: 4 })).toBe('[##########] 4/4 rebooted');
    expect(progressBar({ rebooted: 0, total: 0 })).toBe('[..........] 0/0 rebooted');
  });
});

describe('status --watch frame', () => {
  const nodes = () => [
    node('gen-1', 'general', { required: true, phase: 'draining' }),
    node('gen-2', 'general', { required: true, phase: 'acquiring' }),
    node('gen-3', 'spot', {
      required: true,
      phase: 'acquiring',
      state: { blocked: 'pod ml/train-0 on the node matches a pod blocker' },
    }),
    node('gen-4', 'general'),
    node('sys-1', 'system', { required: true }),
    node('gpu-1', 'gpu', { required: true, phase: 'failed', state: { reason: 'drain timed out' } }),
  ];
  const running = () =>
    objects(configs, nodes(), {
      leases: [grantLease('gen-1', 'general', 5 * MINUTE)],
      events: [waitEvent('gen-2', 'WaitingForGrant', 'pool general is at its budget')],
    });

  it('shows per node its phase, grant and why it waits, per policy its bar, budget in use and hold', () => {
    const s = statusOf(running());
    let seen: Seen = new Map();
    seen = remember(seen, s);
    const text = watchFrameText({ status: s, progress: progressOf(seen, s), reconnecting: [], nowMs: EVENING });
    const line = (start: string) => text.split('\n').find((l) => l.startsWith(start)) ?? '';
    expect(line('gen-1')).toMatch(/^gen-1 +general +draining +held 5m +-$/);
    expect(line('gen-2')).toMatch(/acquiring +- +WaitingForGrant: pool general is at its budget$/);
    expect(line('gen-3')).toMatch(/acquiring +- +blocked: pod ml\/train-0 on the node matches a pod blocker$/);
    expect(line('gen-4')).toMatch(/^gen-4 +general +idle +- +-$/);
    expect(line('sys-1')).toMatch(/pending +- +outside the window; next 2026-11-25 01:00 \+01:00$/);
    expect(line('gpu-1')).toMatch(
      /failed +- +last attempt failed: drain timed out; retries after 2026-11-24 22:00 \+00:00$/,
    );
    // general: four nodes, 20% -> 1 allowed, gen-1 holds a grant.
    expect(line('general')).toMatch(/^general +\[\.{10}\] 0\/3 rebooted +1\/1 +budget full: 1 of 1 unavailable$/);
    expect(line('system')).toMatch(/0\/1 rebooted +0\/1 +outside the window; next 2026-11-25 01:00 \+01:00$/);
    expect(text).toContain('fleet prod-westeurope: fleet-wide cap 1/3 in use; coordinator coordinator-0');
    expect(text).not.toContain('reconnecting');
  });

  it('says which watches reconnect, and holds a policy whose fleet has no coordinator', () => {
    const o = running();
    const s = statusOf({ ...o, leases: new Map() });
    const text = watchFrameText({
      status: s,
      progress: progressOf(remember(new Map(), s), s),
      reconnecting: ['watch nodes: connect ECONNREFUSED 127.0.0.1:6443'],
      nowMs: EVENING,
    });
    expect(text.split('\n')[0]).toBe(
      'reconnecting: watch nodes: connect ECONNREFUSED 127.0.0.1:6443 (showing the last state seen)',
    );
    expect(text).toMatch(/^general .* no coordinator: no new grants$/m);
    expect(text).toContain('coordinator MISSING');
  });

  it('holds nothing for a policy with nothing to do', () => {
    const s = statusOf(objects(configs, [node('gen-1', 'general')]));
    expect(
      holdOf(
        s,
        s.groups.find((g) => g.group === 'general')!,
        EVENING,
      ),
    ).toBeNull();
  });

  it('writes one JSON line: the status document, the progress per policy and the reconnecting watches', () => {
    const s = statusOf(running());
    const line = watchFrameJson({
      status: s,
      progress: progressOf(remember(new Map(), s), s),
      reconnecting: [],
      nowMs: EVENING,
    });
    expect(line.endsWith('\n')).toBe(true);
    expect(line.trimEnd()).not.toContain('\n');
    const doc = JSON.parse(line) as Record<string, unknown>;
    expect(doc.time).toBe('2026-11-24T21:00:00.000Z');
    expect(doc.progress).toContainEqual({
      fleet: 'prod-westeurope',
      policy: 'general',
      rebooted: 0,
      total: 3,
      budgetInUse: 1,
      budgetAllowed: 1,
      held: 'budget full: 1 of 1 unavailable',
    });
    expect(doc.nodes).toContainEqual(expect.objectContaining({ node: 'gen-2', phase: 'acquiring' }));
    expect(doc.reconnecting).toEqual([]);
  });
});

describe('status --watch --until-done', () => {
  it('is done once every node a policy takes is settled, failed once one failed, else running', () => {
    expect(verdict(statusOf(running()))).toBe('failed');
    expect(verdict(statusOf(objects(configs, [node('gen-1', 'general', { required: true })])))).toBe('running');
    expect(verdict(statusOf(objects(configs, [node('gen-1', 'general', { phase: 'recovering' })])))).toBe('running');
    expect(verdict(statusOf(objects(configs, [node('gen-1', 'general'), node('sys-1', 'system')])))).toBe('done');
    expect(verdict(statusOf(objects(configs, [])))).toBe('done');
  });
  function running() {
    return objects(configs, [
      node('gen-1', 'general', { required: true, phase: 'draining' }),
      node('gpu-1', 'gpu', { required: true, phase: 'failed' }),
    ]);
  }
});
