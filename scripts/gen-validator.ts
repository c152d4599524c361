// Generates the AgentConfig validator ahead of time (ajv standalone code), so the agent's worker
// does not compile the schema at every start: the worker starts at each sentinel and after every
// boot, on the path from a sentinel to the cordon and from Ready to the uncordon (issue 19), and
// compiling the schema was about 0.2 s of its CPU there (BENCHMARKS.md). Same ajv options as
// policy/schema.ts (policy/ajv-options.ts), so the precompiled validator reports the same errors; `npm run
// gen:types` writes it with the types, and a test fails when it is stale.
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import standalone from 'ajv/dist/standalone/index.js';
import agentConfigSchema from '../schemas/agentconfig.schema.json' with { type: 'json' };
import commonSchema from '../schemas/common.schema.json' with { type: 'json' };
import { AJV_OPTIONS } from '../policy/ajv-options.ts';

const root = fileURLToPath(new URL('..', import.meta.url));
const load = createRequire(import.meta.url);
export const VALIDATOR_FILE = 'policy/generated/agentconfig-validate.ts';

/** The source of the precompiled AgentConfig validator module. */
export function generateValidator(): string {
  const ajv = new Ajv2020({ ...AJV_OPTIONS, code: { source: true, esm: true } });
  ajv.addSchema(commonSchema);
  const code = standalone.default(ajv, ajv.compile(agentConfigSchema));
  // ajv's ESM output still loads its runtime helpers with require(), which an ES module has not
  // (and bundlers and loaders disagree on a CommonJS default export): the helpers are small
  // self-contained functions, written into the module instead.
  const body = code.replace(/require\("(ajv\/dist\/runtime\/[a-z0-9]+)"\)\.default/g, (_m: string, path: string) => {
    const helper = (load(path) as { default: (...args: unknown[]) => unknown }).default;
    return `(${helper.toString()})`;
  });
  if (body.includes('require('))
    throw new Error('the generated validator still calls require(); inline that helper too');
  return [
    '// Generated from schemas/agentconfig.schema.json by scripts/gen-validator.ts (npm run gen:types). Do not edit.',
    '// @ts-nocheck',
    '/* eslint-disable */',
    body.replace(/^"use strict";/, ''),
    '',
  ].join('\n');
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await writeFile(`${root}${VALIDATOR_FILE}`, generateValidator());
  console.log(`wrote ${VALIDATOR_FILE}`);
}
