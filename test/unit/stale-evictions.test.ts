// The end-to-end check "no eviction round begun on a grant that had already ended"
// (test/helpers/stale-evictions.ts) on synthetic timelines: it must catch the drain that goes on
// after its Node was deleted (issue 14: 59 evictions in 2.5 min under a freed grant), and must not
// count what is allowed — the agent's evictions under the new grant it is given at once, and a round
// proven just before its grant ended. The log lines are written by the agent's own log writer with
// the fields agent/fence.ts gives them.
import { describe, expect, it } from 'vitest';
import { EVICTION_ROUND_MESSAGE } from '../../agent/fence.ts';
import { createAgentLog } from '../../agent/log.ts';
import type { GrantEvent } from '../helpers/cluster-watcher.ts';
import { loggedEvictions, staleEvictions } from '../helpers/stale-evictions.ts';

const T0 = Date.parse('2026-12-05T10:00:00Z');
const N1 = 'node-1';
const N2 = 'node-2';

function given(node: string, epoch: string, atMs: number): GrantEvent {
  return { atMs: T0 + atMs, kind: 'given', policy: 'p', node, epoch };
}
function released(node: string, epoch: string, atMs: number): GrantEvent {
  return { atMs: T0 + atMs, kind: 'released', policy: 'p', node, epoch, waiting: [] };
}

/** An agent process's log, written as the agent writes it (worker lines; the supervisor's when asked). */
class AgentLog {
  readonly lines: Record<string, unknown>[] = [];
  #atMs = 0;
  readonly #worker = createAgentLog({
    level: 'debug',
    node: N1,
    policy: 'p',
    process: 'worker',
    now: () => T0 + this.#atMs,
    write: (l) => void this.lines.push(JSON.parse(l) as Record<string, unknown>),
  });
  readonly #supervisor = createAgentLog({
    level: 'debug',
    node: N1,
    policy: 'p',
    process: 'supervisor',
    now: () => T0 + this.#atMs,
    write: (l) => void this.lines.push(JSON.parse(l) as Record<string, unknown>),
  });
  #round = 0;

  round(atMs: number, epoch: string): this {
    this.#atMs = atMs;
    this.#worker.debug({ epoch, round: ++this.#round }, EVICTION_ROUND_MESSAGE);
    return this;
  }
  evict(atMs: number, epoch: string | undefined, result = 'blocked'): this {
    this.#atMs = atMs;
    this.#worker.debug(
      { pod: 'ns/web', result, ...(epoch ? { epoch } : {}), round: this.#round },
      `evict ns/web: ${result}`,
    );
    return this;
  }
  workerStarted(atMs: number): this {
    this.#atMs = atMs;
    this.#supervisor.info({ worker: 4242 }, 'agent worker started');
    return this;
  }
  stale(events: readonly GrantEvent[]): string[] {
    return staleEvictions(events, loggedEvictions(N1, this.lines));
  }
}

describe('stale evictions', () => {
  it('catch a drain that goes on after its grant was freed (the Node deleted mid-drain)', () => {
    const events = [given(N1, 'e1', 0), released(N1, 'e1', 2_500), given(N2, 'e9', 2_600)];
    const log = new AgentLog()
      .round(1_000, 'e1')
      .evict(1_050, 'e1')
      .round(2_000, 'e1')
      .evict(2_050, 'e1')
      // The Node went at 2.5 s and its grant with it; the drain goes on under e1.
      .round(4_000, 'e1')
      .evict(4_050, 'e1')
      .round(8_000, 'e1')
      .evict(8_050, 'e1');
    const stale = log.stale(events);
    expect(stale).toHaveLength(2);
    expect(stale[0]).toMatch(/evict ns\/web \(blocked\) at 10:00:04\.050 under grant e1, which ended at 10:00:02\.500/);
    expect(stale[1]).toMatch(/at 10:00:08\.050 under grant e1/);
  });

  it('catch an eviction after the old grant ended and before a new one was given', () => {
    const events = [given(N1, 'e1', 0), released(N1, 'e1', 2_500), given(N1, 'e2', 5_000)];
    const log = new AgentLog().round(3_000, 'e1').evict(3_050, 'e1').round(6_000, 'e2').evict(6_050, 'e2');
    expect(log.stale(events)).toEqual([
      expect.stringMatching(/evict ns\/web \(blocked\) at 10:00:03\.050 under grant e1, which ended at 10:00:02\.500/),
    ]);
  });

  it('catch an old grant used while the node holds a new one', () => {
    const events = [given(N1, 'e1', 0), released(N1, 'e1', 2_500), given(N1, 'e2', 2_700)];
    const log = new AgentLog().round(3_000, 'e1').evict(3_050, 'e1');
    expect(log.stale(events)).toEqual([expect.stringMatching(/under grant e1, which ended at 10:00:02\.500/)]);
  });

  it('count nothing of the evictions under the new grant an agent is given at once after losing its old one', () => {
    const events = [given(N1, 'e1', 0), released(N1, 'e1', 2_500), given(N1, 'e2', 2_700)];
    const log = new AgentLog()
      .round(1_000, 'e1')
      .evict(1_050, 'e1')
      .round(3_000, 'e2')
      .evict(3_050, 'e2')
      .round(5_000, 'e2')
      .evict(5_050, 'e2', 'evicted');
    expect(log.stale(events)).toEqual([]);
  });

  it('allow a round proven before the end to land just after it (the eviction API takes no fencing token)', () => {
    const events = [given(N1, 'e1', 0), released(N1, 'e1', 2_500)];
    const log = new AgentLog().round(2_480, 'e1').evict(2_600, 'e1', 'evicted');
    expect(log.stale(events)).toEqual([]);
  });

  it('count an eviction that names no grant, or runs under a grant it did not prove, or one never given to the node', () => {
    const events = [given(N1, 'e1', 0), given(N2, 'e2', 0)];
    expect(new AgentLog().round(1_000, 'e1').evict(1_050, undefined).stale(events)).toEqual([
      expect.stringMatching(/names no grant/),
    ]);
    expect(new AgentLog().evict(1_050, 'e1').stale(events)).toEqual([
      expect.stringMatching(/under grant e1 was not opened by a round proving that grant/),
    ]);
    expect(new AgentLog().round(1_000, 'e1').evict(1_050, 'e2').stale(events)).toEqual([
      expect.stringMatching(/under grant e2 was not opened by a round/),
    ]);
    expect(new AgentLog().round(1_000, 'e2').evict(1_050, 'e2').stale(events)).toEqual([
      expect.stringMatching(/under grant e2, which was never given to node-1/),
    ]);
  });

  it('do not carry a round over to the next worker process', () => {
    const events = [given(N1, 'e1', 0)];
    const log = new AgentLog().round(1_000, 'e1').evict(1_050, 'e1').workerStarted(1_500).evict(2_000, 'e1');
    expect(log.stale(events)).toEqual([
      expect.stringMatching(/at 10:00:02\.000 under grant e1 was not opened by a round/),
    ]);
  });
});
