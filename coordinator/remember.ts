// The coordinator's memory as the loop uses it (coordinator/memory.ts on the Memory port): read
// once when it starts leading, written before the grants it covers are given (a crash in between
// then remembers a start or a canary too many, never one too few), and read again after a write
// lost to another writer.
import type { Memory } from '../kube/ports.ts';
import type { Log } from '../io/log.ts';
import { TransientError } from '../policy/errors.ts';
import { decodeMemory, EMPTY_MEMORY, encodeMemory, type MemoryData } from './memory.ts';

export class Remembered {
  readonly #port: Memory;
  readonly #log: Log;
  #kept: { data: MemoryData; raw: string | undefined; version: string } | undefined;

  constructor(port: Memory, log: Log) {
    this.#port = port;
    this.#log = log;
  }

  async get(): Promise<MemoryData> {
    if (this.#kept !== undefined) return this.#kept.data;
    const { data: raw, version } = await this.#port.read();
    const read = decodeMemory(raw);
    if ('problem' in read)
      this.#log.error(
        { problem: read.problem },
        'the coordinator memory is unreadable; starting from the grants held now (rate-limit starts and canary records before them are lost); it is written anew',
      );
    this.#kept = { data: 'memory' in read ? read.memory : EMPTY_MEMORY, raw, version };
    return this.#kept.data;
  }

  /** Writes `next` when it differs from what is kept. */
  async keep(next: MemoryData): Promise<void> {
    const raw = encodeMemory(next);
    if (this.#kept === undefined) throw new Error('keep before get');
    if (raw === this.#kept.raw) return;
    const version = await this.#port.write(raw, this.#kept.version);
    if (version === undefined) {
      this.#kept = undefined;
      throw new TransientError('the coordinator memory was changed by another writer meanwhile; reading it again');
    }
    this.#kept = { data: next, raw, version };
  }
}
