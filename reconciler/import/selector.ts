// Kubernetes label selectors as written on a command line (`app=db,tier!=web,env in (a,b),!canary`)
// into the structured form policies use. kured passes its selectors to the API server as strings;
// this follows apimachinery's labels.Parse grammar for the forms it accepts. Pure.
import type { LabelSelector } from '../../policy/model.ts';

type Requirement = NonNullable<LabelSelector['matchExpressions']>[number];

/** The structured selector, or an error message naming the part that does not parse. */
export function parseSelector(text: string): { selector: LabelSelector } | { error: string } {
  const matchLabels: Record<string, string> = {};
  const matchExpressions: Requirement[] = [];
  for (const part of splitTopLevel(text)) {
    const p = part.trim();
    if (p === '') return { error: `"${text}" has an empty requirement` };
    let m: RegExpExecArray | null;
    if ((m = /^!\s*([^\s=!(),]+)$/.exec(p))) matchExpressions.push({ key: m[1]!, operator: 'DoesNotExist' });
    else if ((m = /^([^\s=!(),]+)\s*(==?|!=)\s*([^\s=!(),]*)$/.exec(p))) {
      if (m[2] === '!=') matchExpressions.push({ key: m[1]!, operator: 'NotIn', values: [m[3]!] });
      else if (m[1]! in matchLabels && matchLabels[m[1]!] !== m[3])
        return { error: `"${text}" asks ${m[1]} to equal two values` };
      else matchLabels[m[1]!] = m[3]!;
    } else if ((m = /^([^\s=!(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(p))) {
      const values = m[3]!.split(',').map((v) => v.trim());
      matchExpressions.push({ key: m[1]!, operator: m[2] === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = /^([^\s=!(),]+)$/.exec(p))) matchExpressions.push({ key: m[1]!, operator: 'Exists' });
    else
      return {
        error: `"${p}" in "${text}" is not a label selector requirement (key=value, key!=value, key in (a,b), key notin (a,b), key, !key)`,
      };
  }
  return {
    selector: {
      ...(Object.keys(matchLabels).length > 0 ? { matchLabels } : {}),
      ...(matchExpressions.length > 0 ? { matchExpressions } : {}),
    },
  };
}

/** Splits at commas outside parentheses. */
function splitTopLevel(text: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      parts.push(current);
      current = '';
    } else current += ch;
  }
  parts.push(current);
  return parts;
}
