// JSON Schema validation of documents as written (ajv, JSON Schema 2020-12), with errors turned into
// diagnostics that name the field, the bad value and the fix.
import { Ajv2020, type ValidateFunction } from 'ajv/dist/2020.js';
import agentConfigSchema from '../schemas/agentconfig.schema.json' with { type: 'json' };
import commonSchema from '../schemas/common.schema.json' with { type: 'json' };
import fleetSchema from '../schemas/fleet.schema.json' with { type: 'json' };
import installSettingsSchema from '../schemas/installsettings.schema.json' with { type: 'json' };
import rebootPolicySchema from '../schemas/rebootpolicy.schema.json' with { type: 'json' };
import { AJV_OPTIONS } from './ajv-options.ts';
import { showValue } from './diagnostics.ts';
import { agentConfigValidator, suggest, validatorProblems, type SchemaProblem } from './schema-problems.ts';

export { suggest, type SchemaProblem } from './schema-problems.ts';

export const API_VERSION = 'patchwindow.io/v1alpha1';
export type DocumentKind = 'Fleet' | 'RebootPolicy' | 'AgentConfig' | 'InstallSettings';

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
const validators = new Map<DocumentKind, ValidateFunction>([['AgentConfig', agentConfigValidator]]);
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

/** Problems of a document against the schema of `kind`; empty when valid. */
export function schemaProblems(kind: DocumentKind, value: unknown): SchemaProblem[] {
  return validatorProblems(validatorOf(kind), value);
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
