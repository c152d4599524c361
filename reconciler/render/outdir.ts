// Writes rendered files into an output directory that render owns. A file render wrote starts with
// GENERATED_HEADER; anything else there (a foreign file, a sub-directory) makes render refuse, so a
// wrong --out never overwrites or deletes someone's work. With `clean`, foreign files are deleted;
// directories never are. Files of an earlier render that the new one lacks (a removed policy) are
// deleted, so the directory always holds exactly the current render.
import { lstat, mkdir, open, readdir, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { IoError, UsageError } from '../../policy/errors.ts';
import { compareText } from '../../policy/diagnostics.ts';
import { GENERATED_HEADER, type OutputFile } from './render.ts';

export interface WriteResult {
  readonly written: readonly string[];
  /** Files removed: earlier renders' leftovers, and foreign files when cleaning. */
  readonly removed: readonly string[];
}

function ioError(what: string, err: unknown): IoError {
  return new IoError(`${what} (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
}

/** Whether the file starts with render's header. */
async function isGenerated(path: string): Promise<boolean> {
  const handle = await open(path, 'r');
  try {
    const buffer = Buffer.alloc(GENERATED_HEADER.length + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    const head = buffer.subarray(0, bytesRead).toString('utf8');
    return head === `${GENERATED_HEADER}\n`;
  } finally {
    await handle.close();
  }
}

interface Entry {
  readonly name: string;
  readonly kind: 'generated' | 'foreign' | 'directory';
}

async function survey(dir: string): Promise<Entry[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).sort(compareText);
  } catch (err: unknown) {
    throw ioError(`--out ${dir}: cannot list the directory`, err);
  }
  const out: Entry[] = [];
  for (const name of names) {
    const path = join(dir, name);
    try {
      const info = await lstat(path);
      if (info.isDirectory()) out.push({ name, kind: 'directory' });
      else out.push({ name, kind: info.isFile() && (await isGenerated(path)) ? 'generated' : 'foreign' });
    } catch (err: unknown) {
      throw ioError(`--out ${dir}: cannot read ${name}`, err);
    }
  }
  return out;
}

function listed(names: readonly string[]): string {
  return names.length > 8 ? `${names.slice(0, 8).join(', ')} and ${names.length - 8} more` : names.join(', ');
}

/** Makes `dir` hold exactly `files`; see the top of this file for what it refuses. */
export async function writeOutputDir(
  dir: string,
  files: readonly OutputFile[],
  opts: { clean: boolean },
): Promise<WriteResult> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (err: unknown) {
    throw ioError(`--out ${dir}: cannot create the directory`, err);
  }
  const entries = await survey(dir);
  const directories = entries.filter((e) => e.kind === 'directory').map((e) => e.name);
  const foreign = entries.filter((e) => e.kind === 'foreign').map((e) => e.name);
  if (directories.length > 0) {
    throw new UsageError(
      `--out ${dir}: holds directories render did not make (${listed(directories)}); render writes a flat directory of its own — choose an empty or dedicated directory`,
    );
  }
  if (foreign.length > 0 && !opts.clean) {
    throw new UsageError(
      `--out ${dir}: holds files render did not write (${listed(foreign)}); move them away, choose another directory, or pass --clean to delete them`,
    );
  }
  const keep = new Set(files.map((f) => f.name));
  for (const f of files) {
    try {
      await writeFile(join(dir, f.name), f.content);
    } catch (err: unknown) {
      throw ioError(`--out ${dir}: cannot write ${f.name}`, err);
    }
  }
  const removed: string[] = [];
  for (const e of entries) {
    if (keep.has(e.name)) continue;
    try {
      await unlink(join(dir, e.name));
    } catch (err: unknown) {
      throw ioError(`--out ${dir}: cannot remove ${e.name}`, err);
    }
    removed.push(e.name);
  }
  return { written: files.map((f) => f.name), removed };
}
