// The Silences adapter against a real HTTP server on loopback speaking Alertmanager's v2 API.
import { afterEach, describe, expect, it } from 'vitest';
import { startAlertmanager, type FakeAlertmanager } from '../../test/helpers/alertmanager.ts';
import { closedPort, startLoopback, type Loopback } from '../../test/helpers/loopback.ts';
import { alertmanagerSilences } from './alertmanager-silences.ts';

const matchers = [{ name: 'instance', value: 'node-1', isRegex: false, isEqual: true }];
const write = (startsAtMs: number, endsAtMs: number, id?: string) => ({
  ...(id !== undefined ? { id } : {}),
  matchers,
  startsAtMs,
  endsAtMs,
  createdBy: 'patchwindow agent on node-1',
  comment: 'reboot',
});

describe('Alertmanager silences', () => {
  let am: FakeAlertmanager | undefined;
  let other: Loopback | undefined;
  afterEach(async () => {
    await am?.close();
    await other?.close();
    am = undefined;
    other = undefined;
  });

  it('creates a silence, extends it under the same id, and moves its end', async () => {
    am = await startAlertmanager();
    const silences = alertmanagerSilences({ alertmanagerUrl: `${am.url}/`, timeoutMs: 2_000 });
    const start = Date.now();
    const id = await silences.put(write(start, start + 60_000));
    expect(await silences.put(write(start, start + 120_000, id))).toBe(id);
    expect(await silences.put(write(start, start + 5_000, id))).toBe(id);
    expect(am.writes.map((w) => w.kind)).toEqual(['created', 'updated', 'updated']);
    expect(am.silences.get(id)).toMatchObject({ matchers, startsAtMs: start, endsAtMs: start + 5_000 });
  });

  it('says which Alertmanager refused what', async () => {
    am = await startAlertmanager();
    am.failNext(1);
    const silences = alertmanagerSilences({ alertmanagerUrl: am.url, timeoutMs: 2_000 });
    await expect(silences.put(write(Date.now(), Date.now() + 1_000))).rejects.toThrow(
      `silence at ${am.url}/api/v2/silences: HTTP 503 (unavailable)`,
    );
  });

  it('says when the answer has no silence id', async () => {
    other = await startLoopback(() => ({ status: 200, body: '{"ok":true}' }));
    const silences = alertmanagerSilences({ alertmanagerUrl: other.url, timeoutMs: 2_000 });
    await expect(silences.put(write(Date.now(), Date.now() + 1_000))).rejects.toThrow(
      'the answer has no silenceID ({"ok":true})',
    );
  });

  it('says when nothing listens', async () => {
    const port = await closedPort();
    const silences = alertmanagerSilences({ alertmanagerUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    await expect(silences.put(write(Date.now(), Date.now() + 1_000))).rejects.toThrow(
      /request failed \(ECONNREFUSED\)/,
    );
  });
});
