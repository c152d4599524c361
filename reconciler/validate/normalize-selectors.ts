// Normalizing label maps and label selectors (pure) by the API server's own rules (policy/labels.ts).
import { labelKeyProblem, labelValueProblem } from '../../policy/labels.ts';
import type { LabelSelector } from '../../policy/model.ts';
import type { Report } from './normalize-fields.ts';
import { showValue, type FieldPath } from '../../policy/diagnostics.ts';

export function labelMap(
  report: Report,
  path: FieldPath,
  labels: Record<string, string> | undefined,
): Record<string, string> {
  for (const [key, value] of Object.entries(labels ?? {})) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem) report.error([...path, key], `label key ${showValue(key)} ${keyProblem}`, 'label', { key: true });
    const valueProblem = labelValueProblem(value);
    if (valueProblem) report.error([...path, key], `label value ${showValue(value)} ${valueProblem}`, 'label');
  }
  return { ...(labels ?? {}) };
}

/** Checks a LabelSelector by Kubernetes rules and returns it as the model's type. */
export function labelSelector(report: Report, path: FieldPath, selector: LabelSelector): LabelSelector {
  labelMap(report, [...path, 'matchLabels'], selector.matchLabels);
  (selector.matchExpressions ?? []).forEach((r, i) => {
    const at = [...path, 'matchExpressions', i];
    const keyProblem = labelKeyProblem(r.key);
    if (keyProblem) report.error([...at, 'key'], `label key ${showValue(r.key)} ${keyProblem}`, 'selector');
    const needsValues = r.operator === 'In' || r.operator === 'NotIn';
    if (needsValues && (r.values ?? []).length === 0) {
      report.error([...at, 'values'], `operator ${r.operator} needs a non-empty list of values`, 'selector');
    } else if (!needsValues && r.values !== undefined && r.values.length > 0) {
      report.error([...at, 'values'], `operator ${r.operator} takes no values; remove them`, 'selector');
    }
    (r.values ?? []).forEach((v, j) => {
      const p = labelValueProblem(v);
      if (p) report.error([...at, 'values', j], `label value ${showValue(v)} ${p}`, 'selector');
    });
  });
  return selector;
}
