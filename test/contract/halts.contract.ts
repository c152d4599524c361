// Contract of the Halts port (kube/halts.ts): one record per policy, read back as written (times to
// the millisecond), records of other policies kept, and a second writer (another process on the
// same Fleet) sees and keeps what the first wrote. The coordinator's noted failures live beside the
// records: neither kind of write loses the other.
import { describe, expect, it } from 'vitest';
import type { Halts } from '../../kube/halts.ts';
import type { GateFailure } from '../../policy/gate-failures.ts';
import type { HaltRecord } from '../../policy/halt.ts';
import { HALT_AT as AT, HALTED } from '../fakes/halts.ts';

/** `make` returns two ports on the same Fleet (two processes) and a clean-up. */
export function describeHaltsContract(
  name: string,
  make: () => Promise<{ readonly one: Halts; readonly two: Halts; dispose(): Promise<void> }>,
): void {
  describe(`Halts contract: ${name}`, () => {
    it('reads nothing before anything is written', async () => {
      const env = await make();
      expect(await env.one.read()).toEqual(new Map());
      await env.dispose();
    });

    it('reads back each policy as written, and a later write replaces only its own policy', async () => {
      const env = await make();
      await env.one.write('web', HALTED);
      await env.two.write('db', HALTED);
      const resumed: HaltRecord = { state: 'resumed', atMs: AT + 5_000, by: 'patchwindow resume (ops)' };
      await env.two.write('web', resumed);
      expect(await env.one.read()).toEqual(
        new Map<string, HaltRecord>([
          ['web', resumed],
          ['db', HALTED],
        ]),
      );
      await env.dispose();
    });

    it("keeps the coordinator's noted failures beside the records: each write keeps the other kind", async () => {
      const env = await make();
      expect(await env.one.readNoted()).toEqual(new Map());
      const noted: GateFailure[] = [
        {
          node: 'w3',
          atMs: AT,
          returnedMs: AT - 300_000,
          kind: 'health-gate',
          reason: 'health check "api" still false',
        },
      ];
      await env.one.writeNoted('web', noted);
      await env.two.write('web', HALTED);
      await env.two.writeNoted('db', noted);
      expect(await env.one.readNoted()).toEqual(
        new Map([
          ['web', noted],
          ['db', noted],
        ]),
      );
      expect(await env.one.read()).toEqual(new Map([['web', HALTED]]));
      await env.dispose();
    });
  });
}
