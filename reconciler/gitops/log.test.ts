import { describe, expect, it } from 'vitest';
import { createReconcilerLog } from './log.ts';

function capture(level: 'debug' | 'info' = 'info', secrets: string[] = []) {
  const lines: Record<string, unknown>[] = [];
  const log = createReconcilerLog({
    level,
    secrets: () => secrets,
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) },
  });
  return { log, lines };
}

describe('reconciler log', () => {
  it('writes one JSON object per line with level name, time and fields', () => {
    const { log, lines } = capture();
    log.info({ commit: 'abc' }, 'applied');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', component: 'reconciler', commit: 'abc', msg: 'applied' });
    expect(typeof lines[0]!.time).toBe('string');
  });

  it('drops lines below its level', () => {
    const { log, lines } = capture('info');
    log.debug({}, 'noise');
    log.warn({}, 'kept');
    expect(lines.map((l) => l.msg)).toEqual(['kept']);
  });

  it('hides secrets and URL credentials in messages and in nested fields', () => {
    const { log, lines } = capture('info', ['ghp_token123']);
    log.error(
      { source: 'https://alice:pw@git.example/p.git', nested: { list: ['Bearer ghp_token123'] } },
      'cannot fetch https://alice:pw@git.example/p.git with ghp_token123',
    );
    const text = JSON.stringify(lines);
    expect(text).not.toContain('ghp_token123');
    expect(text).not.toContain('alice');
    expect(lines[0]).toMatchObject({
      source: 'https://***@git.example/p.git',
      nested: { list: ['Bearer ***'] },
      msg: 'cannot fetch https://***@git.example/p.git with ***',
    });
  });
});
