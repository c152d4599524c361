// `patchwindow status` from plain data: the example's compiled AgentConfigs and nodes in every phase.
import { beforeAll, describe, expect, it } from 'vitest';
import {
  HOLD_KEY,
  LAST_REBOOT_ANNOTATION,
  REBOOT_REQUIRED_LABEL,
  REBOOT_REQUIRED_SINCE_ANNOTATION,
  STATE_ANNOTATION,
} from '../../policy/keys.ts';
import type { Grant } from '../../kube/ports.ts';
import { hookJobName } from '../../policy/hooks.ts';
import { encodeLastReboot, encodeState, type NodeState } from '../../policy/state.ts';
import type { AgentConfig } from '../../policy/model.ts';
import { examplePolicySet, NOW } from '../../test/unit/render-fixtures.ts';
import { compileFleet } from '../render/compile.ts';
import { computeStatus, type StatusNode, type WaitEvent } from './status.ts';
import { formatStatusJson, formatStatusText } from './status-format.ts';

const POOL = 'kubernetes.azure.com/agentpool';
const HOUR = 3_600_000;
const FLEET = 'prod-westeurope';

function node(
  name: string,
  pool: string | null,
  o: {
    state?: Partial<NodeState> | string;
    required?: boolean;
    sinceMs?: number;
    ready?: boolean;
    hold?: string;
    loop?: boolean;
  } = {},
): StatusNode {
  const annotations: Record<string, string> = {};
  const labels: Record<string, string> = pool ? { [POOL]: pool } : {};
  if (o.required) {
    labels[REBOOT_REQUIRED_LABEL] = 'true';
    if (o.sinceMs !== undefined) annotations[REBOOT_REQUIRED_SINCE_ANNOTATION] = new Date(o.sinceMs).toISOString();
  }
  if (typeof o.state === 'string') annotations[STATE_ANNOTATION] = o.state;
  else if (o.state) {
    const s: NodeState = {
      phase: 'draining',
      policy: 'system',
      attempt: 1,
      bootId: 'boot-1',
      grant: 'epoch-1',
      cordoned: true,
      labels: {},
      startedMs: NOW - HOUR,
      sinceMs: NOW - HOUR,
      drainDeadlineMs: NOW + HOUR,
      ...o.state,
    };
    annotations[STATE_ANNOTATION] = encodeState(s);
  }
  if (o.hold) annotations[HOLD_KEY] = o.hold;
  if (o.loop)
    annotations[LAST_REBOOT_ANNOTATION] = encodeLastReboot({
      atMs: NOW - 2 * HOUR,
      bootId: 'b',
      sentinelSurvived: true,
    });
  return { name, labels, annotations, ready: o.ready ?? true, unschedulable: false };
}

const grant = (node: string, policy: string, renewedMs = NOW - 1_000): { fleet: string; grant: Grant } => ({
  fleet: FLEET,
  grant: {
    node,
    policy,
    epoch: `epoch-${node}`,
    nodeUid: `uid-${node}`,
    grantedMs: NOW - HOUR,
    renewedMs,
    ttlMs: 15 * 60_000,
    resourceVersion: '1',
  },
});

let configs: AgentConfig[];
beforeAll(async () => {
  configs = compileFleet(await examplePolicySet()).policies.map((p) => p.config);
});

function status() {
  const nodes = [
    node('sys-1', 'system', {
      required: true,
      sinceMs: NOW - 5 * HOUR,
      state: { phase: 'draining' },
    }),
    node('sys-2', 'system', { required: true, sinceMs: NOW - 4 * HOUR }),
    node('gpu-1', 'gpu', { required: true, sinceMs: NOW - 3 * HOUR, hold: 'firmware update' }),
    node('gen-1', 'general', { required: true, sinceMs: NOW - 2 * HOUR }),
    node('gen-2', 'spot', { ready: false }),
    node('gen-3', 'general', {
      state: { phase: 'failed', policy: 'general', reason: 'drain timed out', retryAfterMs: NOW + HOUR },
    }),
    node('odd-1', null, { state: '{"version":7}' }),
    node('loop-1', 'general', { required: true, loop: true }),
  ];
  const waits = new Map<string, WaitEvent>([
    [
      'gen-1',
      { reason: 'RebootBlocked', message: 'pod team/train-0 on the node matches a pod blocker', atMs: NOW - HOUR },
    ],
    ['sys-2', { reason: 'WaitingForGrant', message: 'old wait, before the reboot was needed', atMs: NOW - 10 * HOUR }],
  ]);
  // gen-3's agent stopped renewing its grant two hours ago: it still holds it (and counts).
  const grants = [grant('sys-1', 'system'), grant('gen-3', 'general', NOW - 2 * HOUR)];
  const coordinators = [
    {
      fleet: FLEET,
      namespace: 'patchwindow',
      holder: 'coordinator-7d9f-x2',
      renewedMs: NOW - 2_000,
      durationMs: 15_000,
    },
  ];
  return computeStatus({ configs, nodes, grants, coordinators, waits, nowMs: NOW });
}

