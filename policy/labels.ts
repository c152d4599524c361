// Kubernetes label rules and selector matching, the same way the API server and scheduler apply them.
import type { LabelSelector, NodeSelectorTerm } from './model.ts';

const QUALIFIED_NAME = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Why `name` is not a DNS-1123 label (a Kubernetes object or namespace name), or undefined. */
export function dns1123LabelProblem(name: string): string | undefined {
  if (name.length > 63) return `is ${name.length} characters long; at most 63 are allowed`;
  if (!DNS1123_LABEL.test(name))
    return 'must consist of lower-case letters, digits and "-", and start and end with a letter or digit';
  return undefined;
}

/** Why `name` is not a DNS-1123 subdomain, or undefined. */
export function dns1123SubdomainProblem(name: string): string | undefined {
  if (name.length > 253) return `is ${name.length} characters long; at most 253 are allowed`;
  if (!DNS1123_SUBDOMAIN.test(name))
    return 'must consist of lower-case letters, digits, "-" and ".", and start and end with a letter or digit';
  return undefined;
}

/** Why `key` is not a valid label key (`[prefix/]name`), or undefined. */
export function labelKeyProblem(key: string): string | undefined {
  const slash = key.indexOf('/');
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  if (prefix !== undefined) {
    if (prefix.length === 0) return 'has an empty prefix before "/"';
    const p = dns1123SubdomainProblem(prefix);
    if (p) return `has a prefix that ${p}`;
  }
  if (name.length === 0) return 'has an empty name';
  if (name.length > 63) return `has a name of ${name.length} characters; at most 63 are allowed`;
  if (!QUALIFIED_NAME.test(name))
    return 'must consist of letters, digits, "-", "_" and ".", and start and end with a letter or digit (optionally after a DNS prefix and "/")';
  return undefined;
}

/** Why `value` is not a valid label value, or undefined. Empty values are valid. */
export function labelValueProblem(value: string): string | undefined {
  if (value.length === 0) return undefined;
  if (value.length > 63) return `is ${value.length} characters long; at most 63 are allowed`;
  if (!QUALIFIED_NAME.test(value))
    return 'must be empty or consist of letters, digits, "-", "_" and ".", and start and end with a letter or digit';
  return undefined;
}

type Labels = Readonly<Record<string, string>> | undefined;

function requirementMatches(
  labels: Labels,
  key: string,
  operator: string,
  values: readonly string[] | undefined,
): boolean {
  const has = labels !== undefined && Object.hasOwn(labels, key);
  const value = has ? labels[key] : undefined;
  switch (operator) {
    case 'In':
      return has && (values ?? []).includes(value!);
    case 'NotIn':
      return !has || !(values ?? []).includes(value!);
    case 'Exists':
      return has;
    case 'DoesNotExist':
      return !has;
    default:
      return false;
  }
}

/** Whether labels match a LabelSelector; an empty selector matches everything. */
export function selectorMatches(selector: LabelSelector, labels: Labels): boolean {
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    if (!requirementMatches(labels, key, 'In', [value])) return false;
  }
  return (selector.matchExpressions ?? []).every((r) => requirementMatches(labels, r.key, r.operator, r.values));
}

/**
 * Whether a node's labels match node affinity terms: terms are ORed, a term's expressions ANDed;
 * like the scheduler, an empty term (or no terms at all) matches nothing.
 */
export function nodeSelectorTermsMatch(terms: readonly NodeSelectorTerm[], labels: Labels): boolean {
  return terms.some(
    (term) =>
      term.matchExpressions.length > 0 &&
      term.matchExpressions.every((r) => requirementMatches(labels, r.key, r.operator, r.values)),
  );
}
