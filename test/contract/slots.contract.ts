// Contract of the Slots port: at most one holder per (group, index), decided by the API server.
// Run against every implementation: `describeSlotsContract('name', makeEnv)`.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Slot } from '../../kube/ports.ts';
import { eventually, type ContractEnv, type MakeEnv } from './env.ts';

const TTL_MS = 30_000;

export function describeSlotsContract(name: string, makeEnv: MakeEnv): void {
  describe(`Slots contract: ${name}`, () => {
    let env: ContractEnv;
    let group: string;
    beforeEach(async () => {
      env = await makeEnv();
      group = env.unique('group');
    });
    afterEach(async () => {
      await env.dispose();
    });

    /** The slot as the watch shows it, once it shows it held by `holder`. */
    async function seen(index: number, holder: string): Promise<Slot> {
      const cache = await env.slots.watch();
      try {
        let slot: Slot | undefined;
        await eventually(() => {
          slot = cache.list().find((s) => s.group === group && s.index === index);
          expect(slot?.holder).toBe(holder);
        });
        return slot!;
      } finally {
        cache.stop();
      }
    }

    it('creates a free slot for its holder, and the watch shows holder, TTL and renew time', async () => {
      const now = env.nowMs();
      expect(await env.slots.tryAcquire(group, 0, 'node-a', TTL_MS, now)).toBe(true);
      const slot = await seen(0, 'node-a');
      expect(slot).toMatchObject({ group, index: 0, holder: 'node-a', ttlMs: TTL_MS });
      expect(Math.abs(slot.renewTimeMs - now)).toBeLessThan(1_000);
      expect(slot.resourceVersion).not.toBe('');
    });

    it('lets exactly one of two concurrent takers win a slot', async () => {
      const now = env.nowMs();
      const results = await Promise.all([
        env.slots.tryAcquire(group, 0, 'node-a', TTL_MS, now),
        env.slots.tryAcquire(group, 0, 'node-b', TTL_MS, now),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      await seen(0, results[0] ? 'node-a' : 'node-b');
    });

    it('refuses a held slot to another taker that did not see it free', async () => {
      expect(await env.slots.tryAcquire(group, 0, 'node-a', TTL_MS, env.nowMs())).toBe(true);
      expect(await env.slots.tryAcquire(group, 0, 'node-b', TTL_MS, env.nowMs())).toBe(false);
      await seen(0, 'node-a');
    });

    it('keeps groups and indexes apart', async () => {
      const other = env.unique('group');
      const now = env.nowMs();
      expect(await env.slots.tryAcquire(group, 0, 'node-a', TTL_MS, now)).toBe(true);
      expect(await env.slots.tryAcquire(group, 1, 'node-b', TTL_MS, now)).toBe(true);
      expect(await env.slots.tryAcquire(other, 0, 'node-c', TTL_MS, now)).toBe(true);
    });

    it('hands an expired slot over to one taker that saw it, and only once', async () => {
      expect(await env.slots.tryAcquire(group, 0, 'node-a', 1_000, env.nowMs() - 60_000)).toBe(true);
      const stale = await seen(0, 'node-a');
      const results = await Promise.all([
        env.slots.tryAcquire(group, 0, 'node-b', TTL_MS, env.nowMs(), stale),
        env.slots.tryAcquire(group, 0, 'node-c', TTL_MS, env.nowMs(), stale),
      ]);
      expect(results.filter(Boolean)).toHaveLength(1);
      const winner = results[0] ? 'node-b' : 'node-c';
      await seen(0, winner);
      expect(await env.slots.tryAcquire(group, 0, 'node-d', TTL_MS, env.nowMs(), stale)).toBe(false);
    });

    it('creates the slot when a taker expected a stale one that is gone meanwhile', async () => {
      expect(await env.slots.tryAcquire(group, 0, 'node-a', 1_000, env.nowMs() - 60_000)).toBe(true);
      const stale = await seen(0, 'node-a');
      await env.slots.release(group, 0, 'node-a');
      expect(await env.slots.tryAcquire(group, 0, 'node-b', TTL_MS, env.nowMs(), stale)).toBe(true);
      await seen(0, 'node-b');
    });

    it('renews for its holder, and no longer after another node took it over', async () => {
      expect(await env.slots.tryAcquire(group, 0, 'node-a', 1_000, env.nowMs() - 60_000)).toBe(true);
      const mine = await seen(0, 'node-a');
      const later = env.nowMs();
      expect(await env.slots.renew(mine, later)).toBe(true);
      // A fresh watch lists after the renewal returned, so it already shows the new renew time.
      const renewed = await seen(0, 'node-a');
      expect(Math.abs(renewed.renewTimeMs - later)).toBeLessThan(1_000);
      expect(await env.slots.tryAcquire(group, 0, 'node-b', TTL_MS, env.nowMs(), renewed)).toBe(true);
      expect(await env.slots.renew(mine, env.nowMs())).toBe(false);
      await seen(0, 'node-b');
    });

    it('releases for its holder only; releasing a missing slot is fine', async () => {
      expect(await env.slots.tryAcquire(group, 0, 'node-a', TTL_MS, env.nowMs())).toBe(true);
      await env.slots.release(group, 0, 'node-b');
      await seen(0, 'node-a');
      await env.slots.release(group, 0, 'node-a');
      expect(await env.slots.tryAcquire(group, 0, 'node-b', TTL_MS, env.nowMs())).toBe(true);
      await env.slots.release(group, 7, 'node-a');
    });

    it('tells watchers about changes', async () => {
      const cache = await env.slots.watch();
      let changes = 0;
      const off = cache.onChange(() => changes++);
      try {
        expect(await env.slots.tryAcquire(group, 0, 'node-a', TTL_MS, env.nowMs())).toBe(true);
        await eventually(() => {
          expect(changes).toBeGreaterThan(0);
          expect(cache.list().some((s) => s.group === group && s.holder === 'node-a')).toBe(true);
        });
        const before = changes;
        await env.slots.release(group, 0, 'node-a');
        await eventually(() => {
          expect(changes).toBeGreaterThan(before);
          expect(cache.list().some((s) => s.group === group)).toBe(false);
        });
      } finally {
        off();
        cache.stop();
      }
    });
  });
}
