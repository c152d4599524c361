// Generated files must match their sources: types from schemas/, the README reference from the
// schema descriptions. Regenerate with `npm run gen:types` / `npm run gen:reference`.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { readmeWithReference } from '../../scripts/gen-reference.ts';
import { generate, generatedTypes } from '../../scripts/gen-types.ts';

describe('generated files', () => {
  it.each(generatedTypes)('$out is up to date with schemas/$schema (npm run gen:types)', async ({ schema, out }) => {
    expect(await readFile(out, 'utf8')).toBe(await generate(schema));
  });

  it('the README policy reference is up to date with the schemas (npm run gen:reference)', async () => {
    const { current, updated } = await readmeWithReference();
    expect(current).toBe(updated);
  });
});
