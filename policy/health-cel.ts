// The CEL of health checks (pure), through @marcbachmann/cel-js: one environment for `validate`
// (parse and type-check, so a typo points at its line) and for the coordinator (evaluate on the
// objects it read). The expression sees two variables:
//
//   object   map   the object under test, as the API returned it (JSON)
//   objects  list  every object the check matched (the same for each `object`)
//
// The expression is evaluated once per matched object and must return true for each; `objects`
// lets one expression judge the set (`objects.filter(n, ...).size() <= 1`). A missing field is an
// evaluation error (CEL has no undefined): guard it with `has(object.status.x)` or
// `object.?status.x.orValue(0)`. JSON integers become CEL ints, so `object.spec.replicas - 1` works
// as in Kubernetes' own CEL.
import { Environment } from '@marcbachmann/cel-js';

/** The variables a health check expression sees, with their CEL types (shown in errors and docs). */
export const HEALTH_VARIABLES: Readonly<Record<string, string>> = { object: 'map', objects: 'list<map>' };

function createEnvironment(): Environment {
  // Optional types for `.?field.orValue(x)`: the short way to read a field an object may leave out.
  const env = new Environment({ enableOptionalTypes: true });
  for (const [name, type] of Object.entries(HEALTH_VARIABLES)) env.registerVariable(name, type);
  return env;
}

const ENVIRONMENT = createEnvironment();

/** Position-carrying errors of the library. */
interface CelError {
  readonly summary?: string;
  readonly message: string;
  readonly range?: { readonly start: number };
}

function describe(err: CelError): string {
  const summary = err.summary ?? err.message.split('\n')[0] ?? err.message;
  return err.range === undefined ? summary : `${summary} at column ${err.range.start + 1} of the expression`;
}

/** Why `expression` cannot be a health check (syntax, unknown variable, types, not a bool), or undefined. */
export function celProblem(expression: string): string | undefined {
  let result: ReturnType<Environment['check']>;
  try {
    result = ENVIRONMENT.check(expression);
  } catch (err: unknown) {
    return describe(err as CelError);
  }
  if (!result.valid) return describe(result.error as CelError);
  if (result.type !== 'bool' && result.type !== 'dyn')
    return `returns ${result.type ?? 'no value'}, not bool; a check passes when its expression is true`;
  return undefined;
}

type Program = (context: Record<string, unknown>) => unknown;

/** Compiled expressions, by text: the coordinator evaluates the same few on every round. */
const programs = new Map<string, Program>();

function programOf(expression: string): Program {
  let program = programs.get(expression);
  if (program === undefined) {
    program = ENVIRONMENT.parse(expression) as Program;
    programs.set(expression, program);
  }
  return program;
}

/** JSON as CEL sees it: integers are ints (BigInt), the rest as parsed. */
export function toCel(value: unknown): unknown {
  if (typeof value === 'number') return Number.isInteger(value) ? BigInt(value) : value;
  if (Array.isArray(value)) return value.map(toCel);
  if (value !== null && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, toCel(v)]));
  return value;
}

/** The verdict of an expression on one object: true, false, or why it could not be evaluated. */
export type CelVerdict =
  { readonly kind: 'value'; readonly value: boolean } | { readonly kind: 'error'; readonly message: string };

/** Evaluates `expression` with `object` and `objects` (both already converted by `toCel`). */
export function evaluateCel(expression: string, object: unknown, objects: readonly unknown[]): CelVerdict {
  try {
    const value = programOf(expression)({ object, objects });
    if (typeof value !== 'boolean') return { kind: 'error', message: `returned ${String(value)}, not a bool` };
    return { kind: 'value', value };
  } catch (err: unknown) {
    return { kind: 'error', message: describe(err as CelError) };
  }
}
