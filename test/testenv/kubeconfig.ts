import { stringify } from 'yaml';

/** How a kubeconfig user authenticates: a client certificate (files) or a bearer token. */
export type Credentials = { certFile: string; keyFile: string } | { token: string };

/** Renders a single-context kubeconfig for `server`, trusting `caFile`. Deterministic output. */
export function renderKubeconfig(opts: {
  server: string;
  caFile: string;
  user: string;
  credentials: Credentials;
}): string {
  const user =
    'token' in opts.credentials
      ? { token: opts.credentials.token }
      : { 'client-certificate': opts.credentials.certFile, 'client-key': opts.credentials.keyFile };
  return stringify({
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'testenv', cluster: { server: opts.server, 'certificate-authority': opts.caFile } }],
    users: [{ name: opts.user, user }],
    contexts: [{ name: 'testenv', context: { cluster: 'testenv', user: opts.user } }],
    'current-context': 'testenv',
  });
}
