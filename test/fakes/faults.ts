// Failure injection for the fakes: a plan says, for each port call of each agent, whether it fails
// (TransientError) or whether the agent crashes right before or right after the call takes effect.
import { seededRandom } from '../../policy/random.ts';

export type Fault = 'throw' | 'crash-before' | 'crash-after' | undefined;

export interface PortCall {
  readonly agent: string;
  readonly port: string;
  readonly method: string;
  /** 1 for the agent's first call of this port method, 2 for the second, ... */
  readonly n: number;
}

export type FaultPlan = (call: PortCall) => Fault;

export const NO_FAULTS: FaultPlan = () => undefined;

/** Counts calls per agent and method and asks the plan (which tests may swap at any time). */
export class Faults {
  plan: FaultPlan;
  readonly injected: (PortCall & { fault: Exclude<Fault, undefined> })[] = [];
  #counts = new Map<string, number>();

  constructor(plan: FaultPlan = NO_FAULTS) {
    this.plan = plan;
  }

  next(agent: string, port: string, method: string): Fault {
    const key = `${agent} ${port}.${method}`;
    const n = (this.#counts.get(key) ?? 0) + 1;
    this.#counts.set(key, n);
    const call = { agent, port, method, n };
    const fault = this.plan(call);
    if (fault !== undefined) this.injected.push({ ...call, fault });
    return fault;
  }
}

/** The `n`th call of `port.method` (by any agent, or by `agent`) fails with `fault`. */
export function failNth(
  port: string,
  method: string,
  n: number,
  fault: Exclude<Fault, undefined> = 'throw',
  agent?: string,
): FaultPlan {
  return (c) =>
    c.port === port && c.method === method && c.n === n && (agent === undefined || c.agent === agent)
      ? fault
      : undefined;
}

/** Each call fails with probability `throwRate`, crashes the agent with probability `crashRate`. */
export function randomFaults(
  seed: number,
  rates: { readonly throwRate: number; readonly crashRate: number },
): FaultPlan {
  const random = seededRandom(seed);
  return () => {
    const r = random();
    if (r < rates.crashRate / 2) return 'crash-before';
    if (r < rates.crashRate) return 'crash-after';
    if (r < rates.crashRate + rates.throwRate) return 'throw';
    return undefined;
  };
}
