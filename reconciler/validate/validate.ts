// load -> parse -> validate: from file contents to a checked, normalized policy set, or to the list of
// every problem found. Pure: sources and `now` come in as arguments.
import type { Fleet } from '../../policy/generated/fleet.ts';
import type { RebootPolicy } from '../../policy/generated/rebootpolicy.ts';
import type { PolicyModel, PolicySet } from '../../policy/model.ts';
import { AffinityOverflowError, compileFleet } from '../render/compile.ts';
import { compareText, hasErrors, sortDiagnostics, type Diagnostic } from '../../policy/diagnostics.ts';
import { reporterFor, type Located } from './located.ts';
import { normalizeFleet, normalizePolicy } from './normalize.ts';
import { parseSource, type ParsedDocument, type SourceFile } from './parse.ts';
import { crossDocumentRules, scheduleWarnings } from './rules.ts';
import { classify, schemaProblems } from '../../policy/schema.ts';
import packageJson from '../../package.json' with { type: 'json' };
import { defaultInstallSettings, type InstallSettings } from './install.ts';
import { refusedFields, withoutFields } from './install-fields.ts';
import { withoutBadFields } from './prune.ts';

export interface ValidationResult {
  readonly diagnostics: readonly Diagnostic[];
  /** Present only when there is no error. */
  readonly policySet?: PolicySet;
}

export interface ValidateOptions {
  /** Reference instant for warnings such as "no window in the next 90 days". */
  readonly nowMs: number;
  /** Shown when no Fleet is found, e.g. the directory given. */
  readonly origin?: string;
  /**
   * Problems found while reading the files (too large, not UTF-8): reported with the rest, and they
   * make the set incomplete, so rules that need every file ("no Fleet found", "defaultPolicy names
   * no policy") do not report their consequences.
   */
  readonly loadDiagnostics?: readonly Diagnostic[];
  /**
   * The namespace the caller's agents live in (the in-cluster reconciler's --agent-namespace, which
   * its RBAC covers): a Fleet naming another one is an error at its spec.namespace.
   */
  readonly agentNamespace?: string;
  /** The cluster admin's install settings (image, commands, Secret prefix); default: the built-in ones. */
  readonly install?: InstallSettings;
}

/** Validates every document of the given sources as one policy set; reports all problems at once. */
export function validateSources(sources: readonly SourceFile[], options: ValidateOptions): ValidationResult {
  const diagnostics: Diagnostic[] = [...(options.loadDiagnostics ?? [])];
  const fleets: { doc: ParsedDocument; value: Fleet }[] = [];
  const policies: { doc: ParsedDocument; value: RebootPolicy }[] = [];
  // False once a document could not be read: rules about the whole set would then report
  // consequences (e.g. "defaultPolicy names no policy") instead of causes, so they wait.
  let complete = !hasErrors(diagnostics);
  const install = options.install ?? defaultInstallSettings(packageJson.version);

  for (const source of sources) {
    const parsed = parseSource(source);
    diagnostics.push(...parsed.diagnostics);
    if (parsed.diagnostics.length > 0) complete = false;
    for (const doc of parsed.documents) {
      const report = reporterFor(doc, diagnostics);
      const claimed = classify(doc.value);
      if ('problem' in claimed) {
        report.error(claimed.problem.path, claimed.problem.message, 'document-kind');
        complete = false;
        continue;
      }
      // What runs on a node is never read from git: refused at its line, and the rest still checked.
      const refused = refusedFields(claimed.kind, doc.value);
      for (const r of refused) report.error(r.path, r.message, 'install-setting');
      const written = withoutFields(doc.value, refused);
      const problems = schemaProblems(claimed.kind, written);
      for (const p of problems) report.error(p.path, p.message, 'schema', { key: p.key });
      // With schema problems, keep checking the rest of the document without the bad fields, so one
      // run reports every problem.
      const value = problems.length === 0 ? written : withoutBadFields(claimed.kind, written, problems);
      if (value === undefined) {
        complete = false;
        continue;
      }
      if (claimed.kind === 'Fleet') fleets.push({ doc, value: value as Fleet });
      else policies.push({ doc, value: value as RebootPolicy });
    }
  }

  if (fleets.length === 0 && diagnostics.length === 0) {
    const where = options.origin ?? (sources.map((s) => s.file).join(', ') || 'the given paths');
    diagnostics.push({
      file: where,
      line: 0,
      column: 0,
      path: '',
      severity: 'error',
      message:
        'no Fleet document found; a policy directory needs exactly one (kind: Fleet, see policies-example/fleet.yaml)',
      rule: 'one-fleet',
    });
  }
  for (const extra of fleets.slice(1)) {
    reporterFor(extra.doc, diagnostics).error(
      ['kind'],
      `is a second Fleet (the first is in ${fleets[0]!.doc.file}); a policy directory has exactly one`,
      'one-fleet',
    );
  }
  const fleetEntry = fleets[0];
  const fleet = fleetEntry
    ? normalizeFleet(reporterFor(fleetEntry.doc, diagnostics), fleetEntry.value, install)
    : undefined;
  if (fleetEntry && fleet && options.agentNamespace !== undefined && fleet.namespace !== options.agentNamespace) {
    reporterFor(fleetEntry.doc, diagnostics).error(
      ['spec', 'namespace'],
      `is ${fleet.namespace}, but this reconciler manages namespace ${options.agentNamespace} (its RBAC covers that one only); change the Fleet or --agent-namespace`,
      'namespace',
    );
  }
  const located: Located<PolicyModel>[] = policies.map(({ doc, value }) => ({
    doc,
    model: normalizePolicy(reporterFor(doc, diagnostics), value, {
      fleet,
      isDefault: fleet !== undefined && value.metadata.name === fleet.defaultPolicy,
      install,
    }),
  }));
  if (fleetEntry && fleet && complete) {
    diagnostics.push(...crossDocumentRules({ doc: fleetEntry.doc, model: fleet }, located));
  }
  if (fleet && !hasErrors(diagnostics)) {
    // The node affinity each policy's DaemonSet gets is bounded; only compiling the set tells.
    try {
      compileFleet({ fleet, policies: located.map((p) => p.model).sort((a, b) => compareText(a.name, b.name)) });
    } catch (err: unknown) {
      if (!(err instanceof AffinityOverflowError)) throw err;
      const at = located.find((p) => p.model.name === err.policy);
      if (at === undefined) throw err;
      const field = at.model.membership.kind === 'selector' ? ['spec', 'nodeSelector'] : ['spec'];
      reporterFor(at.doc, diagnostics).error(field, err.problem, 'affinity-terms');
    }
  }
  if (!hasErrors(diagnostics)) {
    for (const policy of located) diagnostics.push(...scheduleWarnings(policy, options.nowMs));
  }
  const sorted = sortDiagnostics(diagnostics);
  return hasErrors(sorted) || !fleet
    ? { diagnostics: sorted }
    : {
        diagnostics: sorted,
        policySet: { fleet, policies: located.map((p) => p.model).sort((a, b) => compareText(a.name, b.name)) },
      };
}

/** Validates what a loader read (`loadSources`, `loadSourcesAtRef`), its read problems included. */
export function checkSources(
  loaded: { readonly sources: readonly SourceFile[]; readonly diagnostics: readonly Diagnostic[] },
  options: Omit<ValidateOptions, 'loadDiagnostics'>,
): ValidationResult {
  return validateSources(loaded.sources, { ...options, loadDiagnostics: loaded.diagnostics });
}
