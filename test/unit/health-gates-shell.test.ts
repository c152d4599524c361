// The coordinator's health gate shell against a real loopback HTTP server standing in for the API
// server: what it requests, and that an answer it cannot use (forbidden, none in time) holds the
// pool with the reason, while a healthy answer lets the grant through.
import { KubeConfig } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { decideWithGates } from '../../coordinator/gates.ts';
import type { CoreInput } from '../../coordinator/core/model.ts';
import { KubeObjects } from '../../kube/objects.ts';
import { compileSchedule } from '../../policy/windows.ts';
import type { AgentConfig } from '../../policy/model.ts';
import { startLoopback, type Loopback, type Reply } from '../helpers/loopback.ts';
import { healthCheck } from '../fixtures/health-check.ts';

const NOW = Date.parse('2026-06-01T12:00:00Z');
const check = healthCheck({ name: 'api', selector: null, timeoutMs: 300 });
const configs = [{ policy: { name: 'pay', healthChecks: [check] } }] as unknown as AgentConfig[];
const input: CoreInput = {
  nodes: [
    {
      name: 'n1',
      uid: 'u1',
      policy: 'pay',
      ready: true,
      unschedulable: false,
      cordonedByAgent: false,
      request: { sinceMs: NOW - 1000, aliveMs: NOW - 1000, blocked: null },
    },
  ],
  grants: [],
  policies: [
    {
      name: 'pay',
      budget: { kind: 'count', count: 1 },
      schedule: compileSchedule({
        timeZone: 'UTC',
        windows: [
          {
            days: [1, 2, 3, 4, 5, 6, 7],
            start: { hour: 0, minute: 0 },
            end: { kind: 'duration', durationMs: 48 * 3_600_000 },
            timeZone: 'UTC',
          },
        ],
        blackouts: [],
        pause: { kind: 'none' },
      }),
      neededMs: 0,
      requestTtlMs: null,
    },
  ],
  fleetBudget: null,
  nowMs: NOW,
};

let server: Loopback | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function decide(reply: Reply) {
  server = await startLoopback(() => reply);
  const kc = new KubeConfig();
  kc.loadFromOptions({
    // Plain HTTP on loopback: the client refuses it unless TLS verification is off.
    clusters: [{ name: 'c', server: server.url, skipTLSVerify: true }],
    users: [{ name: 'u', token: 't0ken' }],
    contexts: [{ name: 'x', cluster: 'c', user: 'u' }],
    currentContext: 'x',
  });
  const seen: [string, string, boolean][] = [];
  const result = await decideWithGates(input, configs, {
    reader: new KubeObjects(kc),
    metrics: { passing: (policy, c, passing) => seen.push([policy, c, passing]) },
  });
  return { ...result, seen };
}

const deployment = (available: number) =>
  JSON.stringify({
    metadata: { name: 'api', namespace: 'payments' },
    spec: { replicas: 2 },
    status: { availableReplicas: available },
  });

describe('health gates against an API server', () => {
  it('reads the named object with its credentials and grants when the gate passes', async () => {
    const { out, seen } = await decide({ status: 200, body: deployment(2) });
    expect(server!.requests.map((r) => [r.method, r.path, r.headers.authorization])).toEqual([
      ['GET', '/apis/apps/v1/namespaces/payments/deployments/api', 'Bearer t0ken'],
    ]);
    expect(out.grant.map((g) => g.node)).toEqual(['n1']);
    expect(seen).toEqual([['pay', 'payments available', true]]);
  });

  it('holds while the gate is false', async () => {
    const { out, seen } = await decide({ status: 200, body: deployment(1) });
    expect(out.grant).toEqual([]);
    expect(out.holds.map((h) => [h.reason, h.detail])).toEqual([
      ['health-gate', 'health check "payments available" holds: Deployment payments/api: the expression is false'],
    ]);
    expect(seen).toEqual([['pay', 'payments available', false]]);
  });

  it("holds when the read is forbidden, with the API server's words", async () => {
    const body = JSON.stringify({ kind: 'Status', message: 'deployments.apps "api" is forbidden', code: 403 });
    const { out } = await decide({ status: 403, body });
    expect(out.grant).toEqual([]);
    expect(out.holds[0]?.detail).toBe(
      'health check "payments available" holds: cannot read Deployment payments/api: GET /apis/apps/v1/namespaces/payments/deployments/api: deployments.apps "api" is forbidden',
    );
  });

  it("holds when the API does not answer within the check's timeout", async () => {
    const { out } = await decide('hang');
    expect(out.grant).toEqual([]);
    expect(out.holds[0]?.detail).toBe(
      'health check "payments available" holds: cannot read Deployment payments/api: GET /apis/apps/v1/namespaces/payments/deployments/api: no answer within 300 ms',
    );
  });

  it('holds when the named object does not exist (nothing to judge)', async () => {
    const { out } = await decide({ status: 404, body: '{}' });
    expect(out.holds[0]?.detail).toMatch(/matched no object \(Deployment payments\/api\)/);
  });
});
