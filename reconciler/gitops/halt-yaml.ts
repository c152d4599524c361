// The edit a halt makes to the policy repository (pure): set `spec.paused: true` in the document of
// the halted RebootPolicy, wherever it sits in a multi-document file, keeping every comment and the
// other documents as written; and the commit message that carries the evidence.
import { parseAllDocuments } from 'yaml';
import { describeEvidence, type HaltRecord } from '../../policy/halt.ts';
import { formatDuration } from '../../policy/duration.ts';

/** Where a policy is written and whether it is paused there. */
export interface PolicyInFile {
  readonly file: string;
  readonly paused: boolean;
}

/** The file (of `files`) holding RebootPolicy `policy`, and whether its spec says `paused: true`. */
export function findPolicy(files: readonly { file: string; text: string }[], policy: string): PolicyInFile | undefined {
  for (const f of files) {
    for (const doc of parseAllDocuments(f.text)) {
      if (!('contents' in doc) || !isPolicy(doc.toJS() as unknown, policy)) continue;
      return { file: f.file, paused: (doc.toJS() as { spec?: { paused?: unknown } }).spec?.paused === true };
    }
  }
  return undefined;
}

/** `text` with RebootPolicy `policy` paused (`pausedUntil` removed: the two exclude each other); undefined: not in it. */
export function pausePolicy(text: string, policy: string): string | undefined {
  const docs = parseAllDocuments(text);
  let found = false;
  let out = '';
  let last = 0;
  for (const doc of docs) {
    if (!('contents' in doc) || !isPolicy(doc.toJS() as unknown, policy)) continue;
    // Only this document is written again; the text around it stays byte for byte.
    const [start, , end] = doc.range;
    doc.setIn(['spec', 'paused'], true);
    doc.deleteIn(['spec', 'pausedUntil']);
    const written = doc.toString();
    const body = doc.directives?.docStart && text.slice(start - 4, start) !== '---\n' ? written : stripMarker(written);
    out += text.slice(last, start) + body;
    last = end;
    found = true;
  }
  return found ? out + text.slice(last) : undefined;
}

/** The commit message of a halt: what, why, the evidence, and how to resume. */
export function haltCommitMessage(policy: string, r: Extract<HaltRecord, { state: 'halted' }>): string {
  return [
    `patchwindow: pause policy ${policy}: halted after ${r.failures.length} failures within ${formatDuration(r.withinMs)}`,
    '',
    `The coordinator halted the pool of RebootPolicy ${policy} at ${new Date(r.atMs).toISOString()}`,
    `(spec.halt: afterFailures ${r.afterFailures}). Failures that counted:`,
    '',
    ...describeEvidence(r.failures).map((l) => `- ${l}`),
    '',
    'Once this is synced the reconciler lifts the cluster halt; the policy stays paused until a',
    'reviewed change sets paused: false again.',
    '',
  ].join('\n');
}

function isPolicy(v: unknown, policy: string): boolean {
  const d = v as { kind?: unknown; metadata?: { name?: unknown } } | null;
  return d?.kind === 'RebootPolicy' && d.metadata?.name === policy;
}

function stripMarker(written: string): string {
  return written.startsWith('---\n') ? written.slice(4) : written;
}

/** The name of the Fleet among `files` (validation made sure there is exactly one). */
export function findFleetName(files: readonly { text: string }[]): string | undefined {
  for (const f of files)
    for (const doc of parseAllDocuments(f.text)) {
      const v = ('contents' in doc ? doc.toJS() : null) as { kind?: unknown; metadata?: { name?: unknown } } | null;
      if (v?.kind === 'Fleet' && typeof v.metadata?.name === 'string') return v.metadata.name;
    }
  return undefined;
}
