// The host adapter against real files in a temp host root and a real child process: a fake nsenter
// script that records its arguments and exits with a chosen code. Nothing here reboots anything.
import { chmod, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TerminalError, TransientError } from '../../policy/errors.ts';
import { createHost, type HostOptions } from './host.ts';

let hostRoot: string;
let bin: string;
let nsenterPath: string;

// Behaves like nsenter for the test: records its argv (one per line), optionally writes to stderr
// and sleeps, then exits with the code in ./exit-code. It never runs the command it is given.
const FAKE_NSENTER = `#!/bin/sh
dir=$(dirname "$0")
for a in "$@"; do printf '%s\\n' "$a"; done > "$dir/args"
if [ -f "$dir/stderr" ]; then cat "$dir/stderr" >&2; fi
if [ -f "$dir/sleep" ]; then sleep "$(cat "$dir/sleep")"; fi
exit "$(cat "$dir/exit-code")"
`;

beforeEach(async () => {
  hostRoot = await mkdtemp(join(tmpdir(), 'pw-host-'));
  bin = await mkdtemp(join(tmpdir(), 'pw-bin-'));
  nsenterPath = join(bin, 'nsenter');
  await writeFile(nsenterPath, FAKE_NSENTER);
  await chmod(nsenterPath, 0o755);
  await nsenterExits(0);
});

afterEach(async () => {
  await rm(hostRoot, { recursive: true, force: true });
  await rm(bin, { recursive: true, force: true });
});

async function nsenterExits(code: number, stderr?: string): Promise<void> {
  await writeFile(join(bin, 'exit-code'), String(code));
  if (stderr !== undefined) await writeFile(join(bin, 'stderr'), stderr);
}

async function nsenterArgs(): Promise<string[]> {
  return (await readFile(join(bin, 'args'), 'utf8')).split('\n').slice(0, -1);
}

function host(overrides: Partial<HostOptions> = {}): ReturnType<typeof createHost> {
  return createHost({
    method: 'command',
    command: ['/bin/systemctl', 'reboot'],
    signal: 39,
    sentinelFile: '/var/run/reboot-required',
    sentinelCommand: null,
    hostRoot,
    nsenterPath,
    kill: () => {
      throw new Error('kill must not be called');
    },
    ...overrides,
  });
}

async function createSentinel(): Promise<void> {
  await mkdir(join(hostRoot, 'var/run'), { recursive: true });
  await writeFile(join(hostRoot, 'var/run/reboot-required'), '*** System restart required ***\n');
}

describe('rebootRequired', () => {
  it('is true when the sentinel file exists under the host root', async () => {
    await createSentinel();
    expect(await host().rebootRequired()).toBe(true);
  });

  it('is false when the sentinel file is absent and there is no command', async () => {
    await mkdir(join(hostRoot, 'var/run'), { recursive: true });
    expect(await host().rebootRequired()).toBe(false);
  });

  it('is true when the sentinel command exits 0, run in the host mount namespace', async () => {
    await nsenterExits(0);
    expect(await host({ sentinelCommand: ['/usr/bin/needs-restarting', '-r'] }).rebootRequired()).toBe(true);
    expect(await nsenterArgs()).toEqual(['-m/proc/1/ns/mnt', '--', '/usr/bin/needs-restarting', '-r']);
  });

  it('is false when the sentinel command exits 1', async () => {
    await nsenterExits(1);
    expect(await host({ sentinelCommand: ['/usr/bin/needs-restarting', '-r'] }).rebootRequired()).toBe(false);
  });

  it('does not run the command when the file already says a reboot is required', async () => {
    await createSentinel();
    await nsenterExits(1);
    expect(await host({ sentinelCommand: ['/usr/bin/needs-restarting', '-r'] }).rebootRequired()).toBe(true);
    await expect(readFile(join(bin, 'args'))).rejects.toThrow(/ENOENT/);
  });

  it('throws a TransientError when the sentinel command exits with another code', async () => {
    await nsenterExits(3, 'needs-restarting: cannot read /proc\n');
    const check = host({ sentinelCommand: ['/usr/bin/needs-restarting', '-r'] }).rebootRequired();
    await expect(check).rejects.toThrow(TransientError);
    await expect(check).rejects.toThrow(
      /"\/usr\/bin\/needs-restarting -r" exited with code 3 \(needs-restarting: cannot read \/proc\)/,
    );
  });

  it('throws a TransientError when the sentinel command cannot be started', async () => {
    const check = host({ sentinelCommand: ['/bin/true'], nsenterPath: join(bin, 'missing') }).rebootRequired();
    await expect(check).rejects.toThrow(TransientError);
    await expect(check).rejects.toThrow(/cannot run the sentinel command "\/bin\/true".*ENOENT/);
  });

  it('throws a TransientError when the sentinel command outlives its time limit', async () => {
    await writeFile(join(bin, 'sleep'), '10');
    const started = Date.now();
    const check = host({ sentinelCommand: ['/bin/true'], commandTimeoutMs: 200 }).rebootRequired();
    await expect(check).rejects.toThrow(/did not finish within 200 ms and was killed/);
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});

describe('bootId', () => {
  it('reads the trimmed boot id from the host root', async () => {
    await mkdir(join(hostRoot, 'proc/sys/kernel/random'), { recursive: true });
    await writeFile(join(hostRoot, 'proc/sys/kernel/random/boot_id'), '0f6c3f4e-1c1a-4d3e-9a53-2b0c8e7d9f10\n');
    expect(await host().bootId()).toBe('0f6c3f4e-1c1a-4d3e-9a53-2b0c8e7d9f10');
  });

  it('throws a TerminalError naming the path when the boot id is not mounted', async () => {
    const read = host().bootId();
    await expect(read).rejects.toThrow(TerminalError);
    await expect(read).rejects.toThrow(`${join(hostRoot, 'proc/sys/kernel/random/boot_id')}`);
  });
});

describe('reboot', () => {
  it('runs the reboot command through nsenter into the mount namespace of PID 1', async () => {
    await host().reboot();
    expect(await nsenterArgs()).toEqual(['-m/proc/1/ns/mnt', '--', '/bin/systemctl', 'reboot']);
  });

  it('throws a TerminalError with the stderr excerpt when the command fails', async () => {
    await nsenterExits(1, 'Failed to connect to bus: No such file or directory\n');
    const reboot = host().reboot();
    await expect(reboot).rejects.toThrow(TerminalError);
    await expect(reboot).rejects.toThrow(
      'the reboot command "/bin/systemctl reboot" exited with code 1 (Failed to connect to bus: No such file or directory)',
    );
  });

  it('throws a TerminalError when nsenter is missing', async () => {
    await expect(host({ nsenterPath: join(bin, 'missing') }).reboot()).rejects.toThrow(TerminalError);
  });

  it('sends the configured signal to PID 1 with method signal', async () => {
    const calls: [number, number][] = [];
    await host({ method: 'signal', signal: 39, kill: (pid, sig) => void calls.push([pid, sig]) }).reboot();
    expect(calls).toEqual([[1, 39]]);
    await expect(readFile(join(bin, 'args'))).rejects.toThrow(/ENOENT/);
  });

  it('throws a TerminalError when the signal cannot be sent', async () => {
    const kill = (): void => {
      throw Object.assign(new Error('kill EPERM'), { code: 'EPERM' });
    };
    const reboot = host({ method: 'signal', kill }).reboot();
    await expect(reboot).rejects.toThrow(TerminalError);
    await expect(reboot).rejects.toThrow(/cannot send signal 39 to the host's PID 1: kill EPERM/);
  });
});
