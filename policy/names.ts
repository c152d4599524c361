// Stable Kubernetes object names: DNS-1123, at most 63 characters, truncated with a short hash.
import { createHash } from 'node:crypto';

/** A short stable hash of a string (first 8 hex digits of its SHA-256). */
export function shortHash(text: string): string {
  return createHash('sha256').update(text).digest('hex').slice(0, 8);
}

/** `parts` joined by '-', truncated to `max` characters with a hash of the full name when longer. */
export function stableName(parts: readonly string[], max = 63): string {
  const full = parts.filter((p) => p.length > 0).join('-');
  if (full.length <= max) return full;
  const hash = shortHash(full);
  const head = full.slice(0, max - hash.length - 1).replace(/[-.]+$/, '');
  return `${head}-${hash}`;
}
