// The example validates, every bad example fails at its expected place, and random mutations of the
// example never crash the validator.
import fc from 'fast-check';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseDocument, stringify } from 'yaml';
import { loadSources } from '../../reconciler/validate/load.ts';
import { validateSources } from '../../reconciler/validate/validate.ts';

const NOW = Date.parse('2026-11-24T12:00:00Z');
const BAD = new URL('../bad-policies/', import.meta.url);

describe('policies-example', () => {
  it('validates without errors or warnings', async () => {
    const { sources, diagnostics } = await loadSources(['policies-example']);
    expect(diagnostics).toEqual([]);
    const result = validateSources(sources, { nowMs: NOW });
    expect(result.diagnostics).toEqual([]);
    expect(result.policySet?.policies.map((p) => p.name)).toEqual(['general', 'gpu', 'system']);
  });

  it('declares its schema in every file for editors', () => {
    for (const file of readdirSync('policies-example')) {
      expect(readFileSync(`policies-example/${file}`, 'utf8')).toMatch(
        /^# yaml-language-server: \$schema=\.\.\/schemas\/(fleet|rebootpolicy)\.schema\.json\n/,
      );
    }
  });
});

describe('bad examples', () => {
  const files = readdirSync(BAD)
    .filter((f) => f.endsWith('.yaml'))
    .sort();
  it('exist', () => expect(files.length).toBeGreaterThanOrEqual(10));
  it.each(files)('%s fails where its header says', (file) => {
    const text = readFileSync(new URL(file, BAD), 'utf8');
    const expected = /^# expect: (\d+):(\d+) (\S+) (\S+)$/m.exec(text);
    expect(expected, 'header "# expect: LINE:COL PATH RULE"').not.toBeNull();
    const [, line, column, path, rule] = expected!;
    const errors = validateSources([{ file, text }], { nowMs: NOW }).diagnostics.filter((d) => d.severity === 'error');
    expect(errors.map((d) => ({ line: d.line, column: d.column, path: d.path || '-', rule: d.rule }))).toEqual([
      { line: Number(line), column: Number(column), path, rule },
    ]);
  });
});

/** The example as one multi-document file, and its documents as plain data. */
const exampleFiles = readdirSync('policies-example')
  .sort()
  .map((f) => readFileSync(`policies-example/${f}`, 'utf8'));
const exampleDocs = exampleFiles.map((text) => parseDocument(text).toJS() as unknown);

/** Every path to a value in a JSON-like tree. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  if (Array.isArray(value)) return [prefix, ...value.flatMap((v, i) => paths(v, [...prefix, i]))];
  if (value !== null && typeof value === 'object')
    return [prefix, ...Object.entries(value).flatMap(([k, v]) => paths(v, [...prefix, k]))];
  return [prefix];
}

function mutate(doc: unknown, path: (string | number)[], replacement: { delete: true } | { value: unknown }): unknown {
  const copy = structuredClone(doc);
  if (path.length === 0) return 'delete' in replacement ? null : replacement.value;
  let parent = copy as Record<string | number, unknown>;
  for (const part of path.slice(0, -1)) parent = parent[part] as Record<string | number, unknown>;
  const last = path.at(-1)!;
  if ('delete' in replacement) {
    if (Array.isArray(parent)) parent.splice(Number(last), 1);
    else delete parent[last];
  } else {
    parent[last] = replacement.value;
  }
  return copy;
}

const junk = fc.oneof(
  fc.constant(null),
  fc.boolean(),
  fc.integer({ min: -5, max: 1e6 }),
  fc.double(),
  fc.string({ maxLength: 12 }),
  fc.constantFrom('25:00', '1h', '-1', '200%', 'mon', 'Europe/Nowhere', '2026-13-40', '(', '', 'x'.repeat(300)),
  fc.array(fc.string({ maxLength: 4 }), { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
);

describe('generated inputs', () => {
  it('never crash the validator: mutated values, deleted keys', () => {
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.boolean(), junk, (docPick, pathPick, remove, value) => {
        const docIndex = docPick % exampleDocs.length;
        const all = paths(exampleDocs[docIndex]);
        const path = all[pathPick % all.length]!;
        const mutated = mutate(exampleDocs[docIndex], path, remove ? { delete: true } : { value });
        const sources = exampleDocs.map((d, i) => ({
          file: `f${i}.yaml`,
          text: i === docIndex ? stringify(mutated) : stringify(d),
        }));
        const result = validateSources(sources, { nowMs: NOW });
        for (const d of result.diagnostics) {
          expect(d.message.length).toBeGreaterThan(0);
          expect(d.line).toBeGreaterThanOrEqual(0);
        }
        expect(result.policySet !== undefined).toBe(!result.diagnostics.some((d) => d.severity === 'error'));
      }),
      { numRuns: 400, seed: 20261124 },
    );
  });

  it('never crash the validator: truncated and spliced text', () => {
    const text = exampleFiles.join('---\n');
    fc.assert(
      fc.property(
        fc.nat({ max: text.length }),
        fc.nat({ max: text.length }),
        fc.string({ maxLength: 8 }),
        (cut, at, insert) => {
          const broken = text.slice(0, cut) + insert + text.slice(Math.min(at, cut));
          const result = validateSources([{ file: 'all.yaml', text: broken }], { nowMs: NOW });
          for (const d of result.diagnostics) expect(d.message).not.toMatch(/\n\s+at /); // no stack traces
        },
      ),
      { numRuns: 300, seed: 7 },
    );
  });
});
