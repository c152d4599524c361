// `patchwindow report` against the real control plane: policies applied with `patchwindow apply`,
// kwok nodes carrying what the agents write (the state record and the last-reboot record from
// policy/state.ts, the reboot-required label and since annotation), Events recorded by the agents'
// own Events adapter (kube/events.ts) and, for the past windows the adapter cannot date back, Events
// written as it writes them with their times set; read back as JSON, text and Markdown.
// The policy's window is every day 01:00-05:00 UTC, so the windows a node missed follow from the
// day the test runs.
import { CoreV1Api, RbacAuthorizationV1Api } from '@kubernetes/client-node';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeEvents } from '../../kube/events.ts';
import { restOf } from '../../kube/config.ts';
import {
  LAST_REBOOT_ANNOTATION,
  REBOOT_REQUIRED_LABEL,
  REBOOT_REQUIRED_SINCE_ANNOTATION,
  STATE_ANNOTATION,
} from '../../policy/keys.ts';
import { encodeLastReboot, encodeState } from '../../policy/state.ts';
import { NO_EVENT_LEFT } from '../../reconciler/status/report.ts';
import { runCli } from '../helpers/cli.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';
import { fleetYaml } from './reconcile-fixtures.ts';

const cluster = useCluster();
const kc = cluster.kubeConfig();
const core = kc.makeApiClient(CoreV1Api);
const rbac = kc.makeApiClient(RbacAuthorizationV1Api);
const POOL = 'report.patchwindow.dev/pool';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const iso = (ms: number) => new Date(ms).toISOString().replace('.000Z', 'Z');

