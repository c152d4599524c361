// The Silences port: one contract, run against the adapter talking to a real HTTP server on
// loopback (Alertmanager's v2 API) and against the in-memory fake the loop tests use; then what the
// adapter says when Alertmanager refuses, answers oddly or is not there.
import { afterEach, describe, expect, it } from 'vitest';
import type { Silences } from '../ports.ts';
import {
  FakeSilences,
  SilenceStore,
  startAlertmanager,
  type FakeAlertmanager,
} from '../../test/helpers/alertmanager.ts';
import { closedPort, startLoopback, type Loopback } from '../../test/helpers/loopback.ts';
import { alertmanagerSilences } from './alertmanager-silences.ts';

const matchers = [{ name: 'instance', value: 'node-1', isRegex: false, isEqual: true }];
const write = (startsAtMs: number, endsAtMs: number, id?: string, m = matchers) => ({
  ...(id !== undefined ? { id } : {}),
  matchers: m,
  startsAtMs,
  endsAtMs,
  createdBy: 'patchwindow agent on node-1',
  comment: 'reboot',
});

let am: FakeAlertmanager | undefined;
let other: Loopback | undefined;
afterEach(async () => {
  await am?.close();
  await other?.close();
  am = undefined;
  other = undefined;
});

const setups: [string, () => Promise<{ silences: Silences; store: SilenceStore }>][] = [
  [
    'the adapter on a loopback Alertmanager',
    async () => {
      am = await startAlertmanager();
      return { silences: alertmanagerSilences({ alertmanagerUrl: `${am.url}/`, timeoutMs: 2_000 }), store: am.store };
    },
  ],
  [
    'the in-memory fake',
    () => {
      const store = new SilenceStore(Date.now);
      return Promise.resolve({ silences: new FakeSilences(store), store });
    },
  ],
];

describe.each(setups)('Silences contract: %s', (_name, setup) => {
  it('creates a silence, extends it under the same id, and moves its end', async () => {
    const { silences, store } = await setup();
    const start = Date.now();
    const id = await silences.put(write(start, start + 60_000));
    expect(await silences.put(write(start, start + 120_000, id))).toBe(id);
    expect(await silences.put(write(start, start + 5_000, id))).toBe(id);
    expect(store.writes.map((w) => w.kind)).toEqual(['created', 'updated', 'updated']);
    expect(store.silences.get(id)).toMatchObject({ matchers, startsAtMs: start, endsAtMs: start + 5_000 });
  });

  it('answers a new id when the matchers changed, and expires the old one', async () => {
    const { silences, store } = await setup();
    const start = Date.now();
    const id = await silences.put(write(start, start + 60_000));
    const other = [{ name: 'instance', value: 'node-2', isRegex: false, isEqual: true }];
    const next = await silences.put(write(start, start + 60_000, id, other));
    expect(next).not.toBe(id);
    expect(store.state(store.silences.get(id)!)).toBe('expired');
  });

  it('throws when Alertmanager refuses', async () => {
    const { silences, store } = await setup();
    store.failNext(1);
    await expect(silences.put(write(Date.now(), Date.now() + 1_000))).rejects.toThrow(/unavailable/);
    await expect(silences.put(write(Date.now(), Date.now() + 1_000, 'no-such-id'))).rejects.toThrow(/not found/);
  });
});

describe('the Alertmanager adapter says', () => {
  it('which Alertmanager refused what', async () => {
    am = await startAlertmanager();
    am.store.failNext(1);
    const silences = alertmanagerSilences({ alertmanagerUrl: am.url, timeoutMs: 2_000 });
    await expect(silences.put(write(Date.now(), Date.now() + 1_000))).rejects.toThrow(
      `silence at ${am.url}/api/v2/silences: HTTP 503 (unavailable)`,
    );
  });

  it('when the answer has no silence id', async () => {
    other = await startLoopback(() => ({ status: 200, body: '{"ok":true}' }));
    const silences = alertmanagerSilences({ alertmanagerUrl: other.url, timeoutMs: 2_000 });
    await expect(silences.put(write(Date.now(), Date.now() + 1_000))).rejects.toThrow(
      'the answer has no silenceID ({"ok":true})',
    );
  });

  it('when nothing listens', async () => {
    const port = await closedPort();
    const silences = alertmanagerSilences({ alertmanagerUrl: `http://127.0.0.1:${port}`, timeoutMs: 2_000 });
    await expect(silences.put(write(Date.now(), Date.now() + 1_000))).rejects.toThrow(
      /request failed \(ECONNREFUSED\)/,
    );
  });
});
