// Contract of the Events port: Events on the Node, best effort (never throws).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { eventually, type ContractEnv, type MakeEnv } from './env.ts';

export function describeEventsContract(name: string, makeEnv: MakeEnv): void {
  describe(`Events contract: ${name}`, () => {
    let env: ContractEnv;
    beforeEach(async () => {
      env = await makeEnv();
    });
    afterEach(async () => {
      await env.dispose();
    });

    it('records Normal and Warning events on the node', async () => {
      const node = env.unique('node');
      await env.createNode({ name: node });
      await env.events.record(node, { type: 'Normal', reason: 'Cordoning', message: 'starting a reboot' });
      await env.events.record(node, { type: 'Warning', reason: 'DrainFailed', message: 'drain failed: timed out' });
      await eventually(async () => {
        const events = await env.eventsOf(node);
        expect(events).toContainEqual(
          expect.objectContaining({ type: 'Normal', reason: 'Cordoning', message: 'starting a reboot' }),
        );
        expect(events).toContainEqual(
          expect.objectContaining({ type: 'Warning', reason: 'DrainFailed', message: 'drain failed: timed out' }),
        );
      });
    });

    it('never throws, even for a node that does not exist', async () => {
      await expect(
        env.events.record(env.unique('missing'), { type: 'Normal', reason: 'X', message: 'y' }),
      ).resolves.toBeUndefined();
    });
  });
}
