// Generates the TypeScript types of the documents from schemas/*.schema.json, so the two cannot
// drift: `npm run gen:types` writes policy/generated/, and a test fails when they are stale.
import { readFile, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { compile, type JSONSchema } from 'json-schema-to-typescript';

const root = fileURLToPath(new URL('..', import.meta.url));
export const generatedTypes = [
  { schema: 'fleet.schema.json', out: 'policy/generated/fleet.ts' },
  { schema: 'rebootpolicy.schema.json', out: 'policy/generated/rebootpolicy.ts' },
  { schema: 'agentconfig.schema.json', out: 'policy/generated/agentconfig.ts' },
  { schema: 'installsettings.schema.json', out: 'policy/generated/installsettings.ts' },
] as const;

const banner =
  '// Generated from schemas/ by scripts/gen-types.ts (npm run gen:types). Do not edit.\n/* eslint-disable */';

/** The TypeScript source generated for one schema file. */
export async function generate(schemaFile: string): Promise<string> {
  const schema = JSON.parse(await readFile(`${root}schemas/${schemaFile}`, 'utf8')) as JSONSchema;
  return compile(schema, schema.title ?? schemaFile, {
    cwd: `${root}schemas`,
    bannerComment: banner,
    additionalProperties: false,
    unreachableDefinitions: false,
    ignoreMinAndMaxItems: true,
    format: true,
    $refOptions: {
      resolve: {
        // Cross-file $refs point at the published $id; resolve them from this checkout instead.
        http: {
          order: 1,
          canRead: /^https:\/\/patchwindow\.io\/schemas\//,
          read: async (file: { url: string }) => readFile(`${root}schemas/${file.url.replace(/^.*\//, '')}`, 'utf8'),
        },
      },
    },
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  for (const { schema, out } of generatedTypes) {
    await writeFile(`${root}${out}`, await generate(schema));
    console.log(`wrote ${out}`);
  }
}
