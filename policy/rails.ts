// Guard rails of a policy, normalized (issue 20): the rate limit, the self-halt and the Alertmanager
// silence held while a node reboots. Plain data (re-exported by model.ts), shared by validate, agent
// and coordinator.

/** A rate limit: at most `count` reboots start in any sliding `periodMs`. */
export interface RateLimit {
  readonly count: number;
  readonly periodMs: number;
}

/** spec.halt, normalized: `afterFailures` failures within `withinMs` halt the pool. */
export interface HaltSettings {
  readonly afterFailures: number;
  readonly withinMs: number;
  /** With health checks: a check still false this long after a node returned counts as its failure. */
  readonly healthGraceMs: number;
}

/** One Alertmanager matcher; `{node}` and `{policy}` in the value are filled in by the agent. */
export interface SilenceMatcher {
  readonly name: string;
  readonly value: string;
  readonly isRegex: boolean;
  readonly isEqual: boolean;
}

/** spec.silences, normalized: a silence held as a lease (created, extended, ended) per reboot. */
export interface SilenceSettings {
  readonly alertmanagerUrl: string;
  readonly matchers: readonly SilenceMatcher[];
  /** Each extension lasts this long from its instant. */
  readonly durationMs: number;
  /** Never extended beyond this long after its creation. */
  readonly maxDurationMs: number;
  /** How long it lasts after the node is back in service. */
  readonly graceMs: number;
}
