// End to end: the rate limit and the canary, granted by a real coordinator process to real agents
// on kwok nodes (their reboots played by simulated hosts, as in rollout.test.ts).
import { CoordinationV1Api } from '@kubernetes/client-node';
import { afterEach, describe, expect, it } from 'vitest';
import { MEMORY_ANNOTATION, memoryLeaseName } from '../../kube/memory.ts';
import type { Grant } from '../../kube/ports.ts';
import { E2eFleet } from '../helpers/e2e-fleet.ts';
import { useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const leases = cluster.kubeConfig().makeApiClient(CoordinationV1Api);

/** Every grant the watcher shows while `f.until` waits, first sight by node and epoch. */
function grantLog(f: E2eFleet): { seen: Map<string, Grant>; record: () => void } {
  const seen = new Map<string, Grant>();
  return {
    seen,
    record: () => {
      for (const g of f.watcher.grants()) if (!seen.has(g.epoch)) seen.set(g.epoch, g);
    },
  };
}

async function memoryOf(f: E2eFleet): Promise<Record<string, unknown>> {
  const lease = await leases.readNamespacedLease({ namespace: f.id, name: memoryLeaseName(f.id) });
  return JSON.parse(lease.metadata!.annotations![MEMORY_ANNOTATION]!) as Record<string, unknown>;
}

/** The messages of every Event on every node of the fleet. */
async function allMessages(f: E2eFleet): Promise<string[]> {
  const all = await Promise.all(f.nodes.map((n) => f.events(n)));
  return all.flat().map((e) => e.message ?? '');
}

describe('guard rails: rate limit and canary', () => {
  let fleet: E2eFleet | undefined;
  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  it('maxPerPeriod spaces the starts beyond the budget, also across a coordinator restart', async () => {
    const PERIOD_MS = 30_000;
    fleet = await E2eFleet.create(cluster, {
      policies: [
        { name: 'paced', pools: ['p'], maxUnavailable: 3, spec: { maxPerPeriod: { count: 2, period: '30s' } } },
      ],
      nodes: { p1: { pool: 'p' }, p2: { pool: 'p' }, p3: { pool: 'p' } },
    });
    const f = fleet;
    const log = grantLog(f);
    f.startAgents();
    await f.until('two grants given', () => (log.record(), log.seen.size >= 2));
    // Both done and their grants released: only the memory knows of those two starts now.
    const first = [...log.seen.values()].map((g) => g.node);
    await f.until(
      'the first two nodes done',
      () => (
        log.record(),
        first.every((n) => f.watcher.grants().every((g) => g.node !== n) && f.idle(n.slice(f.id.length + 1)))
      ),
      60_000,
    );
    expect(log.seen.size, f.report()).toBe(2);
    await f.killCoordinator(f.coordinators[0]!);
    f.startCoordinator();
    await f.until(
      'every node rebooted and done',
      () => (log.record(), f.nodes.every((n) => f.rebootedAndDone(n))),
      120_000,
    );

    const starts = [...log.seen.values()].map((g) => g.grantedMs).sort((a, b) => a - b);
    expect(starts.length).toBe(3);
    // The third start waited until the first left the sliding window, though the budget had room.
    // (A start counts from its decision, the Lease's time is its write a few ms later: 1 s slack.)
    expect(starts[2]! - starts[0]!, f.report()).toBeGreaterThanOrEqual(PERIOD_MS - 1_000);
    expect(f.watcher.maxGrantsHeld('paced')).toBeLessThanOrEqual(2);
    const messages = await allMessages(f);
    expect(
      messages.some((m) => /policy paced: rate-limit until \d\d:\d\d UTC: 2 start\(s\) per 30s used by/.test(m)),
      messages.join('\n'),
    ).toBe(true);
    expect(await memoryOf(f)).toMatchObject({ version: 1 });
    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(f.problems).toEqual([]);
  }, 240_000);

  it('canary: the first node returns healthy on its new kernel before any other starts; then the rest go together', async () => {
    fleet = await E2eFleet.create(cluster, {
      policies: [{ name: 'canaried', pools: ['c'], maxUnavailable: 3, spec: { canary: 1 } }],
      nodes: { c1: { pool: 'c' }, c2: { pool: 'c' }, c3: { pool: 'c' } },
      kernelAfterReboot: '6.6.63-e2e',
      bootMs: 2_000,
    });
    const f = fleet;
    const log = grantLog(f);
    f.startAgents();
    await f.until(
      'every node rebooted and done',
      () => (log.record(), f.nodes.every((n) => f.rebootedAndDone(n))),
      120_000,
    );

    const grants = [...log.seen.values()].sort((a, b) => a.grantedMs - b.grantedMs);
    expect(grants.length, f.report()).toBe(3);
    const canary = grants[0]!.node;
    const done = f.watcher.grantEvents.find((e) => e.kind === 'released' && e.node === canary)!.atMs;
    // Nobody else was granted while the canary was out, though the budget allowed three.
    for (const g of grants.slice(1)) expect(g.grantedMs, f.report()).toBeGreaterThanOrEqual(done - 1_000);
    expect(
      f.watcher.grantEvents.filter((e) => e.kind === 'given' && e.node !== canary).every((e) => e.atMs >= done),
    ).toBe(true);
    // Once proven, the other two went together, and no other node was made a canary of its own.
    expect(f.watcher.maxGrantsHeld('canaried')).toBe(2);
    const messages = await allMessages(f);
    expect(
      messages.filter((m) => /canary: waiting for /.test(m) && !m.includes(`canary: waiting for ${canary}`)),
      messages.join('\n'),
    ).toEqual([]);
    expect(
      messages.some((m) => m.includes(`canary: waiting for ${canary}`)),
      messages.join('\n'),
    ).toBe(true);
    expect(messages.some((m) => m.includes(`canary ${canary} is back healthy`) && m.includes('-> '))).toBe(true);
    expect(await memoryOf(f)).toMatchObject({
      canaries: {
        canaried: { proven: { node: canary, version: expect.stringContaining('6.6.63-e2e') as unknown }, out: null },
      },
    });
    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(f.problems).toEqual([]);
  }, 240_000);
});
