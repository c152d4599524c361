import { describe, expect, it } from 'vitest';
import { textLine } from './log-text.ts';

describe('agent text log lines (kured-like, for kubectl logs)', () => {
  it('puts time, level and msg first, then the fields sorted, quoting only what needs it', () => {
    expect(
      textLine({
        level: 'info',
        time: '2026-12-05T03:00:00.000Z',
        component: 'agent',
        node: 'aks-np1-000003',
        policy: 'kured',
        reason: 'window closed at 05:00',
        msg: 'Reboot required',
      }),
    ).toBe(
      'time="2026-12-05T03:00:00.000Z" level=info msg="Reboot required" component=agent node=aks-np1-000003 policy=kured reason="window closed at 05:00"',
    );
  });
  it('writes numbers, booleans and objects as JSON, escapes quotes and newlines', () => {
    expect(textLine({ level: 'warn', time: 't', msg: 'say "hi"\nnow', count: 3, ok: false, extra: { a: 1 } })).toBe(
      'time="t" level=warn msg="say \\"hi\\"\\nnow" count=3 extra="{\\"a\\":1}" ok=false',
    );
  });
});

describe('createAgentLog with format text', () => {
  it('writes text lines with the node and policy of every line', async () => {
    const { createAgentLog } = await import('./log.ts');
    const lines: string[] = [];
    const log = createAgentLog({
      level: 'info',
      format: 'text',
      node: 'n1',
      policy: 'kured',
      write: (l) => void lines.push(l),
      now: () => Date.UTC(2026, 11, 5),
    });
    log.info({ phase: 'draining' }, 'Draining node n1');
    log.debug({}, 'not shown');
    expect(lines).toEqual([
      'time="2026-12-05T00:00:00.000Z" level=info msg="Draining node n1" component=agent node=n1 phase=draining policy=kured\n',
    ]);
  });
});
