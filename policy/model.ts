// The normalized policy model: what `normalize` makes of the documents as written, fully defaulted,
// with durations in milliseconds and instants as epoch milliseconds. Pure data, no I/O. Both the
// reconciler (compile, render, plan, forecast) and the agent (decide) work on these types.

/** ISO weekday: 1 = Monday … 7 = Sunday (Temporal's `dayOfWeek`). */
export type Weekday = 1 | 2 | 3 | 4 | 5 | 6 | 7;

/** A local wall-clock time of day. */
export interface TimeOfDay {
  readonly hour: number;
  readonly minute: number;
}

/** How a window closes: at a local time (next day when not after `start`) or after elapsed time. */
export type WindowEnd =
  | { readonly kind: 'time'; readonly time: TimeOfDay }
  | { readonly kind: 'duration'; readonly durationMs: number };

/** One weekly window of a policy, in its own IANA time zone. */
export interface WindowSpec {
  /** Sorted, without duplicates. */
  readonly days: readonly Weekday[];
  readonly start: TimeOfDay;
  readonly end: WindowEnd;
  readonly timeZone: string;
}

/** One bound of a blackout as written: a whole day, a local date-time, or an instant. */
export type BlackoutBound =
  | { readonly kind: 'date'; readonly date: string } // YYYY-MM-DD
  | { readonly kind: 'local'; readonly dateTime: string } // YYYY-MM-DDTHH:MM[:SS]
  | { readonly kind: 'instant'; readonly epochMs: number };

export interface BlackoutSpec {
  readonly start: BlackoutBound;
  readonly end: BlackoutBound;
  readonly reason: string;
  readonly source: 'policy' | 'fleet';
}

export type Pause =
  | { readonly kind: 'none' }
  | { readonly kind: 'indefinite' }
  | { readonly kind: 'until'; readonly epochMs: number };

/** Everything that decides *when* a policy's nodes may start a reboot. */
export interface Schedule {
  /** Zone of date-only and local blackouts (the policy's `timeZone`). */
  readonly timeZone: string;
  readonly windows: readonly WindowSpec[];
  /** Policy and fleet blackouts together. */
  readonly blackouts: readonly BlackoutSpec[];
  readonly pause: Pause;
}

/** A half-open interval of instants [startMs, endMs) in epoch milliseconds. */
export interface Interval {
  readonly startMs: number;
  readonly endMs: number;
}
