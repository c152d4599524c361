// Who may call the reconciler's POST /sync, from its flags: a secret file, openness chosen
// explicitly, or (by default) nobody.
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { WebhookGuard } from '../reconciler/gitops/webhook-auth.ts';
import type { CliIo } from './io.ts';

export function webhookGuard(
  io: CliIo,
  opts: { readonly webhookSecretFile?: string; readonly webhookUnauthenticated?: boolean },
): WebhookGuard {
  if (opts.webhookUnauthenticated) return { kind: 'open' };
  if (opts.webhookSecretFile === undefined) return { kind: 'closed' };
  const path = resolve(io.cwd, opts.webhookSecretFile);
  // Read at each request, so a rotated Secret applies without a restart; trailing newlines of the
  // file are not part of the secret (a webhook form field has none).
  return { kind: 'secret', secret: async () => Buffer.from((await readFile(path, 'utf8')).replace(/[\r\n]+$/, '')) };
}
