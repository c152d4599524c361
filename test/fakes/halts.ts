// In memory: the halt records of one Fleet (and the coordinator's noted failures), kept encoded as
// the Lease annotations hold them, so the fake reads back exactly what the real adapter would
// (test/contract/halts.contract.ts).
import type { Halts } from '../../kube/halts.ts';
import { decodeGateFailures, encodeGateFailures, type GateFailure } from '../../policy/gate-failures.ts';
import { decodeHalt, encodeHalt, type HaltRecord } from '../../policy/halt.ts';

export class FakeHalts implements Halts {
  readonly #annotations = new Map<string, string>();
  readonly #noted = new Map<string, string>();
  /** Writes of halt records so far (tests check that a halt is written once). */
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

  readNoted(): Promise<Map<string, GateFailure[]>> {
    return Promise.resolve(new Map([...this.#noted].map(([policy, raw]) => [policy, decodeGateFailures(raw)])));
  }

  writeNoted(policy: string, list: readonly GateFailure[]): Promise<void> {
    this.#noted.set(policy, encodeGateFailures(list));
    return Promise.resolve();
  }
}

/** An instant of a halt in tests (milliseconds included: records keep them). */
export const HALT_AT = Date.parse('2026-12-05T06:00:00.123Z');

/** A halt record with two failures on two nodes, as the coordinator writes one. */
export const HALTED: Extract<HaltRecord, { state: 'halted' }> = {
  state: 'halted',
  atMs: HALT_AT,
  afterFailures: 2,
  withinMs: 3_600_000,
  failures: [
    { node: 'w1', atMs: HALT_AT - 60_000, kind: 'drain', reason: 'drain failed: timed out after 5s' },
    { node: 'w2', atMs: HALT_AT, kind: 'reboot', reason: 'the node did not reboot: same boot id' },
  ],
};