describe('patchwindow report', () => {
  let dir: string;
  let NOW: number;
  const ns = uniqueName('report');
  const fleet = uniqueName('fleet');
  const pool = uniqueName('nightly');
  const n = { overdue: `${pool}-overdue`, rebooted: `${pool}-rebooted`, failed: `${pool}-failed` };
  const pastEvent = uniqueName('blocked');
  const admin = { KUBECONFIG: cluster.info.kubeconfigPath };
  // Today's midnight UTC; the node has needed its reboot since noon three days ago.
  const midnight = Math.floor(Date.now() / DAY) * DAY;
  const since = midnight - 3 * DAY + 12 * HOUR;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'patchwindow-report-'));
    await writeFile(join(dir, 'fleet.yaml'), fleetYaml({ name: fleet, namespace: ns, poolLabel: POOL }));
    await writeFile(
      join(dir, 'nightly.yaml'),
      [
        'apiVersion: patchwindow.io/v1alpha1',
        'kind: RebootPolicy',
        'metadata:',
        '  name: nightly',
        'spec:',
        `  nodePools: [${pool}]`,
        '  maxUnavailable: 1',
        '  maxPendingDays: 2',
        '  timeZone: UTC',
        '  windows:',
        '    - days: [mon, tue, wed, thu, fri, sat, sun]',
        '      start: "01:00"',
        '      end: "05:00"',
        '',
      ].join('\n'),
    );
    expect((await runCli(['apply', dir], { env: admin })).code).toBe(0);

    // The rebooted node's attempt: the agent's Events adapter records its start and a failed drain
    // of an earlier attempt; then the agent writes the last-reboot record.
    const events = new KubeEvents(restOf(kc));
    await events.record(n.rebooted, {
      type: 'Warning',
      reason: 'DrainFailed',
      message: 'the drain did not finish by its deadline; the node is uncordoned and tries again in a later window',
    });
    await events.record(n.rebooted, { type: 'Normal', reason: 'Cordoning', message: 'cordoning (attempt 2)' });
    const rebootedMs = Date.now() + 1_000;
    NOW = rebootedMs + 60_000;
    const required = { [REBOOT_REQUIRED_LABEL]: 'true' };
    await cluster.createNodes([
      {
        name: n.overdue,
        labels: { [POOL]: pool, ...required },
        annotations: { [REBOOT_REQUIRED_SINCE_ANNOTATION]: new Date(since).toISOString() },
      },
      {
        name: n.rebooted,
        labels: { [POOL]: pool },
        annotations: {
          [LAST_REBOOT_ANNOTATION]: encodeLastReboot({ atMs: rebootedMs, bootId: 'b2', sentinelSurvived: false }),
        },
      },
      {
        name: n.failed,
        labels: { [POOL]: pool, ...required },
        annotations: {
          [REBOOT_REQUIRED_SINCE_ANNOTATION]: new Date(NOW - HOUR).toISOString(),
          [STATE_ANNOTATION]: encodeState({
            phase: 'failed',
            policy: 'nightly',
            attempt: 1,
            bootId: 'b1',
            cordoned: false,
            labels: {},
            startedMs: NOW - 30 * 60_000,
            sinceMs: NOW - 10 * 60_000,
            reason: 'drain timed out',
            retryAfterMs: NOW + DAY,
          }),
        },
      },
    ]);
    // Yesterday's window: the agent said, again and again, that a pod blocked the reboot.
    await core.createNamespacedEvent({
      namespace: 'default',
      body: {
        metadata: { name: pastEvent },
        involvedObject: { apiVersion: 'v1', kind: 'Node', name: n.overdue, uid: n.overdue },
        type: 'Normal',
        reason: 'RebootBlocked',
        message: 'pod batch/nightly-etl-0 on the node matches a pod blocker',
        source: { component: 'patchwindow-agent', host: n.overdue },
        firstTimestamp: new Date(midnight - DAY + 1.5 * HOUR),
        lastTimestamp: new Date(midnight - DAY + 4.5 * HOUR),
        count: 37,
      },
    });
  });

  afterAll(async () => {
    await cluster.deleteNodes(Object.values(n));
    const list = await core.listNamespacedEvent({ namespace: 'default', fieldSelector: 'involvedObject.kind=Node' });
    for (const e of list.items)
      if (Object.values(n).includes(e.involvedObject.name ?? ''))
        await core.deleteNamespacedEvent({ namespace: 'default', name: e.metadata?.name ?? '' }).catch(() => undefined);
    await core.deleteNamespace({ name: ns }).catch(() => undefined);
    await rbac.deleteClusterRole({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rbac.deleteClusterRoleBinding({ name: `patchwindow-agent-${fleet}` }).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('lists per node the windows missed and why, overdue, the last reboot and failures, as JSON', async () => {
    const run = await runCli(['report', '--format', 'json', '--namespace', ns, '--since', '1d'], {
      env: admin,
      nowMs: NOW,
    });
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const doc = JSON.parse(run.stdout) as { policies: unknown[]; nodes: Record<string, unknown>[] };
    expect(doc.policies).toEqual([
      {
        fleet,
        policy: 'nightly',
        timeZone: 'UTC',
        nodes: 3,
        pending: 2,
        overdue: 1,
        maxPendingDays: 2,
        rebooted: 1,
        failures: 1,
        // The overdue node's windows, and today's for the failed node when it ended in its last hour.
        missedWindows:
          (NOW >= midnight + 5 * HOUR ? 3 : 2) +
          (NOW - HOUR < midnight + 5 * HOUR && NOW >= midnight + 5 * HOUR ? 1 : 0),
      },
    ]);
    const row = (name: string) => doc.nodes.find((r) => r.node === name);
    const windows = [midnight - 2 * DAY, midnight - DAY, ...(NOW >= midnight + 5 * HOUR ? [midnight] : [])];
    expect(row(n.overdue)).toMatchObject({
      policy: 'nightly',
      pool,
      phase: 'pending',
      pendingSince: iso(since),
      overdue: true,
      windowsMissed: windows.map((day) => ({
        start: iso(day + HOUR),
        end: iso(day + 5 * HOUR),
        why: [
          day === midnight - DAY
            ? 'RebootBlocked: pod batch/nightly-etl-0 on the node matches a pod blocker'
            : NO_EVENT_LEFT,
        ],
      })),
      lastReboot: null,
    });
    const rebooted = row(n.rebooted) as { lastReboot: { tookSeconds: number }; failures: unknown[] };
    expect(rebooted).toMatchObject({ phase: 'idle', rebootRequired: false, overdue: false, windowsMissed: [] });
    expect(rebooted.lastReboot.tookSeconds).toBeGreaterThan(0);
    expect(rebooted.lastReboot.tookSeconds).toBeLessThan(120);
    expect(rebooted.failures).toEqual([
      expect.objectContaining({
        reason: 'DrainFailed',
        message: expect.stringMatching(/^the drain did not finish/) as unknown,
      }),
    ]);
    expect(row(n.failed)).toMatchObject({
      phase: 'failed',
      overdue: false,
      notMovingBecause: `last attempt failed: drain timed out; retries after ${new Date(NOW + DAY).toISOString().slice(0, 16).replace('T', ' ')} +00:00`,
    });
  });

  it('prints the same as tables for a terminal and as Markdown', async () => {
    const text = await runCli(['report', '--namespace', ns], { env: admin, nowMs: NOW });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^${fleet} +nightly +3 +2 +1 +2d +`, 'm'));
    expect(text.stdout).toMatch(new RegExp(`^${n.overdue} +nightly +${pool} +pending +.* OVERDUE +[23] +- +`, 'm'));
    expect(text.stdout).toContain(`${n.overdue} missed `);
    const md = await runCli(['report', '--namespace', ns, '--format', 'markdown'], { env: admin, nowMs: NOW });
    expect(md.stdout).toContain('| Fleet | Policy | Nodes | Pending | Overdue |');
    expect(md.stdout).toContain(`| ${n.overdue} | nightly | ${pool} | pending |`);
  });

  it('refuses a period of zero with a usage error', async () => {
    const run = await runCli(['report', '--since', '0s'], { env: admin, nowMs: NOW });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe('patchwindow: --since must be longer than 0s; use e.g. --since 7d\n');
  });
});
