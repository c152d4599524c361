// `patchwindow report` from plain data: the example's compiled AgentConfigs, Nodes carrying what the
// agents write (policy/state.ts encoders), and the agents' Events. NOW is Tuesday 2026-11-24 12:00 UTC;
// the system policy's windows are Mon-Thu 01:00-04:00 Europe/Amsterdam (00:00-03:00 UTC), maxPendingDays 7,
// drain.timeout 15m + reboot.expectedDuration 8m = 23m needed to start.
import { beforeAll, describe, expect, it } from 'vitest';
import { LAST_REBOOT_ANNOTATION, REBOOT_REQUIRED_LABEL, REBOOT_REQUIRED_SINCE_ANNOTATION } from '../../policy/keys.ts';
import { encodeLastReboot } from '../../policy/state.ts';
import type { AgentConfig } from '../../policy/model.ts';
import { examplePolicySet, NOW } from '../../test/unit/render-fixtures.ts';
import { compileFleet } from '../render/compile.ts';
import { computeReport, NO_EVENT_LEFT, type NodeEvent } from './report.ts';
import { formatReportJson, formatReportMarkdown, formatReportText } from './report-format.ts';
import type { StatusNode } from './status.ts';

const POOL = 'kubernetes.azure.com/agentpool';
const MIN = 60_000;
const HOUR = 60 * MIN;
const DAY = 24 * HOUR;
const utc = (iso: string) => Date.parse(iso);

function node(name: string, o: { sinceMs?: number; rebootedMs?: number; loop?: boolean } = {}): StatusNode {
  const labels: Record<string, string> = { [POOL]: 'system' };
  const annotations: Record<string, string> = {};
  if (o.sinceMs !== undefined) {
    labels[REBOOT_REQUIRED_LABEL] = 'true';
    annotations[REBOOT_REQUIRED_SINCE_ANNOTATION] = new Date(o.sinceMs).toISOString();
  }
  if (o.rebootedMs !== undefined)
    annotations[LAST_REBOOT_ANNOTATION] = encodeLastReboot({
      atMs: o.rebootedMs,
      bootId: 'b2',
      sentinelSurvived: o.loop ?? false,
    });
  return { name, labels, annotations, ready: true, unschedulable: false };
}

function event(node: string, reason: string, message: string, firstMs: number, lastMs = firstMs): NodeEvent {
  const warnings = new Set(['DrainFailed', 'RebootFailed', 'RebootLoop']);
  return { node, type: warnings.has(reason) ? 'Warning' : 'Normal', reason, message, firstMs, lastMs, count: 1 };
}

let configs: AgentConfig[];
beforeAll(async () => {
  configs = compileFleet(await examplePolicySet()).policies.map((p) => p.config);
});

function report() {
  const nodes = [
    node('sys-1', { sinceMs: NOW - 9 * DAY }),
    node('sys-2', { sinceMs: utc('2026-11-24T02:50:00Z') }),
    node('sys-3', { rebootedMs: NOW - 2 * HOUR }),
  ];
  const events = [
    event(
      'sys-1',
      'RebootBlocked',
      'pod kube-system/etcd-backup-1 on the node matches a pod blocker',
      utc('2026-11-24T00:10:00Z'),
      utc('2026-11-24T02:50:00Z'),
    ),
    event('sys-3', 'Cordoning', 'cordoning (attempt 1)', NOW - 2 * HOUR - 20 * MIN),
    event('sys-3', 'DrainFailed', 'the drain did not finish by its deadline; uncordoned', NOW - 3 * HOUR),
    event('sys-3', 'RebootFailed', 'an old failure, before the period', NOW - 10 * DAY),
  ];
  return computeReport({
    configs,
    nodes,
    grants: [],
    coordinators: [],
    waits: new Map(),
    events,
    nowMs: NOW,
    fromMs: NOW - 7 * DAY,
  });
}

