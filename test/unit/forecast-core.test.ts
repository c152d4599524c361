// The forecast runs the agent's own decision core: a different decision function or a setting only
// the core reads changes the forecast, and the simulated nodes go through the core's phases with
// their records written and read by the agent's codec.
import { describe, expect, it } from 'vitest';
import { nextAction } from '../../agent/core/decide.ts';
import { wait } from '../../agent/core/decide-common.ts';
import type { Action, Facts } from '../../agent/core/facts.ts';
import { STATE_ANNOTATION } from '../../policy/keys.ts';
import { decodeState } from '../../policy/state.ts';
import type { AgentConfig } from '../../policy/model.ts';
import { fleetYaml, NIGHTLY_2H, perWindow, poolNodes, run } from './forecast-fixtures.ts';

const fleet = (budget: number, extra: readonly string[] = []) =>
  fleetYaml([
    { name: 'a', spec: [`maxUnavailable: ${budget}`, `windows: [${NIGHTLY_2H}]`, 'drain: { timeout: 30m }', ...extra] },
  ]);

describe('the forecast and the decision core', () => {
  it('follows the decision function it is given', () => {
    const nodes = poolNodes('a', 30);
    expect(perWindow(run(fleet(3), nodes).policies[0]!)).toEqual(['2026-06-01: 27', '2026-06-02: 3']);
    // A core that holds nodes a-0 .. a-9: the other 20 fit the first night, those 10 never start.
    const holdTen = (f: Facts, c: AgentConfig, now: number): Action =>
      /^a-\d$/.test(f.nodeName) ? wait('hold', 'held by the test', { watch: false }) : nextAction(f, c, now);
    const held = run(fleet(3), nodes, { decide: holdTen }).policies[0]!;
    expect(perWindow(held)).toEqual(['2026-06-01: 20']);
    expect(held.unfinished).toBe(10);
  });

  it('changes with reboot.delay, which only the core reads (it asks to wait before the reboot)', () => {
    // 10 minutes of delay make each node 20 minutes: starts 22:00, 22:20, ..., 23:20.
    const delayed = run(fleet(1, ['reboot: { delay: 10m }']), poolNodes('a', 10)).policies[0]!;
    expect(perWindow(delayed)).toEqual(['2026-06-01: 5', '2026-06-02: 5']);
    expect(perWindow(run(fleet(1), poolNodes('a', 10)).policies[0]!)).toEqual(['2026-06-01: 9', '2026-06-02: 1']);
  });

  it('takes each node through the core phases, its record written and read with the agent codec', () => {
    const seen: string[] = [];
    const spy = (f: Facts, c: AgentConfig, now: number): Action => {
      if (f.nodeName === 'a-0') {
        const raw = f.node?.annotations[STATE_ANNOTATION];
        expect(f.state).toEqual(decodeState(raw));
        const phase = f.state.kind === 'ok' ? f.state.state.phase : f.state.kind;
        if (seen.at(-1) !== phase) seen.push(phase);
      }
      return nextAction(f, c, now);
    };
    run(fleet(1), poolNodes('a', 1), { decide: spy });
    expect(seen).toEqual(['none', 'acquiring', 'cordoning', 'draining', 'rebooting', 'recovering', 'none']);
  });
});
