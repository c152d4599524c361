// The teller's reports besides Events: reboot debt from what the Node records, for the metrics.
import { describe, expect, it } from 'vitest';
import { CONFIG, facts } from '../test/fakes/decide-fixtures.ts';
import { testConfig } from '../test/fakes/config.ts';
import { REBOOT_REQUIRED_LABEL, REBOOT_REQUIRED_SINCE_ANNOTATION } from '../policy/keys.ts';
import { NO_OBSERVER } from './observer.ts';
import { NO_LOG } from '../io/log.ts';
import type { NodeEvent } from '../kube/ports.ts';
import { createTeller } from './tell.ts';

describe('reboot debt', () => {
  it('reports since when the node needs its reboot, its last reboot and the policy limit, once per change', () => {
    const debts: unknown[] = [];
    const events: NodeEvent[] = [];
    const config = { ...CONFIG, policy: { ...CONFIG.policy, maxPendingMs: 14 * 86_400_000 } };
    const teller = createTeller({
      ports: { events: { record: (_n: string, e: NodeEvent) => Promise.resolve(void events.push(e)) } } as never,
      nodeName: 'g1',
      log: NO_LOG,
      observer: { ...NO_OBSERVER, debt: (...d) => debts.push(d) },
      dryRun: false,
      config,
    });
    const since = '2026-05-20T08:00:00.000Z';
    const f = facts({
      node: { labels: { [REBOOT_REQUIRED_LABEL]: 'true' }, annotations: { [REBOOT_REQUIRED_SINCE_ANNOTATION]: since } },
      lastReboot: { atMs: Date.parse('2026-04-01T00:00:00Z'), bootId: 'b0', sentinelSurvived: false },
    });
    const waiting = { kind: 'wait', reason: 'outside-window', detail: 'outside', watch: false } as const;
    teller.decided(waiting, f);
    teller.decided(waiting, f);
    expect(debts).toEqual([[Date.parse(since), Date.parse('2026-04-01T00:00:00Z'), 14 * 86_400_000]]);
    teller.decided(waiting, facts({ node: { labels: {}, annotations: {} } }));
    expect(debts.at(-1)).toEqual([null, null, 14 * 86_400_000]);
    expect(testConfig().policy.maxPendingMs).toBeNull();
  });
});
