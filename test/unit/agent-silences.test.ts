// The silence lease through the whole agent loop, on the fake clock: created under the grant before
// the cordon, extended every third of its duration while the node drains and reboots (by the agent
// restarted after the reboot and after a crash, from the id in its record), ended `grace` after the
// uncordon; never extended past maxDuration, so a reboot that takes too long pages again.
import { describe, expect, it } from 'vitest';
import { STATE_ANNOTATION } from '../../policy/keys.ts';
import type { SilenceSettings } from '../../policy/model.ts';
import { decodeState } from '../../policy/state.ts';
import { MINUTE, HOUR, testConfig } from '../fakes/config.ts';
import { FakeFleet } from '../fakes/fleet.ts';
import { START } from '../fakes/scenario.ts';

const SETTINGS: SilenceSettings = {
  alertmanagerUrl: 'http://alertmanager:9093',
  matchers: [{ name: 'instance', value: '{node}:9100', isRegex: false, isEqual: true }],
  durationMs: 15 * MINUTE,
  maxDurationMs: 4 * HOUR,
  graceMs: 2 * MINUTE,
};

/** One node needing a reboot, its agent started; the cordon and uncordon instants recorded. */
function fleetOf(settings: SilenceSettings, bootMs: number) {
  const fleet = new FakeFleet(START);
  fleet.addNode('g1', testConfig({ silences: settings }), { sentinel: true, bootMs });
  const flips: { atMs: number; cordoned: boolean }[] = [];
  fleet.cluster.onMutation((m) => {
    if (m.kind === 'node' && m.before && m.after && m.before.unschedulable !== m.after.unschedulable)
      flips.push({ atMs: fleet.clock.now(), cordoned: m.after.unschedulable });
  });
  fleet.startAll();
  const done = () =>
    fleet.machine('g1').boots === 1 && fleet.cluster.node('g1')?.annotations[STATE_ANNOTATION] === undefined;
  return { fleet, flips, done, store: fleet.silenceStore };
}

describe('the silence lease through the agent loop', () => {
  it('is created before the cordon, extended while the node works, and ends grace after the uncordon', async () => {
    const { fleet, flips, done, store } = fleetOf(SETTINGS, 10 * MINUTE);
    expect(await fleet.runUntil(done, START + 4 * HOUR)).toBe(true);
    expect(fleet.agentErrors).toEqual([]);
    expect(store.silences.size).toBe(1);
    const [silence] = [...store.silences.values()];
    expect(silence!.matchers).toEqual([{ name: 'instance', value: 'g1:9100', isRegex: false, isEqual: true }]);
    const writes = store.writes;
    const cordonMs = flips.find((f) => f.cordoned)!.atMs;
    const uncordonMs = flips.find((f) => !f.cordoned)!.atMs;
    expect(writes[0]).toMatchObject({ kind: 'created', endsAtMs: writes[0]!.atMs + 15 * MINUTE });
    expect(writes[0]!.atMs).toBeLessThanOrEqual(cordonMs);
    expect(writes.slice(1).every((w) => w.kind === 'updated' && w.id === silence!.id)).toBe(true);
    // Between two writes while it works, never more than a third of the duration (plus the reboot,
    // while the agent is down): it never lapsed before the node was back.
    const working = writes.filter((w) => w.atMs < uncordonMs);
    for (let i = 1; i < working.length; i++) expect(working[i]!.atMs).toBeLessThan(working[i - 1]!.endsAtMs);
    // Extended by the agent before the reboot and again at once by the agent started after it.
    expect(working.length).toBeGreaterThanOrEqual(2);
    const last = writes.at(-1)!;
    expect(last.atMs).toBeGreaterThanOrEqual(uncordonMs);
    expect(last.endsAtMs).toBe(last.atMs + 2 * MINUTE);
    expect(fleet.cluster.eventsFor('g1').map((e) => e.reason)).toEqual(
      expect.arrayContaining(['SilenceCreated', 'SilenceEnded']),
    );
  });

  it('comes back under a new id when it lapsed during a reboot longer than its duration, and that one is ended', async () => {
    const { fleet, done, store } = fleetOf(SETTINGS, 40 * MINUTE);
    expect(await fleet.runUntil(done, START + 4 * HOUR)).toBe(true);
    expect(store.writes.map((w) => w.kind).filter((k) => k !== 'updated')).toEqual(['created', 'replaced']);
    const replaced = store.writes.find((w) => w.kind === 'replaced')!;
    expect(store.writes.at(-1)).toMatchObject({ kind: 'updated', id: replaced.id });
    expect(store.silences.size).toBe(2);
  });

  it('is continued from its record by an agent that crashed mid-reboot', async () => {
    const { fleet, done, store } = fleetOf(SETTINGS, 5 * MINUTE);
    await fleet.runUntil(() => {
      const s = decodeState(fleet.cluster.node('g1')?.annotations[STATE_ANNOTATION]);
      return s.kind === 'ok' && s.state.silence !== undefined && s.state.phase === 'draining';
    }, START + HOUR);
    const before = store.writes.length;
    fleet.crash('g1');
    expect(await fleet.runUntil(done, START + 4 * HOUR)).toBe(true);
    expect(store.silences.size).toBe(1);
    expect(store.writes.slice(before).every((w) => w.kind === 'updated')).toBe(true);
  });

  it('is not extended past maxDuration: a reboot that takes too long pages again', async () => {
    const { fleet, done, store } = fleetOf({ ...SETTINGS, maxDurationMs: 30 * MINUTE }, 2 * HOUR);
    expect(await fleet.runUntil(done, START + 6 * HOUR)).toBe(true);
    const [silence] = [...store.silences.values()];
    // It lapsed during the reboot; the agent back after it does not silence the node again.
    expect(store.silences.size).toBe(1);
    for (const w of store.writes) expect(w.endsAtMs).toBeLessThanOrEqual(silence!.startsAtMs + 30 * MINUTE);
    expect(silence!.endsAtMs).toBeLessThan(fleet.clock.now());
    expect(fleet.cluster.eventsFor('g1').map((e) => e.reason)).toContain('SilenceMaxDurationReached');
  });

  it('keeps the node uncordoned while Alertmanager refuses, and goes on once it answers', async () => {
    const { fleet, flips, done, store } = fleetOf(SETTINGS, 5 * MINUTE);
    store.failNext(3);
    expect(await fleet.runUntil(done, START + 4 * HOUR)).toBe(true);
    expect(fleet.cluster.eventsFor('g1').filter((e) => e.reason === 'SilenceFailed')).toHaveLength(3);
    expect(store.writes[0]!.atMs).toBeLessThanOrEqual(flips[0]!.atMs);
  });
});