describe('report', () => {
  it('lists every window a pending node missed since it needed its reboot, with the Events that explain it', () => {
    const sys1 = report().nodes.find((n) => n.node === 'sys-1')!;
    expect(sys1).toMatchObject({ policy: 'system', pool: 'system', overdue: true, pendingFor: '9d' });
    // Mon 16, Tue 17, Wed 18, Thu 19, Mon 23, Tue 24 (each 00:00-03:00 UTC); today's ended at 03:00.
    expect(sys1.missed.map((w) => new Date(w.startMs).toISOString().slice(0, 10))).toEqual([
      '2026-11-16',
      '2026-11-17',
      '2026-11-18',
      '2026-11-19',
      '2026-11-23',
      '2026-11-24',
    ]);
    expect(sys1.missed.at(-1)!.why).toEqual([
      'RebootBlocked: pod kube-system/etcd-backup-1 on the node matches a pod blocker',
    ]);
    expect(sys1.missed[0]!.why).toEqual([NO_EVENT_LEFT]);
    expect(sys1.now).toBe('outside the window; next 2026-11-25 01:00 +01:00');
  });

  it('says a window was missed because the reboot became needed too late to start in it', () => {
    const sys2 = report().nodes.find((n) => n.node === 'sys-2')!;
    expect(sys2.overdue).toBe(false);
    expect(sys2.missed).toHaveLength(1);
    expect(sys2.missed[0]!.why[0]).toBe(
      'the reboot became needed too late to start in this window (a start needs 23m before its end: drain.timeout + reboot.expectedDuration)',
    );
  });

  it("gives the last reboot with how long it took, and the period's failures only", () => {
    const sys3 = report().nodes.find((n) => n.node === 'sys-3')!;
    expect(sys3).toMatchObject({ pendingSinceMs: null, overdue: false, missed: [] });
    expect(sys3.lastReboot).toEqual({ atMs: NOW - 2 * HOUR, tookMs: 20 * MIN, loop: false });
    expect(sys3.failures).toEqual([
      { atMs: NOW - 3 * HOUR, reason: 'DrainFailed', message: 'the drain did not finish by its deadline; uncordoned' },
    ]);
  });

  it('sums each policy up: nodes, pending, overdue against maxPendingDays, windows missed, reboots, failures', () => {
    expect(report().policies.find((p) => p.policy === 'system')).toEqual({
      fleet: 'prod-westeurope',
      policy: 'system',
      timeZone: 'Europe/Amsterdam',
      nodes: 3,
      pending: 2,
      overdue: 1,
      maxPendingDays: 7,
      rebooted: 1,
      failures: 1,
      missedWindows: 7,
    });
    expect(report().policies.find((p) => p.policy === 'gpu')).toMatchObject({ nodes: 0, maxPendingDays: 30 });
  });

  it('prints text, Markdown and JSON', () => {
    const r = report();
    const text = formatReportText(r);
    expect(text).toContain('patch compliance at 2026-11-24T12:00:00Z; reboots and failures since 2026-11-17T12:00:00Z');
    expect(text).toMatch(/^prod-westeurope +system +3 +2 +1 +7d +7 +1 +1 *$/m);
    expect(text).toMatch(/^sys-1 +system +system +pending +2026-11-15 12:00 \+00:00 \(9d\) +OVERDUE +6 +- +outside/m);
    expect(text).toContain('sys-3 failures in the period:\n  2026-11-24 09:00 +00:00 DrainFailed:');
    expect(text).toContain(
      '  2026-11-24 01:00 +01:00 → 2026-11-24 04:00 +01:00: RebootBlocked: pod kube-system/etcd-backup-1',
    );
    expect(text).toMatch(/^sys-3 .* 2026-11-24 10:00 \+00:00, took 20m +- *$/m);
    const md = formatReportMarkdown(r);
    expect(md).toContain('| Node | Policy | Pool | Phase | Pending since |');
    expect(md).toContain('| sys-1 | system | system | pending | 2026-11-15 12:00 +00:00 (9d) | OVERDUE | 6 |');
    const doc = JSON.parse(formatReportJson(r)) as { nodes: Record<string, unknown>[] };
    expect(doc.nodes.find((n) => n.node === 'sys-3')).toMatchObject({
      lastReboot: { at: '2026-11-24T10:00:00Z', tookSeconds: 1200, rebootLoop: false },
      failures: [{ at: '2026-11-24T09:00:00Z', reason: 'DrainFailed' }],
    });
    expect(doc.nodes.find((n) => n.node === 'sys-1')).toMatchObject({
      pendingSince: '2026-11-15T12:00:00Z',
      overdue: true,
      windowsMissed: expect.arrayContaining([
        { start: '2026-11-16T00:00:00Z', end: '2026-11-16T03:00:00Z', why: [NO_EVENT_LEFT] },
      ]) as unknown,
    });
  });
});
