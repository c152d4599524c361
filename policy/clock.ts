// Time as a port: pure code takes `now` as an argument; shells get a Clock (io/clock.ts for real
// wall time, test/fakes/clock.ts for tests that move time by hand).

export interface Clock {
  now(): number;
  /** Resolves after `ms`, or early (without error) when `signal` aborts. */
  sleep(ms: number, signal?: AbortSignal): Promise<void>;
}
