// Property-based fuzzing of the whole loader, as `patchwindow validate` runs it: random bytes, deep
// nesting, huge numbers, unicode tricks and anchors. Whatever the file holds, the answer is a list of
// problems with a position, the exit code is 0, 1 or 2, and nothing prints a stack trace. (Time and
// memory for a 1 MiB file are measured by `npm run bench`, not asserted here.)
import fc from 'fast-check';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateSources } from '../../reconciler/validate/validate.ts';
import { runCli } from '../helpers/cli.ts';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const FLEET = 'apiVersion: patchwindow.io/v1alpha1\nkind: Fleet\nmetadata: { name: f }\nspec:\n  poolLabel: pool\n';

/** Text that looks more and more like YAML: fragments a policy is made of, glued at random. */
const fragment = fc.oneof(
  fc.constantFrom(
    'apiVersion: patchwindow.io/v1alpha1\n',
    'kind: RebootPolicy\n',
    'kind: Fleet\n',
    'metadata: { name: web }\n',
    'spec:\n',
    '  windows:\n    - days: [mon]\n      start: "01:00"\n      end: "02:00"\n',
    '  nodePools: [a, b]\n',
    '  timeZone: Europe/Berlin\n',
    '  maxUnavailable: 1e400\n',
    '  maxUnavailable: 99999999999999999999999999\n',
    '  reboot: { command: [/bin/sh, -c, id] }\n',
    'a: &a [x, x]\nb: &b [*a, *a, *a]\nc: [*b, *b, *b]\n',
    '<<: *missing\n',
    '---\n',
    '? [complex, key]\n: value\n',
    '!!binary aGVsbG8=\n',
    '\uFEFF',
    '\u202E\u0000\u200B',
    '%YAML 1.1\n---\n',
    '"\\uD800"\n',
  ),
  fc.string({ unit: 'binary', maxLength: 80 }),
);
const yamlish = fc.array(fragment, { maxLength: 30 }).map((parts) => parts.join(''));
const nested = fc
  .tuple(fc.integer({ min: 1, max: 2000 }), fc.constantFrom('[', '{a: ', '- '))
  .map(([depth, open]) =>
    open === '- ' ? Array.from({ length: depth }, (_, i) => `${' '.repeat(i * 2)}- `).join('\n') : open.repeat(depth),
  );
const anyText = fc.oneof(yamlish, nested, fc.string({ unit: 'binary', maxLength: 2000 }));

describe('the loader under fuzzing', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'patchwindow-fuzz-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('answers any text with positioned problems, never by throwing', () => {
    fc.assert(
      fc.property(anyText, (text) => {
        const result = validateSources(
          [
            { file: 'fleet.yaml', text: FLEET },
            { file: 'x.yaml', text },
          ],
          { nowMs: NOW },
        );
        for (const d of result.diagnostics) {
          expect(Number.isInteger(d.line) && d.line >= 0 && typeof d.message === 'string').toBe(true);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('exits 0, 1 or 2 from `validate`, without a stack trace, for any file bytes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          anyText.map((t) => Buffer.from(t)),
          fc.uint8Array({ maxLength: 4000 }).map((b) => Buffer.from(b)),
        ),
        async (bytes) => {
          const file = join(dir, 'policy.yaml');
          await writeFile(file, bytes);
          const run = await runCli(['validate', file]);
          expect([0, 1, 2]).toContain(run.code);
          expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at .+:\d+:\d+\)?\n/);
        },
      ),
      { numRuns: 60 },
    );
  });
});
