// The agent's credentials for kube/rest.ts without @kubernetes/client-node: the same places, in the
// same order, as loadKubeConfig (kube/config.ts) — $KUBECONFIG, ~/.kube/config, the pod's
// ServiceAccount — for the kinds of credentials an agent is given: a token (in the pod a projected
// token file that the kubelet rotates, read again every minute), a client certificate, a CA.
import { readFileSync, existsSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { IoError, messageOf } from '../policy/errors.ts';
import type { RestTarget } from './rest.ts';

const SERVICE_ACCOUNT = '/var/run/secrets/kubernetes.io/serviceaccount';
const TOKEN_REREAD_MS = 60_000;

interface Tls {
  ca?: Buffer;
  cert?: Buffer;
  key?: Buffer;
  rejectUnauthorized: boolean;
}

/** Where the agent's API server is and how it authenticates; IoError says what is missing. */
export async function loadRestTarget(
  env: Readonly<Record<string, string | undefined>> = process.env,
  serviceAccountDir = SERVICE_ACCOUNT,
): Promise<RestTarget> {
  try {
    const files = (env.KUBECONFIG ?? '').split(':').filter(Boolean);
    if (files.length > 1) throw new Error('the agent reads one kubeconfig file; KUBECONFIG names several');
    const file = files[0] ?? join(env.HOME ?? homedir(), '.kube', 'config');
    if (files.length === 1 || existsSync(file)) return await fromKubeconfig(file);
    if (env.KUBERNETES_SERVICE_HOST) return inCluster(env, serviceAccountDir);
    throw new Error('no kubeconfig found');
  } catch (err: unknown) {
    throw credentialsError(err);
  }
}

/** Credentials that cannot be loaded, for every role (kube/config.ts too): why, and where they come from. */
export function credentialsError(err: unknown): IoError {
  return new IoError(
    `cannot load Kubernetes credentials (${messageOf(err)}); set KUBECONFIG, create ~/.kube/config, or run in a pod with a ServiceAccount`,
    { cause: err },
  );
}

/** A kubeconfig that names no current cluster (kube/config.ts). */
export const NO_CURRENT_CLUSTER = 'the kubeconfig has no current cluster; run kubectl config use-context NAME';

function inCluster(env: Readonly<Record<string, string | undefined>>, dir: string): RestTarget {
  const host = env.KUBERNETES_SERVICE_HOST ?? '';
  const port = env.KUBERNETES_SERVICE_PORT ?? '443';
  const tls: Tls = { ca: readFileSync(join(dir, 'ca.crt')), rejectUnauthorized: true };
  return target(`https://${host.includes(':') ? `[${host}]` : host}:${port}`, tls, tokenFile(join(dir, 'token')));
}

type Named<T> = { name?: string } & T;
interface KubeconfigFile {
  'current-context'?: string;
  contexts?: Named<{ context?: { cluster?: string; user?: string } }>[];
  clusters?: Named<{ cluster?: Record<string, unknown> }>[];
  users?: Named<{ user?: Record<string, unknown> }>[];
}

async function fromKubeconfig(file: string): Promise<RestTarget> {
  // The YAML parser only here: in a pod (no kubeconfig) the worker never loads it.
  const { parse } = await import('yaml');
  const doc = (parse(readFileSync(file, 'utf8')) ?? {}) as KubeconfigFile;
  const current = doc['current-context'];
  const context = doc.contexts?.find((c) => c.name === current)?.context;
  if (current === undefined || context === undefined) {
    throw new Error(`${file} has no current context; run kubectl config use-context NAME`);
  }
  const cluster = doc.clusters?.find((c) => c.name === context.cluster)?.cluster;
  const server = cluster?.server;
  if (cluster === undefined || typeof server !== 'string')
    throw new Error(`${file}: the current cluster has no server`);
  const user = doc.users?.find((u) => u.name === context.user)?.user ?? {};
  const unsupported = ['exec', 'auth-provider', 'username'].filter((k) => k in user);
  if (unsupported.length > 0) {
    throw new Error(
      `${file}: the agent authenticates with a token, a token file or a client certificate, not ${unsupported.join(', ')}`,
    );
  }
  const base = dirname(file);
  const material = (inline: string, path: string, from: Record<string, unknown>): Buffer | undefined => {
    const data = from[inline];
    if (typeof data === 'string') return Buffer.from(data, 'base64');
    const p = from[path];
    return typeof p === 'string' ? readFileSync(isAbsolute(p) ? p : join(base, p)) : undefined;
  };
  const tls: Tls = { rejectUnauthorized: cluster['insecure-skip-tls-verify'] !== true };
  const ca = material('certificate-authority-data', 'certificate-authority', cluster);
  const cert = material('client-certificate-data', 'client-certificate', user);
  const key = material('client-key-data', 'client-key', user);
  if (ca) tls.ca = ca;
  if (cert) tls.cert = cert;
  if (key) tls.key = key;
  const token = user.token;
  const file_ = user.tokenFile;
  const bearer =
    typeof token === 'string'
      ? () => token
      : typeof file_ === 'string'
        ? tokenFile(isAbsolute(file_) ? file_ : join(base, file_))
        : () => undefined;
  return target(server, tls, bearer);
}

/** A token read from `path`, again once a minute: the kubelet replaces a projected token before it expires. */
function tokenFile(path: string): () => string {
  let token = readFileSync(path, 'utf8').trim();
  let readMs = Date.now();
  return () => {
    if (Date.now() - readMs >= TOKEN_REREAD_MS) {
      try {
        token = readFileSync(path, 'utf8').trim();
        readMs = Date.now();
      } catch {
        // Keep the last token: the API server says when it is no longer good.
      }
    }
    return token;
  };
}

function target(server: string, tls: Tls, bearer: () => string | undefined): RestTarget {
  return {
    server,
    prepare(request) {
      Object.assign(request, tls);
      const token = bearer();
      if (token !== undefined) request.headers = { ...request.headers, Authorization: `Bearer ${token}` };
    },
  };
}
