// The coordinator's memory in process (kube/memory.ts on the API server): one record with a version
// that every write bumps; a write at an old version is refused, as the API server refuses it.
import type { Memory } from '../../kube/ports.ts';

export class FakeMemory implements Memory {
  #data: string | undefined;
  #version = 0;

  read(): Promise<{ data: string | undefined; version: string }> {
    return Promise.resolve({ data: this.#data, version: this.#data === undefined ? '' : String(this.#version) });
  }

  write(data: string, version: string): Promise<string | undefined> {
    const current = this.#data === undefined ? '' : String(this.#version);
    if (version !== current) return Promise.resolve(undefined);
    this.#data = data;
    return Promise.resolve(String(++this.#version));
  }
}
