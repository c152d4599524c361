// The watch of the sentinel file's directory on a real directory (inotify through fs.watch): what
// counts as a change, and when the watch counts as lost.
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { watchSentinelFile, type SentinelWatch } from './sentinel-watch.ts';

let root: string;
let dir: string;
let watch: SentinelWatch | undefined;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'pw-sentinel-watch-'));
  dir = join(root, 'run');
  await mkdir(dir);
});

afterEach(async () => {
  watch?.close();
  watch = undefined;
  await rm(root, { recursive: true, force: true });
});

/** The next event, or 'none' when nothing comes within `ms` (real time: the kernel delivers). */
async function nextWithin(w: SentinelWatch, ms: number): Promise<string> {
  const timeout = AbortSignal.timeout(ms);
  const event = await w.next(timeout);
  return event === 'aborted' ? 'none' : event;
}

describe('the watch of the sentinel file', () => {
  it('says changed when the sentinel appears or goes, and not for other files of the directory', async () => {
    watch = watchSentinelFile(join(dir, 'reboot-required'));
    await writeFile(join(dir, 'other'), '');
    expect(await nextWithin(watch, 300)).toBe('none');
    await writeFile(join(dir, 'reboot-required'), '');
    expect(await nextWithin(watch, 5_000)).toBe('changed');
    await rm(join(dir, 'reboot-required'));
    expect(await nextWithin(watch, 5_000)).toBe('changed');
    expect(watch.lostBecause()).toBeNull();
  });

  it('remembers a change that came between two waits', async () => {
    watch = watchSentinelFile(join(dir, 'reboot-required'));
    await writeFile(join(dir, 'reboot-required'), '');
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await nextWithin(watch, 10)).toBe('changed');
  });

  it('is lost when the directory is removed, and when it is replaced by another of the same name', async () => {
    watch = watchSentinelFile(join(dir, 'reboot-required'));
    await rm(dir, { recursive: true });
    expect(await nextWithin(watch, 5_000)).toBe('lost');
    expect(watch.lostBecause()).toBe(`the directory ${dir} was removed or replaced`);
    watch.close();

    await mkdir(dir);
    watch = watchSentinelFile(join(dir, 'reboot-required'));
    await mkdir(join(root, 'new'));
    await rename(join(root, 'new'), dir).catch(async () => {
      // rename over a non-empty or busy directory may fail: move the old one away first.
      await rename(dir, join(root, 'old'));
      await rename(join(root, 'new'), dir);
    });
    expect(await nextWithin(watch, 5_000)).toBe('lost');
  });

  it('throws when the directory does not exist, so the caller polls', () => {
    expect(() => watchSentinelFile(join(root, 'missing', 'reboot-required'))).toThrow(/ENOENT/);
  });
});
