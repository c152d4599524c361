// The teller's reports besides the decisions' own Events: reboot debt from what the Node records (for
// the metrics), a Warning when a blocker cannot be evaluated, and a word when a started reboot goes
// on past its window's end.
import { describe, expect, it } from 'vitest';
import { FakeClock } from '../test/fakes/clock.ts';
import { testConfig } from '../test/fakes/config.ts';
import { CLOSE, CONFIG, facts, NOW, state } from '../test/fakes/decide-fixtures.ts';
import { REBOOT_REQUIRED_LABEL, REBOOT_REQUIRED_SINCE_ANNOTATION } from '../policy/keys.ts';
import { NO_OBSERVER, type AgentObserver } from './observer.ts';
import { NO_LOG } from '../io/log.ts';
import type { NodeEvent } from '../kube/ports.ts';
import { createTeller } from './tell.ts';

function teller(o: { nowMs?: number; observer?: Partial<AgentObserver>; maxPendingMs?: number } = {}) {
  const events: NodeEvent[] = [];
  const config = { ...CONFIG, policy: { ...CONFIG.policy, maxPendingMs: o.maxPendingMs ?? null } };
  const t = createTeller({
    ports: { events: { record: (_n: string, e: NodeEvent) => Promise.resolve(void events.push(e)) } } as never,
    nodeName: 'g1',
    log: NO_LOG,
    observer: { ...NO_OBSERVER, ...o.observer },
    dryRun: false,
    config,
    clock: new FakeClock(o.nowMs ?? NOW),
  });
  return { t, events };
}

const waiting = { kind: 'wait', reason: 'outside-window', detail: 'outside', watch: false } as const;

describe('reboot debt', () => {
  it('reports since when the node needs its reboot, its last reboot and the policy limit, once per change', () => {
    const debts: unknown[] = [];
    const { t } = teller({ maxPendingMs: 14 * 86_400_000, observer: { debt: (...d) => void debts.push(d) } });
    const since = '2026-05-20T08:00:00.000Z';
    const last = { atMs: Date.parse('2026-04-01T00:00:00Z'), bootId: 'b0', sentinelSurvived: false };
    const f = facts({
      node: { labels: { [REBOOT_REQUIRED_LABEL]: 'true' }, annotations: { [REBOOT_REQUIRED_SINCE_ANNOTATION]: since } },
      lastReboot: last,
    });
    t.decided(waiting, f);
    t.decided(waiting, f);
    expect(debts).toEqual([[Date.parse(since), last.atMs, 14 * 86_400_000]]);
    t.decided(waiting, facts({ node: { labels: {}, annotations: {} } }));
    expect(debts.at(-1)).toEqual([null, null, 14 * 86_400_000]);
    expect(testConfig().policy.maxPendingMs).toBeNull();
  });
});

describe('Events that match what happened', () => {
  it('a blocker that cannot be evaluated is a Warning, a blocking pod a Normal wait', () => {
    const { t, events } = teller();
    const unknown = {
      kind: 'unknown',
      blocker: 'alerts',
      message: 'Prometheus at http://127.0.0.1:1/ refused the connection',
    } as const;
    t.decided(
      { kind: 'wait', reason: 'blocked', detail: 'alerts cannot be evaluated', watch: true, blockers: [unknown] },
      facts(),
    );
    t.decided(
      {
        kind: 'wait',
        reason: 'blocked',
        detail: 'pod ml/train-0 blocks',
        watch: true,
        blockers: [{ kind: 'pod', pod: 'ml/train-0' }],
      },
      facts(),
    );
    expect(events.map((e) => [e.type, e.reason])).toEqual([
      ['Warning', 'RebootBlocked'],
      ['Normal', 'RebootBlocked'],
    ]);
  });

  it('says once, with an Event and a log line, that a started reboot continues past its window', () => {
    const draining = facts({ state: state('draining') });
    const inside = teller({ nowMs: CLOSE - 60_000 });
    inside.t.decided({ kind: 'drain', deadlineMs: CLOSE + 3_600_000, epoch: 'e1' }, draining);
    expect(inside.events).toEqual([]);
    const after = teller({ nowMs: CLOSE + 60_000 });
    after.t.decided({ kind: 'drain', deadlineMs: CLOSE + 3_600_000, epoch: 'e1' }, draining);
    after.t.decided({ kind: 'drain', deadlineMs: CLOSE + 3_600_000, epoch: 'e1' }, draining);
    expect(after.events).toEqual([
      {
        type: 'Normal',
        reason: 'ContinuingPastWindow',
        message: `the reboot started at ${new Date(NOW - 600_000).toISOString()} inside the window that closed at ${new Date(CLOSE).toISOString()}; it continues (draining) until done, as a started reboot always does`,
      },
    ]);
  });
});
