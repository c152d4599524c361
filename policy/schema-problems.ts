// What a JSON Schema validator's errors mean to the person who wrote the document: each error as a
// problem naming the field, the bad value and the fix. Apart from ajv's types this imports nothing of
// ajv, so the agent checks its config with the precompiled validator alone (the agent's worker
// carries neither ajv nor the schemas; policy/agent-config.ts).
import type { ErrorObject, ValidateFunction } from 'ajv/dist/2020.js';
import { showValue, type FieldPath } from './diagnostics.ts';
import { validate as precompiledAgentConfig } from './generated/agentconfig-validate.ts';

/** The AgentConfig validator generated ahead of time (scripts/gen-validator.ts), same ajv options. */
export const agentConfigValidator = precompiledAgentConfig as ValidateFunction;

/** A schema violation at a field path; `key` when the position is the key itself (unknown fields). */
export interface SchemaProblem {
  readonly path: FieldPath;
  readonly key: boolean;
  readonly message: string;
  /** For a missing required field: its name (the path is the object that lacks it). */
  readonly missing?: string;
}

function pointerToPath(pointer: string): (string | number)[] {
  if (pointer === '') return [];
  return pointer
    .slice(1)
    .split('/')
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'))
    .map((p) => (/^(0|[1-9]\d*)$/.test(p) ? Number(p) : p));
}

/** Edit distance, for "did you mean" hints on misspelt field names. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(
        row[j]! + 1,
        row[j - 1]! + 1,
        prev + (a[i - 1]!.toLowerCase() === b[j - 1]!.toLowerCase() ? 0 : 1),
      );
      prev = cur;
    }
  }
  return row[b.length]!;
}

/** The closest known name to `name`, if close enough to be a typo. */
export function suggest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(name, k);
    if (d < bestDistance) [best, bestDistance] = [k, d];
  }
  return best !== undefined && bestDistance <= Math.max(1, Math.floor(name.length / 3)) ? best : undefined;
}

const TYPE_WORDS: Record<string, string> = {
  string: 'a string',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  object: 'a mapping (key: value)',
  array: 'a list',
  null: 'null',
};

/** What to write instead, for the shared value types of common.schema.json. */
const TYPE_EXAMPLES: Record<string, string> = {
  Duration: 'a duration such as 90s, 30m or 1h30m',
  TimeOfDay: 'a time of day in quotes, e.g. "22:00"',
  MaxUnavailable: 'a whole number >= 1 or a quoted percentage such as "20%"',
  Command: 'a list such as [/bin/systemctl, reboot]',
};

function describeType(type: unknown): string {
  const types = Array.isArray(type) ? type : [type];
  return types.map((t) => TYPE_WORDS[String(t)] ?? String(t)).join(' or ');
}

function toProblem(e: ErrorObject): SchemaProblem | undefined {
  const path = pointerToPath(e.instancePath);
  const params = e.params as Record<string, unknown>;
  switch (e.keyword) {
    case 'required':
      return {
        path,
        key: false,
        missing: String(params.missingProperty),
        message: `missing required field "${String(params.missingProperty)}"; add it`,
      };
    case 'additionalProperties': {
      const name = String(params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const guess = suggest(name, known);
      const hint = guess ? `did you mean "${guess}"?` : `known fields: ${known.join(', ')}`;
      return { path: [...path, name], key: true, message: `unknown field "${name}"; ${hint}` };
    }
    case 'type': {
      const title = (e.parentSchema as { title?: string } | undefined)?.title;
      const example = title ? TYPE_EXAMPLES[title] : undefined;
      return {
        path,
        key: false,
        message: `${showValue(e.data)} is not ${describeType(params.type)}; write ${example ?? describeType(params.type)}`,
      };
    }
    case 'const':
      return {
        path,
        key: false,
        message: `${showValue(e.data)} is not allowed here; write ${showValue(params.allowedValue)}`,
      };
    case 'enum':
      return {
        path,
        key: false,
        message: `${showValue(e.data)} is not one of ${(params.allowedValues as unknown[]).map((v) => showValue(v)).join(', ')}`,
      };
    case 'minItems':
      return {
        path,
        key: false,
        message: `must list at least ${String(params.limit)} item${params.limit === 1 ? '' : 's'}`,
      };
    case 'minLength':
      return { path, key: false, message: 'must not be empty' };
    case 'minimum':
    case 'maximum':
      return {
        path,
        key: false,
        message: `${showValue(e.data)} must be ${e.keyword === 'minimum' ? '>=' : '<='} ${String(params.limit)}`,
      };
    case 'pattern':
      return { path, key: false, message: `${showValue(e.data)} does not have the expected form` };
    case 'oneOf':
    case 'anyOf':
      return { path, key: false, message: `${showValue(e.data)} does not match any allowed form` };
    default:
      return { path, key: false, message: e.message ?? 'is invalid' };
  }
}

/** The problems `validate` finds in `value`; empty when valid. */
export function validatorProblems(validate: ValidateFunction, value: unknown): SchemaProblem[] {
  if (validate(value)) return [];
  const problems = (validate.errors ?? []).map(toProblem).filter((p): p is SchemaProblem => p !== undefined);
  // A failed oneOf/anyOf also reports each branch; keep the summary only when nothing more precise exists.
  const seen = new Set<string>();
  return problems.filter((p) => {
    const id = `${JSON.stringify(p.path)}|${p.message}`;
    if (seen.has(id)) return false;
    seen.add(id);
    return true;
  });
}
