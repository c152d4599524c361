// Contract of the Grants port: one grant per node, identified by its epoch; renewed only while it
// is the same epoch; released only by its epoch (never a later grant of the same node). Run against
// every implementation: `describeGrantsContract('name', makeEnv)`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Grant } from '../../kube/ports.ts';
import { eventually, type ContractEnv, type MakeEnv } from './env.ts';

const TTL_MS = 30_000;

export function describeGrantsContract(name: string, makeEnv: MakeEnv): void {
  describe(`Grants contract: ${name}`, () => {
    let env: ContractEnv;
    let node: string;
    beforeEach(async () => {
      env = await makeEnv();
      node = env.unique('node');
    });
    afterEach(async () => {
      await env.dispose();
    });

    const give = (n = node, policy = 'alpha') =>
      env.grants.give({ node: n, nodeUid: `uid-${n}`, policy, ttlMs: TTL_MS }, env.nowMs());

    it('gives a grant once: the read shows holder, policy, node uid, TTL and an epoch; a second give is refused', async () => {
      const now = env.nowMs();
      expect(await give()).toBe(true);
      const g = await env.grants.read(node);
      expect(g).toMatchObject({ node, policy: 'alpha', nodeUid: `uid-${node}`, ttlMs: TTL_MS });
      expect(g!.epoch).not.toBe('');
      expect(Math.abs(g!.grantedMs - now)).toBeLessThan(1_000);
      expect(await give()).toBe(false);
      expect((await env.grants.read(node))!.epoch).toBe(g!.epoch);
    });

    it('gives a grant with its pre-reboot hook pending, keeps hook results across renewals, and writes them only to its epoch', async () => {
      expect(
        await env.grants.give(
          { node, nodeUid: `uid-${node}`, policy: 'alpha', ttlMs: TTL_MS, preHook: true },
          env.nowMs(),
        ),
      ).toBe(true);
      const first = (await env.grants.read(node))!;
      expect(first.hooks).toEqual({ preReboot: { state: 'pending' } });
      expect(await env.grants.markHook(first, 'preReboot', { state: 'succeeded' })).toBe(true);
      expect(await env.grants.markHook(first, 'postReboot', { state: 'pending' })).toBe(true);
      expect(await env.grants.renew(first, env.nowMs() + 1_000)).toBe(true);
      expect((await env.grants.read(node))!.hooks).toEqual({
        preReboot: { state: 'succeeded' },
        postReboot: { state: 'pending' },
      });
      await env.grants.release(first);
      await give();
      const second = (await env.grants.read(node))!;
      expect(second.hooks).toBeUndefined();
      expect(await env.grants.markHook(first, 'postReboot', { state: 'failed', reason: 'x' })).toBe(false);
      expect(await env.grants.markHook(second, 'postReboot', { state: 'failed', reason: 'exit 3' })).toBe(true);
      expect((await env.grants.read(node))!.hooks).toEqual({ postReboot: { state: 'failed', reason: 'exit 3' } });
    });

    it('marks a grant given without budget, keeps the mark across renewals, and gives later grants without it', async () => {
      const take = { node, nodeUid: `uid-${node}`, policy: 'alpha', ttlMs: TTL_MS, takesNoBudget: true };
      expect(await env.grants.give(take, env.nowMs())).toBe(true);
      const first = (await env.grants.read(node))!;
      expect(first.takesNoBudget).toBe(true);
      expect(await env.grants.renew(first, env.nowMs() + 1_000)).toBe(true);
      expect((await env.grants.read(node))!.takesNoBudget).toBe(true);
      await env.grants.release(first);
      await give();
      expect((await env.grants.read(node))!.takesNoBudget).toBeUndefined();
    });

    it('reads undefined for a node without a grant', async () => {
      expect(await env.grants.read(node)).toBeUndefined();
    });

    it('lets exactly one of two concurrent gives win', async () => {
      const results = await Promise.all([give(), give(node, 'beta')]);
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('renews the same epoch, and refuses to renew a grant that is gone or given again', async () => {
      await give();
      const first = (await env.grants.read(node))!;
      expect(await env.grants.renew(first, env.nowMs() + 5_000)).toBe(true);
      expect((await env.grants.read(node))!.renewedMs).toBeGreaterThan(first.renewedMs);
      await env.grants.release(first);
      expect(await env.grants.renew(first, env.nowMs())).toBe(false);
      await give();
      expect(await env.grants.renew(first, env.nowMs())).toBe(false);
    });

    it('releases only its own epoch: a later grant of the same node stays', async () => {
      await give();
      const first = (await env.grants.read(node))!;
      await env.grants.release(first);
      expect(await env.grants.read(node)).toBeUndefined();
      await give();
      const second = (await env.grants.read(node))!;
      expect(second.epoch).not.toBe(first.epoch);
      await env.grants.release(first);
      expect((await env.grants.read(node))?.epoch).toBe(second.epoch);
      await env.grants.release({ node: env.unique('none'), epoch: 'nothing' });
    });

    it("watches every grant of the fleet, and one node's own grant only", async () => {
      const other = env.unique('other');
      const all = await env.grants.watchAll();
      const own = await env.grants.watchOwn(node);
      try {
        await give();
        await give(other);
        const mine = (await env.grants.read(node))!;
        await eventually(() =>
          expect(
            all
              .list()
              .map((g) => g.node)
              .sort(),
          ).toEqual(expect.arrayContaining([node, other])),
        );
        await eventually(() => expect(own.list().map((g: Grant) => g.epoch)).toEqual([mine.epoch]));
        await env.grants.release(mine);
        await eventually(() => expect(own.list()).toEqual([]));
        await eventually(() => expect(all.list().map((g) => g.node)).not.toContain(node));
      } finally {
        all.stop();
        own.stop();
      }
    });
  });
}
