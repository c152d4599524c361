// The Kubernetes client as every patchwindow process makes it (kube/config.ts loadKubeConfig),
// against the real API server through a loopback proxy that counts connections: requests share
// connections instead of opening one each (client-node alone makes a new pool per request), and a
// connection the server side resets is replaced, not reused.
import { CoreV1Api } from '@kubernetes/client-node';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKubeConfig } from '../../kube/config.ts';
import { retargetKubeconfig, startApiProxy, type ApiProxy } from '../helpers/api-proxy.ts';
import { useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();

describe('loadKubeConfig: connections', () => {
  let dir: string;
  let proxy: ApiProxy;
  let core: CoreV1Api;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'pw-connections-'));
    proxy = await startApiProxy(cluster.info.apiUrl);
    const kubeconfig = await retargetKubeconfig(cluster.info.kubeconfigPath, join(dir, 'kubeconfig'), proxy.url);
    core = loadKubeConfig({ KUBECONFIG: kubeconfig }).makeApiClient(CoreV1Api);
  });

  afterAll(async () => {
    await proxy.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('sends one request after another over one connection', async () => {
    const before = proxy.forwarded();
    for (let i = 0; i < 10; i++) await core.readNamespace({ name: 'default' });
    expect(proxy.forwarded() - before).toBe(1);
  });

  it('opens a new connection after the old one was reset', async () => {
    await core.readNamespace({ name: 'default' });
    proxy.cut('reset');
    proxy.restore();
    // The reset reaches the client's pool before the next request goes out.
    await new Promise((resolve) => setTimeout(resolve, 100));
    const before = proxy.forwarded();
    expect((await core.readNamespace({ name: 'default' })).metadata?.name).toBe('default');
    expect(proxy.forwarded() - before).toBe(1);
  });
});
