// The fault tools themselves, on the real control plane: the per-agent API proxy cuts and restores
// one client's connections only, a process tree stops and resumes as a whole, kube-apiserver
// crashes and comes back on the same port with the same data, and the reboot guard sees a host
// command before it is recorded.
import { spawn } from 'node:child_process';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { afterAll, describe, expect, it } from 'vitest';
import { retargetKubeconfig, startApiProxy } from '../helpers/api-proxy.ts';
import { SimulatedHost } from '../helpers/agent-host.ts';
import { running } from '../helpers/agent-process.ts';
import { freezeTree, killTree, processTree, thawTree } from '../helpers/process-tree.ts';
import { startRebootGuard } from '../helpers/reboot-guard.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const dir = await mkdtemp(join(tmpdir(), 'fault-tools-'));
afterAll(() => rm(dir, { recursive: true, force: true }));

function client(kubeconfigPath: string): CoreV1Api {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfigPath);
  return kc.makeApiClient(CoreV1Api);
}

/** The request's outcome: 'ok', or the error message; 'hangs' when it has no answer within `ms`. */
async function outcome(call: () => Promise<unknown>, ms = 1_500): Promise<string> {
  const settled = call().then(
    () => 'ok',
    (err: unknown) => (err instanceof Error ? err.message : String(err)),
  );
  return Promise.race([settled, sleep(ms).then(() => 'hangs')]);
}

describe('fault tools on a real control plane', () => {
  it('cuts and restores the API access of one client only', async () => {
    const proxy = await startApiProxy(cluster.info.apiUrl);
    try {
      const viaProxy = client(await retargetKubeconfig(cluster.info.kubeconfigPath, join(dir, 'kc'), proxy.url));
      const direct = client(cluster.info.kubeconfigPath);
      expect(await outcome(() => viaProxy.readNamespace({ name: 'default' }))).toBe('ok');

      proxy.cut('reset');
      expect(await outcome(() => viaProxy.readNamespace({ name: 'default' }))).not.toMatch(/^(ok|hangs)$/);
      expect(await outcome(() => direct.readNamespace({ name: 'default' }))).toBe('ok');
      proxy.cut('blackhole');
      expect(await outcome(() => viaProxy.readNamespace({ name: 'default' }))).toBe('hangs');

      proxy.restore();
      expect(await outcome(() => viaProxy.readNamespace({ name: 'default' }), 10_000)).toBe('ok');
      expect(proxy.refused()).toBeGreaterThanOrEqual(2);
    } finally {
      await proxy.close();
    }
  });

  it('stops and resumes a whole process tree, and kills it stopped', async () => {
    const ticks = join(dir, 'ticks');
    // A parent that starts a child; both append a line every 20 ms.
    const tick = (who: string): string =>
      `setInterval(() => require('fs').appendFileSync(${JSON.stringify(ticks)}, '${who}\\n'), 20);`;
    const script = `${tick('parent')} require('child_process').spawn(process.execPath, ['-e', ${JSON.stringify(tick('child'))}], { stdio: 'ignore' });`;
    const parent = spawn(process.execPath, ['-e', script], { stdio: 'ignore' });
    const count = async (): Promise<{ parent: number; child: number }> => {
      const lines = (await readFile(ticks, 'utf8').catch(() => '')).split('\n');
      return { parent: lines.filter((l) => l === 'parent').length, child: lines.filter((l) => l === 'child').length };
    };
    try {
      for (let i = 0; (await count()).child === 0 && i < 100; i++) await sleep(50);
      expect((await processTree(parent.pid!)).length).toBe(2);
      const stopped = await freezeTree(parent.pid!);
      expect(stopped).toHaveLength(2);
      await sleep(50); // a write already under way lands
      const frozen = await count();
      await sleep(300);
      expect(await count()).toEqual(frozen);

      thawTree(stopped);
      await sleep(300);
      const resumed = await count();
      expect(resumed.parent).toBeGreaterThan(frozen.parent);
      expect(resumed.child).toBeGreaterThan(frozen.child);

      await freezeTree(parent.pid!);
      const exited = new Promise((resolve) => parent.once('exit', (_code, signal) => resolve(signal)));
      await killTree(parent.pid!);
      expect(await exited).toBe('SIGKILL');
      for (let i = 0; stopped.some(running) && i < 100; i++) await sleep(20);
      expect(stopped.filter(running)).toEqual([]);
    } finally {
      await killTree(parent.pid!);
    }
  });

  it('crashes kube-apiserver and brings it back on the same port with the same data', async () => {
    const core = client(cluster.info.kubeconfigPath);
    const name = uniqueName('survives');
    await core.createNamespace({ body: { metadata: { name } } });
    const restarting = cluster.restartApiserver({ downMs: 1_000 });
    try {
      await sleep(300);
      expect(await outcome(() => core.readNamespace({ name }))).toMatch(/fetch failed|ECONNREFUSED/);
      const { downMs } = await restarting;
      expect(downMs).toBeGreaterThanOrEqual(1_000);
      expect((await core.readNamespace({ name })).metadata?.name).toBe(name);
    } finally {
      await restarting;
      await core.deleteNamespace({ name });
    }
  });

  it('checks a host command before the fake nsenter records it', async () => {
    const seen: string[] = [];
    const guard = await startRebootGuard((node, command) => {
      seen.push(`${node}: ${command}`);
      return Promise.resolve(command.includes('reboot') ? 'no grant' : undefined);
    });
    try {
      const host = await SimulatedHost.create('n1', join(dir, 'host'), guard.url);
      const { NSENTER_MOUNT_ARG } = await import('../../agent/adapters/host.ts');
      for (const cmd of [['/bin/true'], ['/bin/systemctl', 'reboot']])
        await new Promise((resolve) => spawn(host.nsenter, [NSENTER_MOUNT_ARG, '--', ...cmd]).once('exit', resolve));
      expect(seen).toEqual(['n1: /bin/true', 'n1: /bin/systemctl reboot']);
      expect(await host.commands()).toEqual(['/bin/true', '/bin/systemctl reboot']);
      expect(guard.problems()).toEqual([expect.stringMatching(/n1 ran "\/bin\/systemctl reboot": no grant$/)]);
    } finally {
      await guard.close();
    }
  });
});
