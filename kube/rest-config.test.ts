// Where the agent's REST client finds its credentials, without @kubernetes/client-node: a kubeconfig
// with a token, a token file or client certificate files (paths relative to the file), the pod's
// ServiceAccount, and clear errors for what it cannot use.
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RequestOptions } from 'node:https';
import { describe, expect, it } from 'vitest';
import { IoError } from '../policy/errors.ts';
import { loadRestTarget } from './rest-config.ts';

async function dir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'patchwindow-rest-config-'));
}

function kubeconfig(cluster: Record<string, unknown>, user: Record<string, unknown>): string {
  return JSON.stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'c', cluster }],
    users: [{ name: 'u', user }],
    contexts: [{ name: 'ctx', context: { cluster: 'c', user: 'u' } }],
    'current-context': 'ctx',
  });
}

async function prepared(env: Record<string, string>, saDir?: string): Promise<{ server: string; o: RequestOptions }> {
  const target = await loadRestTarget(env, saDir);
  const o: RequestOptions = { headers: {} };
  await target.prepare(o);
  return { server: target.server, o };
}

describe('loadRestTarget', () => {
  it('reads a kubeconfig with a CA file, client certificate files relative to it, and a token', async () => {
    const d = await dir();
    await writeFile(join(d, 'ca.crt'), 'CA');
    await writeFile(join(d, 'client.crt'), 'CERT');
    await writeFile(join(d, 'client.key'), 'KEY');
    await writeFile(
      join(d, 'config'),
      kubeconfig(
        { server: 'https://127.0.0.1:6443', 'certificate-authority': 'ca.crt' },
        { 'client-certificate': 'client.crt', 'client-key': join(d, 'client.key'), token: 'abc' },
      ),
    );
    const { server, o } = await prepared({ KUBECONFIG: join(d, 'config') });
    expect(server).toBe('https://127.0.0.1:6443');
    expect(o.ca).toEqual(Buffer.from('CA'));
    expect(o.cert).toEqual(Buffer.from('CERT'));
    expect(o.key).toEqual(Buffer.from('KEY'));
    expect(o.rejectUnauthorized).toBe(true);
    expect(o.headers).toEqual({ Authorization: 'Bearer abc' });
  });

  it('takes inline data and insecure-skip-tls-verify, and sends no Authorization without a token', async () => {
    const d = await dir();
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await writeFile(
      join(d, 'config'),
      kubeconfig(
        { server: 'https://api:443', 'certificate-authority-data': b64('CA'), 'insecure-skip-tls-verify': true },
        { 'client-certificate-data': b64('CERT'), 'client-key-data': b64('KEY') },
      ),
    );
    const { o } = await prepared({ KUBECONFIG: join(d, 'config') });
    expect(o.ca).toEqual(Buffer.from('CA'));
    expect(o.cert).toEqual(Buffer.from('CERT'));
    expect(o.rejectUnauthorized).toBe(false);
    expect(o.headers).toEqual({});
  });

  it("in a pod: the ServiceAccount's CA and token, and the service's address", async () => {
    const d = await dir();
    await writeFile(join(d, 'ca.crt'), 'SA-CA');
    await writeFile(join(d, 'token'), 'sa-token\n');
    const { server, o } = await prepared(
      { KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: '443', HOME: d },
      d,
    );
    expect(server).toBe('https://10.0.0.1:443');
    expect(o.ca).toEqual(Buffer.from('SA-CA'));
    expect(o.headers).toEqual({ Authorization: 'Bearer sa-token' });
  });

  it('refuses credentials it cannot use, and a missing kubeconfig, with IoError saying what to do', async () => {
    const d = await dir();
    await writeFile(
      join(d, 'config'),
      kubeconfig(
        { server: 'https://api' },
        { exec: { command: 'aws', apiVersion: 'client.authentication.k8s.io/v1' } },
      ),
    );
    await expect(loadRestTarget({ KUBECONFIG: join(d, 'config') })).rejects.toThrow(IoError);
    await expect(loadRestTarget({ KUBECONFIG: join(d, 'config') })).rejects.toThrow(
      /the agent authenticates with a token, a token file or a client certificate, not exec/,
    );
    await expect(loadRestTarget({ KUBECONFIG: join(d, 'missing') })).rejects.toThrow(
      /cannot load Kubernetes credentials/,
    );
    await expect(loadRestTarget({ KUBECONFIG: `${join(d, 'a')}:${join(d, 'b')}` })).rejects.toThrow(/names several/);
  });
});