describe('status', () => {
  it('shows each node with its policy, pool, phase, grant and blocker', () => {
    const rows = Object.fromEntries(status().nodes.map((r) => [r.node, r]));
    expect(rows['sys-1']).toMatchObject({
      policies: ['system'],
      pool: 'system',
      phase: 'draining',
      grant: { sinceMs: NOW - HOUR, stalledSinceMs: null },
      blocker: null,
      unavailable: true,
      rebootRequiredSinceMs: NOW - 5 * HOUR,
    });
    // No hold, failure or fresh waiting Event: the schedule says why it does not move.
    expect(rows['sys-2']).toMatchObject({
      phase: 'pending',
      grant: null,
      blocker: 'outside the window; next 2026-11-25 01:00 +01:00',
      unavailable: false,
      pendingFor: '4h',
    });
    expect(rows['gpu-1']).toMatchObject({
      policies: ['gpu'],
      phase: 'pending',
      blocker: 'node annotation patchwindow.io/hold="firmware update" holds it',
    });
    expect(rows['gen-1']).toMatchObject({
      policies: ['general'],
      blocker: 'RebootBlocked: pod team/train-0 on the node matches a pod blocker',
    });
    expect(rows['gen-2']).toMatchObject({
      policies: ['general'],
      pool: 'spot',
      phase: 'idle',
      unavailable: true,
      rebootRequiredSinceMs: null,
    });
    expect(rows['gen-3']).toMatchObject({
      phase: 'failed',
      grant: {
        stalledSinceMs: NOW - 2 * HOUR,
        freeCommand: 'kubectl -n patchwindow delete lease patchwindow-grant-gen-3',
      },
      blocker: 'last attempt failed: drain timed out; retries after 2026-11-24 13:00 +00:00',
    });
    // The default policy takes nodes without the pool label.
    expect(rows['odd-1']).toMatchObject({
      policies: ['general'],
      pool: null,
      phase: 'unknown',
      blocker: 'state annotation patchwindow.io/state has version 7; this agent reads version 2',
    });
    expect(rows['loop-1']).toMatchObject({
      phase: 'pending',
      blocker: 'reboot loop: the sentinel survived the last reboot',
    });
    expect(Number.isNaN(rows['loop-1']!.rebootRequiredSinceMs)).toBe(true);
  });

  it("gives each node its policy's next effective window: after the general blackout, on the system weekday nights", () => {
    const rows = Object.fromEntries(status().nodes.map((r) => [r.node, r]));
    // Tuesday 2026-11-24 12:00Z; system opens Wednesday 01:00 Amsterdam (00:00Z).
    expect(rows['sys-1']!.window?.startMs).toBe(Date.parse('2026-11-25T00:00:00Z'));
    expect(rows['gen-1']!.window?.startMs).toBe(Date.parse('2026-11-24T19:00:00Z'));
    expect(rows['gpu-1']!.window?.startMs).toBe(Date.parse('2026-11-28T05:00:00Z'));
  });

  it('counts per policy and for the fleet cap: budget, unavailable now, pending', () => {
    const groups = status().groups.map((g) => [g.group, g.nodes, g.allowed, g.unavailable, g.pending]);
    expect(groups).toEqual([
      ['general', 5, 1, 2, 2],
      ['gpu', 1, 1, 0, 1],
      ['system', 2, 1, 1, 1],
      ['fleet', 8, 3, 3, 4],
    ]);
  });

  it('prints three tables for a terminal, and how to free a stalled grant', () => {
    const text = formatStatusText(status(), NOW);
    const [nodes, groups, coordinators, ...rest] = text.split('\n\n');
    expect(nodes!.split('\n')[0]).toMatch(
      /^NODE +POLICY +POOL +REBOOT REQUIRED SINCE +PHASE +GRANT +BLOCKER +NEXT WINDOW$/,
    );
    expect(nodes).toMatch(
      /^sys-1 +system +system +2026-11-24 07:00 \+00:00 \(5h\) +draining +since 2026-11-24 11:00 \+00:00 +- +2026-11-25 01:00 \+01:00$/m,
    );
    expect(nodes).toMatch(/^gen-3 .* since 2026-11-24 11:00 \+00:00, STALLED since 2026-11-24 10:00 \+00:00 /m);
    expect(coordinators).toMatch(
      /^FLEET +COORDINATOR +LEADER +LAST RENEWAL\nprod-westeurope +present +coordinator-7d9f-x2 +2026-11-24 11:59 \+00:00$/,
    );
    expect(rest.join('\n')).toContain('free it with: kubectl -n patchwindow delete lease patchwindow-grant-gen-3');
    expect(groups!.split('\n')[0]).toMatch(/^FLEET +POLICY +NODES +BUDGET +UNAVAILABLE +PENDING +NEXT WINDOW$/);
    expect(groups).toMatch(/^prod-westeurope +general +5 +1 \(20%\) +2 +2 +2026-11-24 20:00 \+01:00$/m);
    expect(groups).toMatch(/^prod-westeurope +fleet-wide cap +8 +3 \(3\) +3 +4 +-$/m);
  });

  it('prints JSON for tools', () => {
    const doc = JSON.parse(formatStatusJson(status(), NOW)) as {
      time: string;
      nodes: Record<string, unknown>[];
      pools: Record<string, unknown>[];
      coordinators: Record<string, unknown>[];
    };
    expect(doc.time).toBe('2026-11-24T12:00:00.000Z');
    expect(doc.nodes.find((n) => n.node === 'sys-1')).toEqual({
      node: 'sys-1',
      fleet: FLEET,
      policies: ['system'],
      pool: 'system',
      rebootRequired: true,
      rebootRequiredSince: '2026-11-24T07:00:00.000Z',
      phase: 'draining',
      grant: {
        since: '2026-11-24T11:00:00.000Z',
        stalledSince: null,
        free: 'kubectl -n patchwindow delete lease patchwindow-grant-sys-1',
      },
      blocker: null,
      unavailable: true,
      pendingFor: '5h',
      nextWindow: { start: '2026-11-25T00:00:00.000Z', end: '2026-11-25T03:00:00.000Z' },
    });
    expect(doc.pools.at(-1)).toEqual({
      fleet: FLEET,
      policy: null,
      fleetCap: true,
      nodes: 8,
      budget: '3',
      allowedUnavailable: 3,
      unavailable: 3,
      pending: 4,
      paused: null,
      nextWindow: null,
    });
    expect(doc.coordinators).toEqual([
      { fleet: FLEET, present: true, leader: 'coordinator-7d9f-x2', lastRenewal: '2026-11-24T11:59:58.000Z' },
    ]);
  });
});

