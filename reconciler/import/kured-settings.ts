// From what a kured install passes (container args, KURED_* env) to the value of every flag, the way
// kured's pflag + LoadFromEnv do it: flags in order, then env on top. A scalar flag keeps its last
// value; the first value of a list flag replaces its default and later ones append (so an env var
// of a list flag set on the command line too adds to it rather than replacing it). Pure.
import { FLAG_BY_ENV, FLAG_BY_NAME, envName, type KuredFlag } from './kured-flags.ts';
import { suggest } from '../../policy/schema.ts';
import { parseGoBool, parseGoDuration, parseGoInt, splitCsv } from './go-values.ts';

/** Where a value was written: file, line and the field as the user knows it. */
export interface Origin {
  readonly file: string;
  readonly line: number;
  readonly field: string;
}

/** One flag as written: `--name=value` (value undefined for a bare `--name`) or a KURED_ env var. */
export interface RawFlag {
  readonly name: string;
  readonly value: string | undefined;
  readonly origin: Origin;
  readonly via: 'arg' | 'env';
  /** For env vars from a Secret: the Secret key they read (the value is then unknown here). */
  readonly secretRef?: { readonly namespace: string; readonly name: string; readonly key: string };
}

/** A problem kured itself would have had: it refuses to start, or ignores what was written. */
export interface Problem {
  readonly origin: Origin;
  readonly message: string;
}

export interface SetFlag {
  readonly flag: KuredFlag;
  /** The final value: a string for scalars, a list for slices and arrays. */
  readonly value: string | readonly string[];
  /** Every place that contributed, in order. */
  readonly origins: readonly Origin[];
  readonly secretRef?: RawFlag['secretRef'];
}

export interface ResolvedFlags {
  /** Only the flags that were set; the others keep kured's default. */
  readonly set: ReadonlyMap<string, SetFlag>;
  /** Values kured would refuse (it would not start): errors. */
  readonly errors: readonly Problem[];
  /** What kured ignored (e.g. a list flag given as env var it cannot read): warnings for the report. */
  readonly ignored: readonly Problem[];
}

/** Applies the flags (args first, then env, as kured does) and checks each value the way kured would. */
export function resolveFlags(raw: readonly RawFlag[]): ResolvedFlags {
  const set = new Map<string, SetFlag>();
  const errors: Problem[] = [];
  const ignored: Problem[] = [];
  const ordered = [...raw.filter((r) => r.via === 'arg'), ...raw.filter((r) => r.via === 'env')];
  for (const r of ordered) {
    const flag = r.via === 'arg' ? FLAG_BY_NAME.get(r.name) : FLAG_BY_ENV.get(r.name);
    if (!flag) {
      if (r.via === 'arg')
        errors.push({
          origin: r.origin,
          message: `--${r.name} is not a kured flag (kured 1.23 would refuse to start); ${didYouMean(r.name)}`,
        });
      continue; // other env vars of the container are not kured's
    }
    if (r.via === 'env' && flag.type === 'stringArray') {
      ignored.push({
        origin: r.origin,
        message: `kured cannot read --${flag.name} from ${envName(flag.name)} (a repeatable flag); it ignored this value, and so does the import`,
      });
      continue;
    }
    if (r.secretRef) {
      set.set(flag.name, {
        flag,
        value: '',
        origins: [...(set.get(flag.name)?.origins ?? []), r.origin],
        secretRef: r.secretRef,
      });
      continue;
    }
    const value = r.value ?? (flag.type === 'bool' ? 'true' : undefined);
    if (value === undefined) {
      errors.push({ origin: r.origin, message: `--${flag.name} needs a value (kured would refuse to start)` });
      continue;
    }
    const problem = checkValue(flag, value);
    if (problem) {
      errors.push({ origin: r.origin, message: `--${flag.name}: ${problem}` });
      continue;
    }
    const before = set.get(flag.name);
    const origins = [...(before?.origins ?? []), r.origin];
    if (flag.type === 'stringSlice' || flag.type === 'stringArray') {
      const items = flag.type === 'stringSlice' ? splitCsv(value)! : [value];
      const prior = before && Array.isArray(before.value) ? (before.value as readonly string[]) : [];
      set.set(flag.name, { flag, value: [...prior, ...items], origins });
    } else {
      set.set(flag.name, { flag, value, origins });
    }
  }
  return { set, errors, ignored };
}

/** Why kured would refuse `value` for `flag`, or undefined when it reads it. */
function checkValue(flag: KuredFlag, value: string): string | undefined {
  switch (flag.type) {
    case 'int':
      return parseGoInt(value) === undefined ? `"${value}" is not an integer` : undefined;
    case 'bool':
      return parseGoBool(value) === undefined ? `"${value}" is not a boolean (true or false)` : undefined;
    case 'duration':
      return parseGoDuration(value) === undefined
        ? `"${value}" is not a Go duration such as 30m, 1h30m or 90s (a unit is required)`
        : undefined;
    case 'regexp':
      try {
        new RegExp(value);
        return undefined;
      } catch {
        return `"${value}" is not a regular expression`;
      }
    case 'stringSlice':
      return splitCsv(value) === undefined
        ? `"${value}" is not a comma-separated list (a quote is not closed)`
        : undefined;
    default:
      return undefined;
  }
}

/** "did you mean" for a mistyped flag name. */
function didYouMean(name: string): string {
  const best = suggest(name, [...FLAG_BY_NAME.keys()]);
  return best !== undefined ? `did you mean --${best}?` : 'see kured --help for its flags';
}
