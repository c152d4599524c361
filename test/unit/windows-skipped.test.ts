// `patchwindow windows` lists the occurrences a blackout or the pause removed, with what removed them:
// the example's general policy (weeknights 20:00-06:00, weekends 00:00-08:00 Europe/Amsterdam) has
// the "Black Friday weekend" blackout, 2026-11-27 to 2026-11-30 (whole days).
import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/cli.ts';

const FROM = ['--from', '2026-11-26T12:00:00Z'];
const BLACK_FRIDAY = 'blackout "Black Friday weekend" (policy) 2026-11-27 00:00 +01:00 → 2026-12-01 00:00 +01:00';

interface WindowsJson {
  windows: { start: string; end: string }[];
  skipped: { start: string; end: string; effect: string; removedBy: Record<string, unknown>[] }[];
}

/** `windows` of the example's general policy. */
const general = (...args: string[]) => runCli(['windows', 'policies-example', '--policy', 'general', ...args]);

let paused: string;
beforeAll(async () => {
  paused = await mkdtemp(join(tmpdir(), 'patchwindow-windows-'));
  await cp('policies-example', paused, { recursive: true });
  const general = await readFile(join(paused, 'general.yaml'), 'utf8');
  await writeFile(
    join(paused, 'general.yaml'),
    general.replace('  maxPendingDays: 14\n', '  maxPendingDays: 14\n  pausedUntil: "2026-11-26T22:00:00Z"\n'),
  );
});
afterAll(async () => rm(paused, { recursive: true, force: true }));

describe('windows: skipped occurrences', () => {
  it('names the blackout that removed or shortened each occurrence (text)', async () => {
    const run = await runCli(['windows', 'policies-example', '--policy', 'general', '--count', '3', ...FROM]);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain(
      [
        'skipped or shortened by blackouts or the pause in that time:',
        `  2026-11-26 20:00 +01:00 → 2026-11-27 06:00 +01:00  shortened by ${BLACK_FRIDAY}`,
        `  2026-11-27 20:00 +01:00 → 2026-11-28 08:00 +01:00  skipped: ${BLACK_FRIDAY}`,
        `  2026-11-29 00:00 +01:00 → 2026-11-29 08:00 +01:00  skipped: ${BLACK_FRIDAY}`,
        `  2026-11-30 20:00 +01:00 → 2026-12-01 06:00 +01:00  shortened by ${BLACK_FRIDAY}`,
        '',
      ].join('\n'),
    );
  });

  it('lists them as JSON with what removed them', async () => {
    const run = await runCli([
      'windows',
      'policies-example',
      '--policy',
      'general',
      '--count',
      '3',
      ...FROM,
      '--format',
      'json',
    ]);
    const doc = JSON.parse(run.stdout) as WindowsJson;
    expect(doc.windows.map((w) => w.start)).toEqual([
      '2026-11-26T19:00:00Z',
      '2026-11-30T23:00:00Z',
      '2026-12-01T19:00:00Z',
    ]);
    expect(doc.skipped[1]).toEqual({
      start: '2026-11-27T19:00:00Z',
      end: '2026-11-28T07:00:00Z',
      effect: 'skipped',
      removedBy: [
        {
          kind: 'blackout',
          reason: 'Black Friday weekend',
          source: 'policy',
          start: '2026-11-26T23:00:00Z',
          end: '2026-11-30T23:00:00Z',
        },
      ],
    });
  });

  it('names the pause', async () => {
    const run = await runCli(['windows', paused, '--policy', 'general', '--count', '1', ...FROM, '--format', 'json']);
    const doc = JSON.parse(run.stdout) as WindowsJson;
    // Paused until 23:00 Amsterdam: Thursday's window opens at 23:00 instead of 20:00 and ends at the blackout.
    expect(doc.windows).toEqual([{ start: '2026-11-26T22:00:00Z', end: '2026-11-26T23:00:00Z' }]);
    expect(doc.skipped).toEqual([
      {
        start: '2026-11-26T19:00:00Z',
        end: '2026-11-27T05:00:00Z',
        effect: 'shortened',
        removedBy: [
          { kind: 'pause', until: '2026-11-26T22:00:00Z' },
          {
            kind: 'blackout',
            reason: 'Black Friday weekend',
            source: 'policy',
            start: '2026-11-26T23:00:00Z',
            end: '2026-11-30T23:00:00Z',
          },
        ],
      },
    ]);
    const text = await runCli(['windows', paused, '--policy', 'general', '--count', '1', ...FROM]);
    expect(text.stdout).toContain(
      `  2026-11-26 20:00 +01:00 → 2026-11-27 06:00 +01:00  shortened by the pause until 2026-11-26 23:00 +01:00 (pausedUntil); ${BLACK_FRIDAY}\n`,
    );
  });

  it('says nothing was skipped when nothing was', async () => {
    const args = ['--count', '2', '--from', '2026-11-24T12:00:00Z'];
    expect((await general(...args)).stdout).not.toContain('skipped');
    expect((JSON.parse((await general(...args, '--format', 'json')).stdout) as WindowsJson).skipped).toEqual([]);
  });

  it('lists at most --count of them, and says how many more, when a pause removes every window', async () => {
    const stopped = join(paused, 'stopped');
    await cp('policies-example', stopped, { recursive: true });
    const general = await readFile(join(stopped, 'general.yaml'), 'utf8');
    await writeFile(
      join(stopped, 'general.yaml'),
      general.replace('  maxPendingDays: 14\n', '  maxPendingDays: 14\n  paused: true\n'),
    );
    const run = await runCli(['windows', stopped, '--policy', 'general', '--count', '2', ...FROM]);
    expect(run.stdout).toContain('  none within 400 days: blackouts or a pause cover every window\n');
    expect(run.stdout).toContain(
      '  2026-11-26 20:00 +01:00 → 2026-11-27 06:00 +01:00  skipped: the pause (paused: true); ' + BLACK_FRIDAY + '\n',
    );
    expect(run.stdout).toMatch(/\n {2}and \d{3} more; --count N lists more\n$/);
  });
});