describe('status of a node waiting for its hook', () => {
  it('names the hook Job it waits for, since when, and how to read its output', () => {
    const held = grant('sys-1', 'system');
    const withHook = { ...held, grant: { ...held.grant, hooks: { preReboot: { state: 'pending' as const } } } };
    const nodes = [
      node('sys-1', 'system', {
        required: true,
        sinceMs: NOW - 5 * HOUR,
        state: { phase: 'cordoning', sinceMs: NOW - 30 * 60_000 },
      }),
    ];
    const s = computeStatus({ configs, nodes, grants: [withHook], coordinators: [], waits: new Map(), nowMs: NOW });
    const job = hookJobName('preReboot', 'sys-1', 'epoch-sys-1');
    expect(formatStatusText(s, NOW)).toMatch(
      new RegExp(
        `^sys-1 .* cordoning +since 2026-11-24 11:00 \\+00:00, waiting for its pre-reboot hook since 2026-11-24 11:30 \\+00:00 \\(Job ${job}; kubectl -n patchwindow logs job/${job}\\) `,
        'm',
      ),
    );
    const json = JSON.parse(formatStatusJson(s, NOW)) as { nodes: { grant: { hook: unknown } }[] };
    expect(json.nodes[0]!.grant.hook).toEqual({
      kind: 'preReboot',
      job,
      since: '2026-11-24T11:30:00.000Z',
    });
  });
});

