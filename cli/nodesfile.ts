// Reads a `--nodes FILE` (kubectl get nodes -o yaml|json) into nodes; problems exit 2.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { IoError } from '../policy/errors.ts';
import { parseNodes, type ClusterNode } from '../reconciler/plan/nodes.ts';
import type { CliIo } from './io.ts';

/** The text of the file an option names (relative to the working directory); problems exit 2. */
export async function readArgFile(io: CliIo, flag: string, file: string): Promise<string> {
  try {
    return await readFile(resolve(io.cwd, file), 'utf8');
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IoError(
      `${flag} ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(err)})`}`,
      { cause: err },
    );
  }
}

export async function readNodesFile(io: CliIo, file: string): Promise<ClusterNode[]> {
  return parseNodes(await readArgFile(io, '--nodes', file), `--nodes ${file}`);
}
