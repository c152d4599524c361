// Reading the coordinator's config: the compiled AgentConfig of every policy of the Fleet (the
// rendered Deployment mounts each policy's ConfigMap into one directory, `<policy>.json`). Each file
// is checked like the agent checks its own; across files, fleet, namespace and cap must agree.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseAgentConfig } from '../policy/agent-config.ts';
import { IoError, messageOf, PolicyError } from '../policy/errors.ts';
import type { FleetConfig } from './view.ts';

/** Reads every `*.json` of `dir`; PolicyError naming the file and field, IoError when unreadable. */
export async function readFleetConfig(dir: string): Promise<FleetConfig> {
  let files: string[];
  try {
    files = (await readdir(dir)).filter((f) => f.endsWith('.json')).sort();
  } catch (err: unknown) {
    throw new IoError(
      `cannot read the coordinator's config directory ${dir}: ${messageOf(err)}; the Deployment mounts the policies' ConfigMaps there`,
      { cause: err },
    );
  }
  if (files.length === 0)
    throw new PolicyError(`${dir}: holds no policy config (*.json); render the Fleet again with patchwindow render`);
  const configs = [];
  for (const f of files) {
    const path = join(dir, f);
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err: unknown) {
      throw new IoError(`cannot read ${path}: ${messageOf(err)}`, { cause: err });
    }
    configs.push({ path, config: await parseAgentConfig(path, text) });
  }
  const first = configs[0]!;
  for (const { path, config } of configs.slice(1)) {
    for (const field of ['fleet', 'namespace'] as const) {
      if (config[field] !== first.config[field])
        throw new PolicyError(
          `${path}: ${field}: ${JSON.stringify(config[field])} differs from ${JSON.stringify(first.config[field])} in ${first.path}; one coordinator serves one Fleet: render it again`,
        );
    }
    if (JSON.stringify(config.fleetBudget) !== JSON.stringify(first.config.fleetBudget))
      throw new PolicyError(`${path}: fleetBudget differs from ${first.path}; render the Fleet again`);
  }
  return { fleet: first.config.fleet, namespace: first.config.namespace, configs: configs.map((c) => c.config) };
}
