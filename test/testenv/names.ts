import { randomBytes } from 'node:crypto';

/**
 * A fresh DNS-1123 label `<prefix>-<6 random chars>` (<= 63 chars), so test files sharing the one
 * cluster never collide on namespaces, nodes or other cluster-scoped names.
 */
export function uniqueName(prefix: string): string {
  const clean =
    prefix
      .toLowerCase()
      .replace(/[^a-z0-9-]+/g, '-')
      .replace(/^-+|-+$/g, '')
      .slice(0, 55)
      .replace(/-+$/, '') || 't';
  const suffix = Array.from(randomBytes(6), (b) => 'abcdefghijklmnopqrstuvwxyz0123456789'[b % 36]).join('');
  return `${clean}-${suffix}`;
}
