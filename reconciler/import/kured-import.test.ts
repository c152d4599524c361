// Real-world kured configurations imported: the documents match their golden files, `validate`
// accepts them, and the report says what each setting became. Typos and values kured would refuse
// are errors with file and line.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importKured, type ImportOptions } from './kured-import.ts';
import { importFiles } from './kured-yaml.ts';
import { formatErrors, formatReport } from './report.ts';
import { validateSources } from '../validate/validate.ts';

const FIXTURES = join(import.meta.dirname, '../../test/fixtures/kured');
const NOW = Date.UTC(2027, 0, 1);
const OPTIONS: ImportOptions = {
  fleetName: 'kured',
  policyName: 'kured',
  poolLabel: 'kubernetes.azure.com/agentpool',
  namespace: 'patchwindow',
  kuredNamespace: 'kube-system',
  nowMs: NOW,
};

function run(...names: string[]) {
  const sources = names.map((n) => ({ file: n, text: readFileSync(join(FIXTURES, n), 'utf8') }));
  const result = importKured(sources, OPTIONS);
  return { result, files: importFiles(result, names) };
}

describe('kured configurations become policies that validate', () => {
  for (const [name, files] of [
    ['chart-defaults', ['chart-defaults.values.yaml']],
    ['aks-tutorial', ['aks-tutorial.values.yaml']],
    ['prometheus-gated', ['prometheus-gated.values.yaml']],
    ['env-overrides', ['env-overrides.daemonset.yaml']],
    ['values-and-daemonset', ['aks-tutorial.values.yaml', 'env-overrides.daemonset.yaml']],
  ] as const) {
    it(`${name}: golden documents and report, validate clean`, async () => {
      const { result, files: out } = run(...files);
      expect(formatErrors(result.errors)).toBe('');
      await expect(out.fleet).toMatchFileSnapshot(join(FIXTURES, 'golden', name, 'fleet.yaml'));
      await expect(out.policy).toMatchFileSnapshot(join(FIXTURES, 'golden', name, 'kured.yaml'));
      await expect(formatReport(result, undefined)).toMatchFileSnapshot(join(FIXTURES, 'golden', name, 'report.txt'));
      const validated = validateSources(
        [
          { file: 'fleet.yaml', text: out.fleet },
          { file: 'kured.yaml', text: out.policy },
        ],
        { nowMs: NOW },
      );
      expect(validated.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
      expect(validated.policySet?.policies.map((p) => p.name)).toEqual(['kured']);
    });
  }

  it('typos in values are errors naming file, line and the key meant; nothing is mapped from them', () => {
    const { result } = run('typos.values.yaml');
    expect(formatErrors(result.errors)).toBe(
      [
        'typos.values.yaml:3: error: configuration.rebootDay: configuration.rebootDay is not a kured chart setting (Helm ignores it silently); did you mean rebootDays?',
        'typos.values.yaml:4: error: configuration.startTIme: configuration.startTIme is not a kured chart setting (Helm ignores it silently); did you mean startTime?',
        'typos.values.yaml:7: error: tolerration: tolerration is not a value of the kured chart (Helm ignores it silently); did you mean tolerations?',
        'typos.values.yaml:9: error: extraArgs.reboot-dyas: --reboot-dyas is not a kured flag (kured 1.23 would refuse to start); did you mean --reboot-days?',
        '',
      ].join('\n'),
    );
  });
});
