// Reads policy files as they were at a git revision, without touching the working tree or the index
// (rev-parse, ls-tree and cat-file only). The adapter behind `plan --base REF`: paths are resolved
// against the working directory, the repository is found from them, and the same files are read
// at REF that `loadSources` reads on disk (YAML files, directly in a directory, not recursive).
import { realpath, stat } from 'node:fs/promises';
import { dirname, relative, resolve, sep } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { IoError, messageOf, UsageError } from '../../policy/errors.ts';
import { compareText, type Diagnostic } from '../../policy/diagnostics.ts';
import { decodeSource, isPolicyFileName, withinSizeLimit } from '../validate/load.ts';
import type { SourceFile } from '../validate/parse.ts';

export interface SourcesAtRef {
  readonly root: string;
  /** The full commit id REF resolved to. */
  readonly commit: string;
  readonly sources: readonly SourceFile[];
  readonly diagnostics: readonly Diagnostic[];
  /** Paths that do not exist at REF (or hold no YAML files there), relative to the root. */
  readonly missing: readonly string[];
}

interface TreeEntry {
  readonly type: string;
  readonly object: string;
  readonly size: number;
  readonly path: string;
}

async function directoryOf(path: string): Promise<string> {
  try {
    const real = await realpath(path);
    return (await stat(real)).isDirectory() ? real : dirname(real);
  } catch (err: unknown) {
    throw new IoError(`${path}: no such file or directory`, { cause: err });
  }
}

async function repositoryRoot(path: string, dir: string): Promise<string> {
  try {
    const top = (await simpleGit({ baseDir: dir }).revparse(['--show-toplevel'])).trim();
    return await realpath(top);
  } catch (err: unknown) {
    if (/not a git repository/i.test(messageOf(err))) {
      throw new UsageError(
        `${path}: is not inside a git repository; plan reads the base policies with git, run it in a clone`,
        { cause: err },
      );
    }
    throw new IoError(`${path}: git failed: ${messageOf(err).trim()}`, { cause: err });
  }
}

async function resolveCommit(git: SimpleGit, ref: string, root: string): Promise<string> {
  if (ref.length === 0 || ref.startsWith('-') || /[\0\n]/.test(ref))
    throw new UsageError(`--base ${JSON.stringify(ref)}: not a git revision`);
  try {
    const commit = (await git.raw(['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`])).trim();
    if (/^[0-9a-f]{40,64}$/.test(commit)) return commit;
  } catch {
    // fall through: rev-parse --quiet fails without a message for unknown revisions.
  }
  throw new UsageError(
    `--base ${ref}: unknown revision in ${root}; use a branch, tag or commit that exists there (in CI, fetch it first, e.g. git fetch origin main)`,
  );
}

async function lsTree(git: SimpleGit, commit: string, path: string): Promise<TreeEntry[]> {
  const out = await git.raw(['ls-tree', '-z', '-l', '--full-tree', commit, ...(path === '' ? [] : ['--', path])]);
  return out
    .split('\0')
    .filter((line) => line.length > 0)
    .map((line) => {
      const tab = line.indexOf('\t');
      const [, type = '', object = '', size = '0'] = line.slice(0, tab).split(/ +/);
      return { type, object, size: Number(size) || 0, path: line.slice(tab + 1) };
    });
}

async function readBlob(
  git: SimpleGit,
  entry: TreeEntry,
  file: string,
  diagnostics: Diagnostic[],
): Promise<SourceFile | undefined> {
  if (!withinSizeLimit(file, entry.size, diagnostics)) return undefined;
  return decodeSource(file, await git.showBuffer(entry.object), diagnostics);
}

/** The policy files at `paths` (resolved against `cwd`) as they are at revision `ref`. */
export async function loadSourcesAtRef(paths: readonly string[], ref: string, cwd: string): Promise<SourcesAtRef> {
  const located: { path: string; dir: string; real: string }[] = [];
  for (const path of paths) {
    const absolute = resolve(cwd, path);
    const dir = await directoryOf(absolute);
    located.push({ path, dir, real: await realpath(absolute) });
  }
  const roots = await Promise.all(located.map((l) => repositoryRoot(l.path, l.dir)));
  const root = roots[0]!;
  const other = roots.findIndex((r) => r !== root);
  if (other >= 0)
    throw new UsageError(
      `${located[other]!.path}: is in repository ${roots[other]}, not in ${root}; give paths of one repository`,
    );
  const git = simpleGit({ baseDir: root });
  const commit = await resolveCommit(git, ref, root);
  const sources: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  const missing: string[] = [];
  try {
    for (const l of located) {
      const rel = relative(root, l.real).split(sep).join('/');
      const [self] = rel === '' ? [{ type: 'tree' }] : await lsTree(git, commit, rel);
      const entries =
        self === undefined
          ? []
          : self.type === 'tree'
            ? await lsTree(git, commit, rel === '' ? '' : `${rel}/`)
            : [self as TreeEntry];
      const files = entries
        .filter((e) => e.type === 'blob' && (self?.type !== 'tree' || isPolicyFileName(e.path.split('/').pop()!)))
        .sort((a, b) => compareText(a.path, b.path));
      if (files.length === 0) missing.push(rel === '' ? '.' : rel);
      for (const e of files) {
        const source = await readBlob(git, e, `${ref}:${e.path}`, diagnostics);
        if (source) sources.push(source);
      }
    }
  } catch (err: unknown) {
    throw new IoError(`reading the policies at ${ref} in ${root} failed: ${messageOf(err).trim()}`, { cause: err });
  }
  return { root, commit, sources, diagnostics, missing };
}
