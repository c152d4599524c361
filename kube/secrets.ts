// Reading one key of a Secret in the agents' namespace: the webhook URLs of notifications. The value
// is a secret: it is returned to the notifier and never put in a message (errors name the Secret
// and the key only). The Role the reconciler renders allows `get` on exactly these Secrets.
import type { V1Secret } from '@kubernetes/client-node';
import { TerminalError } from '../policy/errors.ts';
import { call } from './errors.ts';
import type { Rest } from './rest.ts';

/** A reader of `{ name, key }` in `namespace`; it reads the Secret at every call, so rotations apply. */
export function secretKeyReader(
  rest: Rest,
  namespace: string,
): (ref: { readonly name: string; readonly key: string }) => Promise<string> {
  return async ({ name, key }) => {
    const secret = await call(`read Secret ${namespace}/${name}`, () =>
      rest.request<V1Secret>('GET', `/api/v1/namespaces/${namespace}/secrets/${encodeURIComponent(name)}`),
    );
    const encoded = secret.data?.[key];
    if (encoded === undefined) throw new TerminalError(`Secret ${namespace}/${name} has no key ${JSON.stringify(key)}`);
    return Buffer.from(encoded, 'base64').toString('utf8').trim();
  };
}
