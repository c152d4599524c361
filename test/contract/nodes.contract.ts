// Contract of the Nodes port: reading, cordoning (with the agent's mark, only on the node as read),
// patching labels and annotations, and watches.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onlyRefreshed } from '../../coordinator/quiet.ts';
import { CORDONED_BY_ANNOTATION, STATE_ANNOTATION } from '../../policy/keys.ts';
import { encodeState } from '../../policy/state.ts';
import { eventually, type ContractEnv, type MakeEnv } from './env.ts';

export function describeNodesContract(name: string, makeEnv: MakeEnv): void {
  describe(`Nodes contract: ${name}`, () => {
    let env: ContractEnv;
    let node: string;
    beforeEach(async () => {
      env = await makeEnv();
      node = env.unique('node');
      await env.createNode({ name: node, labels: { pool: 'general', keep: 'me' } });
    });
    afterEach(async () => {
      await env.dispose();
    });

    it('reads a node: uid, labels, schedulable, Ready, a resourceVersion; undefined for no node', async () => {
      await eventually(async () => {
        const info = await env.nodes.get(node);
        expect(info).toMatchObject({
          name: node,
          labels: { pool: 'general', keep: 'me' },
          unschedulable: false,
          ready: true,
        });
        expect(info!.resourceVersion).not.toBe('');
        expect(info!.uid).not.toBe('');
      });
      expect(await env.nodes.get(env.unique('missing'))).toBeUndefined();
    });

    it('cordons with its mark in one write, only on the node as read, and uncordons removing the mark', async () => {
      // The node changes under us on a real cluster (heartbeats, the unschedulable taint the node
      // lifecycle controller adds), so a write on a fresh read may still be refused: re-read and
      // try again, as the agent does.
      const read = (await env.nodes.get(node))!;
      await eventually(async () => {
        const fresh = (await env.nodes.get(node))!;
        expect(await env.nodes.cordon(node, { owner: 'epoch-1', resourceVersion: fresh.resourceVersion })).toBe(true);
      });
      expect(await env.nodes.get(node)).toMatchObject({
        unschedulable: true,
        annotations: { [CORDONED_BY_ANNOTATION]: 'epoch-1' },
      });
      // Decided on an older read: refused (409), nothing changes.
      expect(await env.nodes.uncordon(node, { resourceVersion: read.resourceVersion })).toBe(false);
      expect(await env.nodes.get(node)).toMatchObject({ unschedulable: true });
      await eventually(async () => {
        const fresh = (await env.nodes.get(node))!;
        expect(await env.nodes.uncordon(node, { resourceVersion: fresh.resourceVersion })).toBe(true);
      });
      const after = (await env.nodes.get(node))!;
      expect(after.unschedulable).toBe(false);
      expect(after.annotations).not.toHaveProperty(CORDONED_BY_ANNOTATION);
      expect(await env.nodes.cordon(node, { owner: 'epoch-2', resourceVersion: read.resourceVersion })).toBe(false);
      expect(await env.nodes.get(node)).toMatchObject({ unschedulable: false });
    });

    it('sets and removes labels and annotations, leaving the others alone', async () => {
      await env.nodes.patchMetadata(node, {
        labels: { 'example.com/a': 'x' },
        annotations: { 'example.com/note': '{"json":true}' },
      });
      let info = await env.nodes.get(node);
      expect(info!.labels).toMatchObject({ pool: 'general', keep: 'me', 'example.com/a': 'x' });
      expect(info!.annotations['example.com/note']).toBe('{"json":true}');
      await env.nodes.patchMetadata(node, {
        labels: { 'example.com/a': null, pool: 'gpu' },
        annotations: { 'example.com/note': null },
      });
      info = await env.nodes.get(node);
      expect(info!.labels).toMatchObject({ pool: 'gpu', keep: 'me' });
      expect(info!.labels).not.toHaveProperty('example.com/a');
      expect(info!.annotations).not.toHaveProperty('example.com/note');
      // Removing what is not there is fine.
      await env.nodes.patchMetadata(node, { labels: { 'example.com/never': null } });
    });

    it('rejects changes to a node that does not exist', async () => {
      await expect(env.nodes.patchMetadata(env.unique('missing'), { labels: { a: 'b' } })).rejects.toThrow();
      await expect(env.nodes.cordon(env.unique('missing'), { owner: 'e', resourceVersion: '1' })).rejects.toThrow();
    });

    it('watches one node: it is listed, and changes are told and seen', async () => {
      const cache = await env.nodes.watchOne(node);
      let changes = 0;
      const off = cache.onChange(() => changes++);
      try {
        expect(cache.list().map((n) => n.name)).toEqual([node]);
        await env.nodes.cordon(node, {
          owner: 'epoch-1',
          resourceVersion: (await env.nodes.get(node))!.resourceVersion,
        });
        await env.nodes.patchMetadata(node, { annotations: { 'example.com/step': '2' } });
        await eventually(() => {
          expect(changes).toBeGreaterThan(0);
          expect(cache.list()[0]).toMatchObject({ unschedulable: true, annotations: { 'example.com/step': '2' } });
        });
      } finally {
        off();
        cache.stop();
      }
    });

    it("keeps of every node patchwindow's own annotations only (the coordinator's cache of every Node is stripped)", async () => {
      await env.nodes.patchMetadata(node, {
        annotations: { 'patchwindow.io/last-reboot': 'kept', 'example.com/other-tool': 'dropped' },
      });
      const cache = await env.nodes.watchAll();
      try {
        const seen = () => cache.list().find((n) => n.name === node)?.annotations;
        expect(seen()).toMatchObject({ 'patchwindow.io/last-reboot': 'kept' });
        expect(seen()).not.toHaveProperty('example.com/other-tool');
        await env.nodes.patchMetadata(node, {
          annotations: { 'patchwindow.io/last-reboot': 'changed', 'example.com/other-tool': 'again' },
        });
        await eventually(() => expect(seen()).toMatchObject({ 'patchwindow.io/last-reboot': 'changed' }));
        expect(seen()).not.toHaveProperty('example.com/other-tool');
      } finally {
        cache.stop();
      }
    });

    it('keeps quiet about an update its `quiet` judges needless (the coordinator: a live request refreshed), and keeps it', async () => {
      const t0 = Date.now();
      const state = (renewedMs: number, blocked?: string) =>
        encodeState({
          phase: 'acquiring',
          policy: 'web',
          attempt: 1,
          bootId: 'b',
          cordoned: false,
          labels: {},
          startedMs: t0 - 1_000,
          sinceMs: t0 - 1_000,
          renewedMs,
          ...(blocked === undefined ? {} : { blocked }),
        });
      const cache = await env.nodes.watchAll({
        quiet: (before, after) => onlyRefreshed(before, after, Date.now(), () => 600_000),
      });
      let told = 0;
      const off = cache.onChange(() => void told++);
      const seen = () => cache.list().find((n) => n.name === node)?.annotations[STATE_ANNOTATION];
      // Written, kept, and a moment for a listener to be told (a fake tells a microtask later).
      const write = async (value: string) => {
        await env.nodes.patchMetadata(node, { annotations: { [STATE_ANNOTATION]: value } });
        await eventually(() => expect(seen()).toBe(value));
        await new Promise((resolve) => setTimeout(resolve, 100));
      };
      try {
        await write(state(t0));
        const asked = told;
        expect(asked).toBeGreaterThanOrEqual(1);
        // Only the refresh time moves: kept, not told.
        await write(state(t0 + 5_000));
        expect(told).toBe(asked);
        // The request changes (a blocker): told.
        await write(state(t0 + 10_000, 'alert X fires'));
        expect(told).toBe(asked + 1);
      } finally {
        off();
        cache.stop();
      }
    });

    it('watches every node: new nodes appear, deleted ones disappear', async () => {
      const cache = await env.nodes.watchAll();
      try {
        expect(cache.list().map((n) => n.name)).toContain(node);
        const second = env.unique('node');
        await env.createNode({ name: second, unschedulable: true });
        await eventually(() =>
          expect(cache.list().find((n) => n.name === second)).toMatchObject({ unschedulable: true }),
        );
        await env.deleteNode(node);
        await eventually(() => expect(cache.list().map((n) => n.name)).not.toContain(node));
      } finally {
        cache.stop();
      }
    });
  });
}
