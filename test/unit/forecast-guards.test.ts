// The forecast honours the rate limit and the canary with the coordinator's own guards, and says
// what it cannot know (health gates).
import { describe, expect, it } from 'vitest';
import { forecastJson, forecastText } from '../../reconciler/forecast/format.ts';
import { fleetYaml, HOUR, MINUTE, MONDAY_NOON, poolNodes, run } from './forecast-fixtures.ts';

const ALWAYS = 'windows: [{ days: [mon, tue, wed, thu, fri, sat, sun], start: "00:00", duration: 24h }]';

describe('forecast: rate limit and canary', () => {
  it('a pool of 10 nodes with maxPerHour 2 takes its fifth hour, however large its budget', () => {
    const limited = run(
      fleetYaml([{ name: 'web', spec: ['maxUnavailable: 10', 'maxPerHour: 2', ALWAYS] }]),
      poolNodes('web', 10),
    );
    const free = run(fleetYaml([{ name: 'web', spec: ['maxUnavailable: 10', ALWAYS] }]), poolNodes('web', 10));
    // Two starts an hour: the ninth and tenth start 4 h after the first, then take their 10 minutes.
    expect(limited.makespanMs).toBe(4 * HOUR + 10 * MINUTE);
    expect(free.makespanMs).toBe(10 * MINUTE);
    const p = limited.policies[0]!;
    expect(p.finishMs! - MONDAY_NOON).toBeGreaterThanOrEqual(4 * HOUR);
  });

  it('a canary pool sends its first node alone, the rest together after it is back', () => {
    const f = run(fleetYaml([{ name: 'db', spec: ['maxUnavailable: 3', 'canary: 1', ALWAYS] }]), poolNodes('db', 4));
    // 10 minutes for the canary, then three at once for 10 more.
    expect(f.makespanMs).toBe(20 * MINUTE);
    expect(f.policies[0]!.firstFinishMs! - MONDAY_NOON).toBe(10 * MINUTE);
  });

  it('says which guard rails it honoured and that it assumes the canary comes back healthy', () => {
    const f = run(
      fleetYaml([{ name: 'db', spec: ['maxUnavailable: 3', 'canary: 1', 'maxPerHour: 2', ALWAYS] }]),
      poolNodes('db', 4),
    );
    const text = forecastText(f);
    expect(text).toContain('guard rails:\n  db: canary first: the first node goes alone');
    expect(text).toContain('the forecast cannot know whether it will be');
    expect(text).toContain('at most 2 start(s) per hour (sliding)');
    expect((JSON.parse(forecastJson(f)) as { policies: { notes: string[] }[] }).policies[0]!.notes).toHaveLength(2);
    // Canary (10 min alone), then n2 at its end; n3, n4 wait for the hour: their bound says so too.
    expect(f.lowerBoundMakespanMs).toBe(HOUR + 10 * MINUTE);
  });
});
