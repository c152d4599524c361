// The image, built from the Dockerfile and run: no registry is reachable here, so
// test/testenv/image.sh builds a Debian base from Debian packages (the Dockerfile's NODE_IMAGE build
// argument), builds the Dockerfile with podman (chroot isolation), unpacks the image and runs its
// own files with unshare + chroot (podman run cannot start containers on this kind of machine).
// The first run builds everything (minutes); later runs reuse the cache outside the repository and
// rebuild only the layers whose sources changed.
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { E2eFleet } from '../helpers/e2e-fleet.ts';
import { useCluster } from '../testenv/use-cluster.ts';
import { waitFor } from '../testenv/wait.ts';

const run = promisify(execFile);
const cluster = useCluster();
const IMAGE_SH = resolve('test/testenv/image.sh');
const EXAMPLE = resolve('policies-example');

describe('the image built from the Dockerfile', () => {
  let rootfs: string;
  let fleet: E2eFleet | undefined;
  const inImage = (opts: string[], ...args: string[]) =>
    run('bash', [IMAGE_SH, 'run', rootfs, ...opts, '--', ...args]).then(
      (r) => ({ code: 0, ...r }),
      (err: { code: number; stdout: string; stderr: string }) => err,
    );

  beforeAll(async () => {
    const built = await run('bash', [IMAGE_SH, 'rootfs', '.'], { maxBuffer: 256 * 1024 * 1024 });
    rootfs = built.stdout.trim().split('\n').at(-1)!;
  }, 3_600_000);

  afterAll(async () => {
    await fleet?.close();
  });

  it('runs `patchwindow --version` as a non-root user', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    expect(await inImage([], 'patchwindow', '--version')).toMatchObject({ code: 0, stdout: `${version}\n` });
    expect((await inImage([], 'id', '-u')).stdout).toBe('65532\n');
    const who = await inImage([], 'sh', '-c', 'echo "$HOME $NODE_ENV"; git --version; nsenter --version');
    expect(who.stdout).toMatch(/^\/tmp production\ngit version .*\nnsenter from util-linux/);
  });

  it('carries OCI labels and a CycloneDX SBOM of its runtime dependencies', async () => {
    const { version } = JSON.parse(await readFile('package.json', 'utf8')) as { version: string };
    const labels = JSON.parse(await readFile(`${rootfs}.labels.json`, 'utf8')) as Record<string, string>;
    expect(labels).toMatchObject({
      'org.opencontainers.image.title': 'patchwindow',
      'org.opencontainers.image.version': version,
      'org.opencontainers.image.licenses': 'Apache-2.0',
    });
    expect(labels['org.opencontainers.image.source']).toMatch(/^https:\/\//);
    const sbom = JSON.parse(await readFile(`${rootfs}/app/sbom.cdx.json`, 'utf8')) as {
      bomFormat: string;
      metadata: { component: { name: string; version: string } };
      components: { name: string }[];
    };
    expect(sbom.bomFormat).toBe('CycloneDX');
    expect(sbom.metadata.component).toMatchObject({ name: 'patchwindow', version });
    const names = sbom.components.map((c) => c.name);
    expect(names).toEqual(expect.arrayContaining(['ajv', 'pino', 'temporal-polyfill', '@kubernetes/client-node']));
    expect(names).not.toContain('vitest');
  });

  it('validates the example policies', async () => {
    const r = await inImage(['--bind', EXAMPLE], 'patchwindow', 'validate', EXAMPLE);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('valid — fleet prod-westeurope');
    const bad = await inImage(
      ['--bind', resolve('test/bad-policies')],
      'patchwindow',
      'validate',
      resolve('test/bad-policies'),
    );
    expect(bad.code).toBe(1);
    expect(bad.stdout + bad.stderr).not.toMatch(/\n\s+at /);
  });

  it('runs an agent in dry run against the test control plane', async () => {
    fleet = await E2eFleet.create(cluster, {
      policies: [{ name: 'general', pools: ['p'], maxUnavailable: 1 }],
      nodes: { n1: { pool: 'p' } },
    });
    // As the DaemonSet runs it: root, NODE_NAME and the host root from the environment; the test's
    // files (config, kubeconfig, simulated host, fake nsenter) are under the host's temp directory.
    fleet.agentLauncher = {
      file: 'bash',
      args: [IMAGE_SH, 'run', rootfs, '--user', '0:0', '--bind', tmpdir(), '--env', 'NODE_NAME'].concat([
        '--env',
        'PATCHWINDOW_HOST_ROOT',
        '--env',
        'KUBECONFIG',
        '--',
        'patchwindow',
      ]),
    };
    fleet.startAgents(['n1'], { dryRun: true });
    const f = fleet;
    const events = await waitFor(
      'a DryRun Event from the agent in the image',
      async () => ((await f.events('n1')).some((e) => e.reason === 'DryRun') ? f.events('n1') : undefined),
      { timeoutMs: 120_000, intervalMs: 500 },
    );
    expect(events.find((e) => e.reason === 'DryRun')?.message).toMatch(/^would cordon the node/);
    expect(await f.host('n1').commands()).toEqual([]);
  });
});
