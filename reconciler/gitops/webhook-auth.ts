// Who may trigger POST /sync: a git host's push webhook proves it knows the shared secret, GitHub by
// an HMAC-SHA256 of the body (X-Hub-Signature-256), GitLab by sending the token itself
// (X-Gitlab-Token). Both comparisons take the same time whatever the guess (no early exit on the
// first wrong byte, no length leak), and a refusal never says which part was wrong.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

/** How /sync is guarded: by a secret (read at each request, so a rotated Secret applies), or openly by explicit choice. */
export type WebhookGuard =
  | { readonly kind: 'secret'; readonly secret: () => Promise<Buffer> }
  | { readonly kind: 'open' }
  | { readonly kind: 'closed' };

export const GITHUB_SIGNATURE_HEADER = 'x-hub-signature-256';
export const GITLAB_TOKEN_HEADER = 'x-gitlab-token';
/** The headers that carry the proof; a forwarding replica passes them on with the body. */
export const PROOF_HEADERS: readonly string[] = [GITHUB_SIGNATURE_HEADER, GITLAB_TOKEN_HEADER];

/** Equal contents, in time independent of where they differ and of their lengths (both are hashed first). */
export function sameSecret(a: Buffer | string, b: Buffer | string): boolean {
  const digest = (x: Buffer | string) => createHash('sha256').update(x).digest();
  return timingSafeEqual(digest(a), digest(b));
}

function header(headers: Readonly<Record<string, string | string[] | undefined>>, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? undefined : value; // a repeated proof header is not a proof
}

/** Whether the request proves knowledge of `secret`: a valid GitHub signature of `body` or GitLab's token. */
export function proves(
  secret: Buffer,
  headers: Readonly<Record<string, string | string[] | undefined>>,
  body: Buffer,
): boolean {
  if (secret.length === 0) return false;
  const signature = header(headers, GITHUB_SIGNATURE_HEADER);
  if (signature !== undefined) {
    const expected = `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
    return sameSecret(signature.trim().toLowerCase(), expected);
  }
  const token = header(headers, GITLAB_TOKEN_HEADER);
  if (token !== undefined) return sameSecret(token, secret);
  return false;
}
