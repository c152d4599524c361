// Noticing the sentinel file the instant it appears: an inotify watch (fs.watch) of the directory
// that holds it. The DaemonSet mounts the host's directory of the sentinel into the pod (a bind
// mount of the same inode), so the kernel delivers the host's changes to this watch. A watch can
// end without a word: the directory deleted or replaced by another (a new inode the watch does not
// see), or an error; then it reports itself lost and the supervisor falls back to polling.
//
// Part of the idle supervisor: node:fs through require, like node:http in http.ts
// (docs/decisions/0006-light-idle-agent.md).
import { createRequire } from 'node:module';
import type * as fs from 'node:fs';
import { posix } from 'node:path';
import { messageOf } from '../../policy/errors.ts';

const { statSync, watch } = createRequire(import.meta.url)('node:fs') as typeof fs;

/** What a wait on the watch ended with. */
export type SentinelWatchEvent = 'changed' | 'lost' | 'aborted';

/** A running watch of the directory of one sentinel file. */
export interface SentinelWatch {
  /**
   * Resolves 'changed' at the next change of the sentinel (or at once when one came since the last
   * call), 'lost' once the watch no longer sees changes (at once from then on), 'aborted' when
   * `signal` aborts.
   */
  next(signal: AbortSignal): Promise<SentinelWatchEvent>;
  /** Why the watch was lost; null while it runs. */
  lostBecause(): string | null;
  close(): void;
}

/**
 * Watches the directory of the file at `path` (a path in this container). Throws when the
 * directory cannot be watched (missing, not a directory, no inotify left): the caller polls.
 */
export function watchSentinelFile(path: string): SentinelWatch {
  const dir = posix.dirname(path);
  const name = posix.basename(path);
  const inode = statSync(dir).ino;
  let changed = false;
  let lost: string | null = null;
  let wake: (() => void) | null = null;
  const watcher = watch(dir, { persistent: false });
  const markLost = (why: string): void => {
    if (lost !== null) return;
    lost = why;
    watcher.close();
    wake?.();
  };
  watcher.on('change', (type, filename) => {
    // A rename may be of the directory itself (deleted, moved, replaced): its inotify watch is then
    // gone or on an inode nobody writes to any more.
    if (type === 'rename') {
      let now: number | undefined;
      try {
        now = statSync(dir).ino;
      } catch {
        now = undefined;
      }
      if (now !== inode) return markLost(`the directory ${dir} was removed or replaced`);
    }
    // Some platforms give no file name: any change may be the sentinel.
    if (filename !== null && String(filename) !== name) return;
    changed = true;
    wake?.();
  });
  watcher.on('error', (err: unknown) => markLost(`the watch of ${dir} failed: ${messageOf(err)}`));
  return {
    next(signal) {
      return new Promise((resolve) => {
        const settle = (): void => {
          wake = null;
          signal.removeEventListener('abort', settle);
          if (lost !== null) return resolve('lost');
          if (signal.aborted) return resolve('aborted');
          changed = false;
          resolve('changed');
        };
        if (lost !== null || changed || signal.aborted) return settle();
        wake = settle;
        signal.addEventListener('abort', settle, { once: true });
      });
    },
    lostBecause: () => lost,
    close() {
      lost ??= 'closed';
      watcher.close();
      wake?.();
    },
  };
}
