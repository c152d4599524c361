// The AKS cluster of the issue "nothing silently wrong": policies-example/ copied with one typo, and
// its 11 nodes (6 general, 2 gpu, 3 system) as `kubectl get nodes -o json` prints them.
import { cp, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const AKS_POOL = 'kubernetes.azure.com/agentpool';

/** The 11 nodes, each with the real AKS pool label. */
export function aksNodes(): { name: string; labels: Record<string, string> }[] {
  const pool = (name: string, count: number) =>
    Array.from({ length: count }, (_, i) => ({
      name: `aks-${name}-${i}`,
      labels: { [AKS_POOL]: name, 'kubernetes.io/os': 'linux' },
    }));
  return [...pool('general', 6), ...pool('gpu', 2), ...pool('system', 3)];
}

/** A node List document of `nodes`. */
export function nodeListJson(nodes: readonly { name: string; labels: Record<string, string> }[]): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'List',
    items: nodes.map((n) => ({ apiVersion: 'v1', kind: 'Node', metadata: n })),
  });
}

/**
 * A copy of policies-example/ in a temp directory with `replace` applied to one file (e.g. the
 * poolLabel typo in fleet.yaml), plus nodes.json of the 11 AKS nodes. gpu.yaml and general.yaml name
 * only their own pool (the example's gpuv5 and spot have no node in this cluster).
 */
export async function typoPolicies(file: string, from: string, to: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'patchwindow-typo-'));
  await cp('policies-example', join(dir, 'policies'), { recursive: true });
  for (const [name, pools] of [
    ['gpu', 'gpu, gpuv5'],
    ['general', 'general, spot'],
  ]) {
    const at = join(dir, 'policies', `${name}.yaml`);
    await writeFile(at, (await readFile(at, 'utf8')).replace(`nodePools: [${pools}]`, `nodePools: [${name}]`));
  }
  const path = join(dir, 'policies', file);
  const text = await readFile(path, 'utf8');
  if (!text.includes(from)) throw new Error(`${file} does not contain ${from}`);
  await writeFile(path, text.replace(from, to));
  await writeFile(join(dir, 'nodes.json'), nodeListJson(aksNodes()));
  return dir;
}
