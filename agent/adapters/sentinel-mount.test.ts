// The sentinel mount check on a real file system: a fake host root (its var/run a symlink to /run, as
// on systemd hosts) and the agent's host mount, right or wrong.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { checkSentinelMount } from './sentinel-mount.ts';

describe('checkSentinelMount', () => {
  let dir: string;
  let hostFs: string;
  let hostRoot: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'patchwindow-mount-'));
    hostFs = join(dir, 'host-fs');
    hostRoot = join(dir, 'container', 'host');
    await mkdir(join(hostFs, 'run'), { recursive: true });
    await mkdir(join(hostFs, 'var'), { recursive: true });
    // An absolute link, resolved inside the host's root (not the container's).
    await symlink('/run', join(hostFs, 'var', 'run'));
    await writeFile(join(hostFs, 'run', 'utmp'), '');
    await mkdir(join(hostRoot, 'var'), { recursive: true });
  });
  afterEach(async () => rm(dir, { recursive: true, force: true }));

  it("accepts the host's directory (the same inode through the mount)", async () => {
    await symlink(join(hostFs, 'run'), join(hostRoot, 'var', 'run'));
    expect(await checkSentinelMount({ hostRoot, hostFs, sentinelFile: '/var/run/reboot-required' })).toEqual({
      kind: 'ok',
    });
  });

  it('finds an empty directory mounted in its stead', async () => {
    await mkdir(join(hostRoot, 'var', 'run'));
    const check = await checkSentinelMount({ hostRoot, hostFs, sentinelFile: '/var/run/reboot-required' });
    expect(check).toEqual({
      kind: 'wrong',
      message: `${join(hostRoot, 'var/run')} is not the host's /var/run (it is an empty directory): the agent cannot see /var/run/reboot-required and would never find a reboot required; mount the host's /var/run there (hostPath /var/run, type Directory)`,
    });
  });

  it('finds a directory of the host that is not the right one', async () => {
    await mkdir(join(hostFs, 'srv', 'run'), { recursive: true });
    await writeFile(join(hostFs, 'srv', 'run', 'x'), '');
    await symlink(join(hostFs, 'srv', 'run'), join(hostRoot, 'var', 'run'));
    expect(await checkSentinelMount({ hostRoot, hostFs, sentinelFile: '/var/run/reboot-required' })).toMatchObject({
      kind: 'wrong',
      message: expect.not.stringContaining('empty') as string,
    });
  });

  it('finds a missing mount', async () => {
    expect(await checkSentinelMount({ hostRoot, hostFs, sentinelFile: '/var/run/reboot-required' })).toMatchObject({
      kind: 'wrong',
      message: expect.stringContaining('is not mounted at') as string,
    });
  });

  it("says nothing is known when the host's root cannot be read", async () => {
    await symlink(join(hostFs, 'run'), join(hostRoot, 'var', 'run'));
    expect(
      await checkSentinelMount({ hostRoot, hostFs: join(dir, 'nowhere'), sentinelFile: '/var/run/reboot-required' }),
    ).toMatchObject({ kind: 'unknown' });
  });
});
