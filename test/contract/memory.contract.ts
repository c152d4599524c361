// Contract of the Memory port (the coordinator's record across restarts): absent until written;
// a write at the version read wins, a write at an older version is refused and changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Memory } from '../../kube/ports.ts';
import type { ContractEnv, MakeEnv } from './env.ts';

export function describeMemoryContract(name: string, makeEnv: MakeEnv): void {
  describe(`Memory contract: ${name}`, () => {
    let env: ContractEnv;
    let memory: Memory;
    beforeEach(async () => {
      env = await makeEnv();
      memory = env.memory(env.unique('fleet'));
    });
    afterEach(async () => {
      await env.dispose();
    });

    it('reads nothing until written, then what was written', async () => {
      expect(await memory.read()).toEqual({ data: undefined, version: '' });
      const v1 = await memory.write('{"a":1}', '');
      expect(v1).toBeTruthy();
      expect(await memory.read()).toEqual({ data: '{"a":1}', version: v1 });
      const v2 = await memory.write('{"a":2}', v1!);
      expect(v2).toBeTruthy();
      expect(v2).not.toBe(v1);
      expect((await memory.read()).data).toBe('{"a":2}');
    });

    it('refuses a write at a version that is no longer current, and a second first write', async () => {
      const v1 = await memory.write('first', '');
      expect(await memory.write('again', '')).toBeUndefined();
      const v2 = await memory.write('second', v1!);
      expect(await memory.write('stale', v1!)).toBeUndefined();
      expect(await memory.read()).toEqual({ data: 'second', version: v2 });
    });
  });
}
