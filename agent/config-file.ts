// Reading the agent's compiled config (the policy's ConfigMap, mounted as a JSON file) and checking
// it (policy/agent-config.ts) before the agent touches anything.
import { readFile } from 'node:fs/promises';
import { IoError, messageOf } from '../policy/errors.ts';
import type { AgentConfig } from '../policy/model.ts';
import { parseAgentConfig } from '../policy/agent-config.ts';

/** Reads and checks the AgentConfig at `path`; PolicyError naming every bad field, IoError if unreadable. */
export async function readAgentConfig(path: string): Promise<AgentConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err: unknown) {
    throw new IoError(
      `cannot read the agent config ${path}: ${messageOf(err)}; the DaemonSet mounts it from the policy's ConfigMap`,
      { cause: err },
    );
  }
  return parseAgentConfig(path, text);
}
