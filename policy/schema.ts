// JSON Schema validation of documents as written (ajv, JSON Schema 2020-12), with errors turned into
// diagnostics that name the field, the bad value and the fix.
import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import agentConfigSchema from '../schemas/agentconfig.schema.json' with { type: 'json' };
import commonSchema from '../schemas/common.schema.json' with { type: 'json' };
import fleetSchema from '../schemas/fleet.schema.json' with { type: 'json' };
import installSettingsSchema from '../schemas/installsettings.schema.json' with { type: 'json' };
import rebootPolicySchema from '../schemas/rebootpolicy.schema.json' with { type: 'json' };
import { AJV_OPTIONS } from './ajv-options.ts';
import { showValue, type FieldPath } from './diagnostics.ts';
import { validate as precompiledAgentConfig } from './generated/agentconfig-validate.ts';

export const API_VERSION = 'patchwindow.io/v1alpha1';
export type DocumentKind = 'Fleet' | 'RebootPolicy' | 'AgentConfig' | 'InstallSettings';

/** A schema violation at a field path; `key` when the position is the key itself (unknown fields). */
export interface SchemaProblem {
  readonly path: FieldPath;
  readonly key: boolean;
  readonly message: string;
  /** For a missing required field: its name (the path is the object that lacks it). */
  readonly missing?: string;
}

function makeAjv(): Ajv2020 {
  const ajv = new Ajv2020(AJV_OPTIONS);
  ajv.addSchema(commonSchema);
  return ajv;
}

const SCHEMAS: Record<DocumentKind, object> = {
  Fleet: fleetSchema,
  RebootPolicy: rebootPolicySchema,
  AgentConfig: agentConfigSchema,
  InstallSettings: installSettingsSchema,
};
let ajv: Ajv2020 | undefined;
// The agent's worker checks the AgentConfig at every start: its validator is generated ahead of
// time (scripts/gen-validator.ts), which saves compiling the schema on the path to the cordon.
const validators = new Map<DocumentKind, ValidateFunction>([
  ['AgentConfig', precompiledAgentConfig as ValidateFunction],
]);
/** The validator of `kind`, compiled on first use (the agent's AgentConfig one ahead of time). */
function validatorOf(kind: DocumentKind): ValidateFunction {
  let v = validators.get(kind);
  if (v === undefined) {
    ajv ??= makeAjv();
    v = ajv.compile(SCHEMAS[kind]);
    validators.set(kind, v);
  }
  return v;
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

/** Problems of a document against the schema of `kind`; empty when valid. */
export function schemaProblems(kind: DocumentKind, value: unknown): SchemaProblem[] {
  const validate = validatorOf(kind);
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

/** Which patchwindow document a value claims to be, or why it is not one. */
export function classify(value: unknown): { kind: 'Fleet' | 'RebootPolicy' } | { problem: SchemaProblem } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    return {
      problem: {
        path: [],
        key: false,
        message: `is ${showValue(value)}, not a patchwindow document; a document is a mapping with apiVersion: ${API_VERSION} and kind: Fleet or RebootPolicy`,
      },
    };
  }
  const { apiVersion, kind } = value as { apiVersion?: unknown; kind?: unknown };
  if (kind === 'Fleet' || kind === 'RebootPolicy') return { kind };
  if (typeof kind === 'string' && typeof apiVersion === 'string' && apiVersion !== API_VERSION) {
    return {
      problem: {
        path: ['kind'],
        key: false,
        message: `this is a ${apiVersion} ${kind}, not a patchwindow document; keep only Fleet and RebootPolicy documents in the policy directory`,
      },
    };
  }
  const guess = typeof kind === 'string' ? suggest(kind, ['Fleet', 'RebootPolicy']) : undefined;
  const hint = guess ? `did you mean "${guess}"?` : 'use Fleet or RebootPolicy';
  return {
    problem: {
      path: kind === undefined ? [] : ['kind'],
      key: false,
      message:
        kind === undefined
          ? `has no kind; set apiVersion: ${API_VERSION} and kind: Fleet or RebootPolicy`
          : `kind ${showValue(kind)} is not a patchwindow document; ${hint}`,
    },
  };
}
