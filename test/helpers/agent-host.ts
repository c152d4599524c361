// A simulated host for a real agent process: a directory standing in for the host's file system as
// the DaemonSet mounts it (PATCHWINDOW_HOST_ROOT: the sentinel under var/run, the boot id under
// proc/sys/kernel/random), and a fake nsenter that records the host commands the agent runs
// instead of running them. The test sees the reboot command in the record and plays the reboot:
// new boot id, sentinel gone (/var/run is a tmpfs).
import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { dirname, join } from 'node:path';
import { NSENTER_MOUNT_ARG } from '../../agent/adapters/host.ts';

export const SENTINEL_PATH = '/var/run/reboot-required';
const BOOT_ID_PATH = '/proc/sys/kernel/random/boot_id';

export class SimulatedHost {
  readonly node: string;
  /** The host root the agent gets (PATCHWINDOW_HOST_ROOT). */
  readonly root: string;
  /** The fake nsenter the agent gets (--nsenter). */
  readonly nsenter: string;
  /** Reboots played so far. */
  boots = 0;
  #bootId = randomUUID();
  readonly #commandLog: string;

  private constructor(node: string, dir: string) {
    this.node = node;
    this.root = join(dir, 'root');
    this.nsenter = join(dir, 'nsenter');
    this.#commandLog = join(dir, 'host-commands.log');
  }

  /**
   * Creates the host's files under `dir` (fresh boot id, no sentinel). With `guardUrl`, the fake
   * nsenter first POSTs each command to `<guardUrl>/<node>` and waits for the answer, so a test can
   * check the cluster at the very instant the agent runs it (see reboot-guard.ts).
   */
  static async create(node: string, dir: string, guardUrl?: string): Promise<SimulatedHost> {
    const h = new SimulatedHost(node, dir);
    await mkdir(join(h.root, dirname(SENTINEL_PATH)), { recursive: true });
    await mkdir(join(h.root, dirname(BOOT_ID_PATH)), { recursive: true });
    await writeFile(join(h.root, BOOT_ID_PATH), `${h.#bootId}\n`);
    // Only the argument form the host adapter uses is accepted; anything else fails loudly.
    const script = [
      '#!/bin/sh',
      '# Fake nsenter for tests: records the host command instead of running it.',
      `if [ "$1" != '${NSENTER_MOUNT_ARG}' ] || [ "$2" != '--' ]; then echo "fake nsenter: unexpected arguments: $*" >&2; exit 64; fi`,
      'shift 2',
      ...(guardUrl === undefined
        ? []
        : [
            `curl -s -o /dev/null -X POST --data-binary "$*" '${guardUrl}/${node}' || echo 'fake nsenter: guard unreachable' >&2`,
          ]),
      `printf '%s\\n' "$*" >> '${h.#commandLog}'`,
      '',
    ].join('\n');
    await writeFile(h.nsenter, script);
    await chmod(h.nsenter, 0o755);
    return h;
  }

  get bootId(): string {
    return this.#bootId;
  }

  async setSentinel(present: boolean): Promise<void> {
    const path = join(this.root, SENTINEL_PATH);
    if (present) await writeFile(path, '');
    else await rm(path, { force: true });
  }

  async sentinel(): Promise<boolean> {
    try {
      await stat(join(this.root, SENTINEL_PATH));
      return true;
    } catch {
      return false;
    }
  }

  /** Host commands the agent ran, oldest first (e.g. "/bin/systemctl reboot"). */
  async commands(): Promise<string[]> {
    try {
      return (await readFile(this.#commandLog, 'utf8')).split('\n').filter((l) => l !== '');
    } catch {
      return [];
    }
  }

  /** The host came back from a reboot: a new boot id, and the sentinel (on a tmpfs) is gone. */
  async boot(): Promise<void> {
    this.boots++;
    this.#bootId = randomUUID();
    await writeFile(join(this.root, BOOT_ID_PATH), `${this.#bootId}\n`);
    await this.setSentinel(false);
  }
}
