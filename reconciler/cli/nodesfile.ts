// Reads a `--nodes FILE` (kubectl get nodes -o yaml|json) into nodes; problems exit 2.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { IoError } from '../../policy/errors.ts';
import { parseNodes, type ClusterNode } from '../nodes.ts';
import type { CliIo } from './io.ts';

export async function readNodesFile(io: CliIo, file: string): Promise<ClusterNode[]> {
  let text: string;
  try {
    text = await readFile(resolve(io.cwd, file), 'utf8');
  } catch (err: unknown) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new IoError(`--nodes ${file}: ${code === 'ENOENT' ? 'no such file' : `cannot be read (${code ?? String(err)})`}`, { cause: err });
  }
  return parseNodes(text, `--nodes ${file}`);
}
