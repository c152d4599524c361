// Is the sentinel's directory the host's? The DaemonSet mounts the host directory of the sentinel
// file (e.g. /var/run) under the host root (/host/var/run); a hostPath to the wrong place, or an empty
// directory created in its stead, would make the agent answer "no reboot needed" forever (kured's
// worst silent failure). The agent runs with hostPID, so /proc/1/root is the host's own root: the
// mounted directory and the host's directory must be the same inode on the same device (a bind mount
// keeps both). Symlinks on the host (/var/run -> /run) are followed inside the host's root.
import { lstat, readdir, readlink, stat } from 'node:fs/promises';
import { posix } from 'node:path';
import { messageOf } from '../../policy/errors.ts';

export type MountCheck =
  | { readonly kind: 'ok' }
  /** The mounted directory is not the host's: the sentinel cannot be seen. */
  | { readonly kind: 'wrong'; readonly message: string }
  /** The host's root cannot be read (no hostPID or no privilege): nothing is known. */
  | { readonly kind: 'unknown'; readonly message: string };

export interface MountCheckOptions {
  /** Where host paths are mounted in the container (the agent's --host-root). */
  readonly hostRoot: string;
  /** The sentinel file's path on the host. */
  readonly sentinelFile: string;
  /** The host's root as this process sees it (default /proc/1/root: PID 1 of the host with hostPID). */
  readonly hostFs?: string;
}

const MAX_LINKS = 40;

/** `path` (absolute, on the host) resolved inside `root`, following symlinks as the host would. */
async function resolveInside(root: string, path: string): Promise<string> {
  let rest = path.split('/').filter((p) => p.length > 0);
  let at = '/';
  for (let hops = 0; rest.length > 0;) {
    const [part, ...more] = rest;
    const next = posix.join(at, part!);
    const info = await lstat(posix.join(root, next));
    if (info.isSymbolicLink()) {
      if (++hops > MAX_LINKS) throw new Error(`too many symbolic links under ${path}`);
      const target = await readlink(posix.join(root, next));
      rest = [...target.split('/').filter((p) => p.length > 0), ...more];
      at = target.startsWith('/') ? '/' : at;
      continue;
    }
    at = next;
    rest = more;
  }
  return posix.join(root, at);
}

/** Compares the mounted sentinel directory with the host's; never throws. */
export async function checkSentinelMount(o: MountCheckOptions): Promise<MountCheck> {
  const dir = posix.dirname(o.sentinelFile);
  const mounted = posix.join(o.hostRoot, dir);
  const hostFs = o.hostFs ?? '/proc/1/root';
  let seen;
  try {
    seen = await stat(mounted);
  } catch (err: unknown) {
    return {
      kind: 'wrong',
      message: `the sentinel directory ${dir} is not mounted at ${mounted} (${messageOf(err)}); the DaemonSet must mount the host's ${dir} there`,
    };
  }
  let host;
  try {
    host = await stat(await resolveInside(hostFs, dir));
  } catch (err: unknown) {
    return {
      kind: 'unknown',
      message: `cannot read the host's ${dir} through ${hostFs} to compare (${messageOf(err)})`,
    };
  }
  if (seen.dev === host.dev && seen.ino === host.ino) return { kind: 'ok' };
  const empty = (await readdir(mounted).catch(() => [])).length === 0;
  return {
    kind: 'wrong',
    message:
      `${mounted} is not the host's ${dir}${empty ? ' (it is an empty directory)' : ''}: the agent cannot see ${o.sentinelFile} and would never find a reboot required; ` +
      `mount the host's ${dir} there (hostPath ${dir}, type Directory)`,
  };
}
