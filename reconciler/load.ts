// Reads policy files from the file system: the given files, and the .yaml/.yml files directly in the
// given directories (sorted, not recursive). Size and encoding limits become diagnostics.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IoError } from '../policy/errors.ts';
import type { Diagnostic } from './diagnostics.ts';
import type { SourceFile } from './parse.ts';

/** Policy files larger than this are refused: no policy needs it, and it bounds parse time. */
export const MAX_FILE_BYTES = 1024 * 1024;
const YAML_FILE = /\.ya?ml$/i;

async function readSource(file: string, diagnostics: Diagnostic[]): Promise<SourceFile | undefined> {
  const problem = (message: string, rule: string) =>
    diagnostics.push({ file, line: 0, column: 0, path: '', severity: 'error', message, rule });
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (info.size > MAX_FILE_BYTES) {
      problem(`is ${(info.size / MAX_FILE_BYTES).toFixed(1)} MiB; policy files are limited to 1 MiB, split it`, 'file-size');
      return undefined;
    }
    bytes = await readFile(file);
  } catch (err: unknown) {
    throw new IoError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
  }
  try {
    return { file, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    problem('is not UTF-8 text; save it as UTF-8', 'file-encoding');
    return undefined;
  }
}

/** Reads every policy file under `paths`; unreadable paths throw IoError (exit 2). */
export async function loadSources(paths: readonly string[]): Promise<{ sources: SourceFile[]; diagnostics: Diagnostic[] }> {
  const sources: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (err: unknown) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new IoError(code === 'ENOENT' ? `${path}: no such file or directory` : `${path}: cannot be read (${code ?? String(err)})`, { cause: err });
    }
    if (info.isDirectory()) {
      let names: string[];
      try {
        names = (await readdir(path)).filter((n) => YAML_FILE.test(n) && !n.startsWith('.')).sort();
      } catch (err: unknown) {
        throw new IoError(`${path}: cannot list the directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { cause: err });
      }
      if (names.length === 0) throw new IoError(`${path}: contains no .yaml or .yml files`);
      for (const n of names) {
        const source = await readSource(join(path, n), diagnostics);
        if (source) sources.push(source);
      }
    } else {
      const source = await readSource(path, diagnostics);
      if (source) sources.push(source);
    }
  }
  return { sources, diagnostics };
}
