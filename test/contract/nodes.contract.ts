// Contract of the Nodes port: reading, cordoning, patching labels and annotations, and watches.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
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

    it('reads a node: labels, schedulable, Ready, a resourceVersion; undefined for no node', async () => {
      await eventually(async () => {
        const info = await env.nodes.get(node);
        expect(info).toMatchObject({
          name: node,
          labels: { pool: 'general', keep: 'me' },
          unschedulable: false,
          ready: true,
        });
        expect(info!.resourceVersion).not.toBe('');
      });
      expect(await env.nodes.get(env.unique('missing'))).toBeUndefined();
    });

    it('cordons and uncordons', async () => {
      await env.nodes.setUnschedulable(node, true);
      expect(await env.nodes.get(node)).toMatchObject({ unschedulable: true });
      await env.nodes.setUnschedulable(node, false);
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
      await expect(env.nodes.setUnschedulable(env.unique('missing'), true)).rejects.toThrow();
    });

    it('watches one node: it is listed, and changes are told and seen', async () => {
      const cache = await env.nodes.watchOne(node);
      let changes = 0;
      const off = cache.onChange(() => changes++);
      try {
        expect(cache.list().map((n) => n.name)).toEqual([node]);
        await env.nodes.setUnschedulable(node, true);
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
