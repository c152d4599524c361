// In memory: the halt records of one Fleet, kept encoded as the Lease annotations hold them, so the
// fake reads back exactly what the real adapter would (test/contract/halts.contract.ts).
import type { Halts } from '../../kube/halts.ts';
import { decodeHalt, encodeHalt, type HaltRecord } from '../../policy/halt.ts';

export class FakeHalts implements Halts {
  readonly #annotations = new Map<string, string>();
  /** Writes so far (tests check that a halt is written once). */
  writes = 0;

  read(): Promise<Map<string, HaltRecord>> {
    const out = new Map<string, HaltRecord>();
    for (const [policy, raw] of this.#annotations) {
      const r = decodeHalt(raw);
      if (r !== undefined) out.set(policy, r);
    }
    return Promise.resolve(out);
  }

  write(policy: string, record: HaltRecord): Promise<void> {
    this.writes++;
    this.#annotations.set(policy, encodeHalt(record));
    return Promise.resolve();
  }
}