describe('status as the one screen', () => {
  const paused = (c: AgentConfig, pause: AgentConfig['policy']['schedule']['pause']): AgentConfig => ({
    ...c,
    policy: { ...c.policy, schedule: { ...c.policy.schedule, pause } },
  });
  const refused = {
    namespace: 'patchwindow',
    name: 'patchwindow-reconciler-status',
    data: {
      lastResult: 'applied',
      lastAppliedCommit: 'aaaaaaaaaaaaaaaaaaaa',
      lastAppliedTime: '2026-11-24T11:58:00.000Z',
      lastRefusedCommit: 'bbbbbbbbbbbbbbbbbbbb',
      lastRefusedTime: '2026-11-24T11:00:00.000Z',
      lastRefusedReason:
        'policies/gpu.yaml:14:14: error: spec.windows[0].start: "25:00" is not a time of day; use HH:MM (00:00-23:59)',
    },
  };
  const screen = () => {
    const withPause = configs.map((c) =>
      c.policy.name === 'general'
        ? paused(c, { kind: 'indefinite' })
        : c.policy.name === 'gpu'
          ? paused(c, { kind: 'until', epochMs: Date.parse('2026-12-01T00:00:00Z') })
          : c,
    );
    const nodes = [
      node('gen-1', 'general', { required: true, sinceMs: NOW - 3 * 86_400_000 }),
      node('gpu-1', 'gpu', { required: true, sinceMs: NOW - HOUR }),
    ];
    return computeStatus({
      configs: withPause,
      nodes,
      grants: [],
      coordinators: [],
      waits: new Map(),
      reconcilers: [refused],
      nowMs: NOW,
    });
  };

  it("shows the reconciler's last applied and last refused commit with the reason", () => {
    const text = formatStatusText(screen(), NOW);
    expect(text).toContain(
      'reconciler patchwindow/patchwindow-reconciler-status: last applied aaaaaaaaaaaa at 2026-11-24T11:58:00.000Z\n',
    );
    expect(text).toContain(
      '  last refused bbbbbbbbbbbb at 2026-11-24T11:00:00.000Z: policies/gpu.yaml:14:14: error: spec.windows[0].start: "25:00" is not a time of day',
    );
  });

  it("shows a paused policy's pause and the window it would open, not '-'", () => {
    const groups = Object.fromEntries(screen().groups.map((g) => [g.group, g]));
    expect(groups.general!.paused).toBe('paused (spec.paused); without it 2026-11-24 20:00 +01:00');
    expect(groups.gpu!.paused).toBe('paused until 2026-12-01 01:00 +01:00; next 2026-12-05 06:00 +01:00');
    expect(formatStatusText(screen(), NOW)).toMatch(
      /^prod-westeurope +general +1 +1 \(20%\) +0 +1 +paused \(spec\.paused\); without it 2026-11-24 20:00 \+01:00$/m,
    );
  });

  it('says per node how long its reboot is pending and why it does not move', () => {
    const rows = Object.fromEntries(screen().nodes.map((r) => [r.node, r]));
    expect(rows['gen-1']).toMatchObject({
      pendingFor: '3d',
      blocker: 'paused (spec.paused); without it 2026-11-24 20:00 +01:00',
    });
    expect(rows['gpu-1']).toMatchObject({
      pendingFor: '1h',
      blocker: 'paused until 2026-12-01 01:00 +01:00; next 2026-12-05 06:00 +01:00',
    });
  });

  it('says which policies and pools match no node', () => {
    expect(screen().findings.map((f) => f.message)).toContain(
      'policy "system" takes none of the 2 nodes: its DaemonSet runs no agent',
    );
  });
});
