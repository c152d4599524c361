// Reads policy files from the file system: the given files, and the .yaml/.yml files directly in the
// given directories (sorted, not recursive). Size and encoding limits become diagnostics.
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { IoError } from '../../policy/errors.ts';
import type { Diagnostic } from '../../policy/diagnostics.ts';
import type { SourceFile } from './parse.ts';

/** Policy files larger than this are refused: no policy needs it, and it bounds parse time. */
export const MAX_FILE_BYTES = 1024 * 1024;

// The rules below are shared with git.ts, which reads the same files at a revision.

/** Whether a directory entry is a policy file: a .yaml/.yml file that is not hidden. */
export function isPolicyFileName(name: string): boolean {
  return /\.ya?ml$/i.test(name) && !name.startsWith('.');
}

function fileProblem(file: string, message: string, rule: string): Diagnostic {
  return { file, line: 0, column: 0, path: '', severity: 'error', message, rule };
}

/** False, with a diagnostic, when a file of `size` bytes is over the limit. */
export function withinSizeLimit(file: string, size: number, diagnostics: Diagnostic[]): boolean {
  if (size <= MAX_FILE_BYTES) return true;
  diagnostics.push(
    fileProblem(
      file,
      `is ${(size / MAX_FILE_BYTES).toFixed(1)} MiB; policy files are limited to 1 MiB, split it`,
      'file-size',
    ),
  );
  return false;
}

/** The file's text, or undefined with a diagnostic when it is not strict UTF-8. */
export function decodeSource(file: string, bytes: Uint8Array, diagnostics: Diagnostic[]): SourceFile | undefined {
  try {
    return { file, text: new TextDecoder('utf-8', { fatal: true }).decode(bytes) };
  } catch {
    diagnostics.push(fileProblem(file, 'is not UTF-8 text; save it as UTF-8', 'file-encoding'));
    return undefined;
  }
}

async function readSource(file: string, diagnostics: Diagnostic[]): Promise<SourceFile | undefined> {
  let bytes: Buffer;
  try {
    const info = await stat(file);
    if (!withinSizeLimit(file, info.size, diagnostics)) return undefined;
    bytes = await readFile(file);
  } catch (err: unknown) {
    throw new IoError(`${file}: cannot be read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      cause: err,
    });
  }
  return decodeSource(file, bytes, diagnostics);
}

/** Reads every policy file under `paths`; unreadable paths throw IoError (exit 2). */
export async function loadSources(
  paths: readonly string[],
): Promise<{ sources: SourceFile[]; diagnostics: Diagnostic[] }> {
  const sources: SourceFile[] = [];
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    let info;
    try {
      info = await stat(path);
    } catch (err: unknown) {
      const code = (err as NodeJS.ErrnoException).code;
      throw new IoError(
        code === 'ENOENT' ? `${path}: no such file or directory` : `${path}: cannot be read (${code ?? String(err)})`,
        { cause: err },
      );
    }
    if (info.isDirectory()) {
      let names: string[];
      try {
        names = (await readdir(path)).filter(isPolicyFileName).sort();
      } catch (err: unknown) {
        throw new IoError(
          `${path}: cannot list the directory (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
          { cause: err },
        );
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
