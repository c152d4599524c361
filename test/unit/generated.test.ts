// Generated files must match their sources: types and the agent's precompiled AgentConfig validator
// from schemas/, the README reference from the schema descriptions. Regenerate with `npm run gen:types` / `npm run gen:reference`.
import { readFile } from 'node:fs/promises';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import agentConfigSchema from '../../schemas/agentconfig.schema.json' with { type: 'json' };
import commonSchema from '../../schemas/common.schema.json' with { type: 'json' };
import { AJV_OPTIONS } from '../../policy/ajv-options.ts';
import { validate as precompiled } from '../../policy/generated/agentconfig-validate.ts';
import { testConfig } from '../fakes/config.ts';
import { readmeWithReference } from '../../scripts/gen-reference.ts';
import { generate, generatedTypes } from '../../scripts/gen-types.ts';
import { generateValidator, VALIDATOR_FILE } from '../../scripts/gen-validator.ts';

describe('generated files', () => {
  it.each(generatedTypes)('$out is up to date with schemas/$schema (npm run gen:types)', async ({ schema, out }) => {
    expect(await readFile(out, 'utf8')).toBe(await generate(schema));
  });

  it(`${VALIDATOR_FILE} is up to date with the AgentConfig schema (npm run gen:types)`, async () => {
    expect(await readFile(VALIDATOR_FILE, 'utf8')).toBe(generateValidator());
  });

  it('the precompiled AgentConfig validator reports what a validator compiled at run time reports', () => {
    const ajv = new Ajv2020(AJV_OPTIONS);
    ajv.addSchema(commonSchema);
    const runtime = ajv.compile(agentConfigSchema);
    const good = JSON.parse(JSON.stringify(testConfig())) as Record<string, unknown>;
    const bad = [
      good,
      { ...good, extra: 1 },
      { ...good, agent: 'fast' },
      { ...good, apiVersion: undefined },
      { ...good, policy: { ...(good.policy as object), budget: -1, name: 7 } },
    ].map((v) => JSON.parse(JSON.stringify(v)) as unknown);
    type Validator = ((x: unknown) => boolean) & { errors?: unknown };
    const run = (v: Validator, x: unknown) => ({
      ok: v(x),
      errors: JSON.parse(JSON.stringify(v.errors ?? null)) as unknown,
    });
    for (const value of bad) expect(run(precompiled as Validator, value)).toEqual(run(runtime, value));
    expect(run(precompiled as Validator, good).ok).toBe(true);
    expect(run(precompiled as Validator, bad[2]).ok).toBe(false);
  });

  it('the README policy reference is up to date with the schemas (npm run gen:reference)', async () => {
    const { current, updated } = await readmeWithReference();
    expect(current).toBe(updated);
  });
});
