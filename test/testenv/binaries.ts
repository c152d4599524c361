import { spawn } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { delimiter, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Every binary the cluster suites start, in start order. */
export const BINARIES = ['etcd', 'kube-apiserver', 'kube-controller-manager', 'kube-scheduler', 'kwok'] as const;
export type BinaryName = (typeof BINARIES)[number];

/** Where the control plane comes from. */
export interface Binaries {
  binDir: string;
  /** kwok Stage objects copied from the kwok module by build.sh (upstream "fast" node/pod stages). */
  upstreamStagesPath: string;
  source: 'KUBEBUILDER_ASSETS' | 'build.sh';
}

/** The versions pinned in versions.env (K8S_VERSION, ETCD_VERSION, KWOK_VERSION). */
export function pinnedVersions(): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of readFileSync(join(HERE, 'versions.env'), 'utf8').split('\n')) {
    const m = /^([A-Z0-9_]+)=(\S+)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) out[m[1]] = m[2];
  }
  return out;
}

const STAGES_FILE = 'kwok-stages.yaml';
const HOW_TO =
  'Either install Go >= 1.26 (https://go.dev/dl, or /usr/local/go) so test/testenv/build.sh can build the ' +
  'control plane from the Go module proxy (npm run testenv:build), or set KUBEBUILDER_ASSETS to a directory ' +
  `holding ${BINARIES.join(', ')} and ${STAGES_FILE} (in it or its parent; build.sh's cache bin dir has this layout).`;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** Checks a KUBEBUILDER_ASSETS-style dir; throws naming every missing piece. */
export function checkAssetsDir(binDir: string): Binaries {
  const missing: string[] = BINARIES.filter((b) => !isExecutable(join(binDir, b)));
  const stages = [join(binDir, STAGES_FILE), join(binDir, '..', STAGES_FILE)].find((p) => existsSync(p));
  if (stages === undefined) missing.push(`${STAGES_FILE} (in ${binDir} or its parent)`);
  if (missing.length > 0 || stages === undefined) {
    throw new Error(
      `testenv: KUBEBUILDER_ASSETS=${binDir} lacks ${missing.join(', ')}. ` +
        'envtest (setup-envtest) only ships etcd and kube-apiserver; the cluster suites also need ' +
        `kube-controller-manager, kube-scheduler and kwok. ${HOW_TO}`,
    );
  }
  return { binDir, upstreamStagesPath: stages, source: 'KUBEBUILDER_ASSETS' };
}

function findGo(env: NodeJS.ProcessEnv): string | undefined {
  const dirs = (env.PATH ?? '').split(delimiter).filter(Boolean);
  // /usr/local/go/bin is where the official Go tarball installs; not every shell puts it on PATH.
  for (const dir of [...dirs, '/usr/local/go/bin']) if (isExecutable(join(dir, 'go'))) return dir;
  return undefined;
}

/**
 * Resolves the control-plane binaries: KUBEBUILDER_ASSETS when set (envtest convention), else
 * test/testenv/build.sh (a no-op when its cache is complete; its progress goes to stderr).
 * Fails with instructions when neither is possible: these suites never skip silently.
 */
export async function resolveBinaries(env: NodeJS.ProcessEnv = process.env): Promise<Binaries> {
  const assets = env.KUBEBUILDER_ASSETS;
  if (assets !== undefined && assets !== '') return checkAssetsDir(assets);
  const goDir = findGo(env);
  if (goDir === undefined)
    throw new Error(`testenv: no Go toolchain on PATH and KUBEBUILDER_ASSETS is not set. ${HOW_TO}`);
  const path = [goDir, env.PATH ?? ''].join(delimiter);
  const binDir = await runBuildScript({ ...env, PATH: path });
  const dirs = checkAssetsDir(binDir);
  return { ...dirs, source: 'build.sh' };
}

function runBuildScript(env: NodeJS.ProcessEnv): Promise<string> {
  const script = join(HERE, 'build.sh');
  return new Promise((resolve, reject) => {
    const child = spawn('bash', [script], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let stdout = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk));
    child.once('error', (err) => reject(new Error(`testenv: cannot run ${script}: ${err.message}`, { cause: err })));
    child.once('close', (code) => {
      const lines = stdout.trim().split('\n');
      const binDir = lines[lines.length - 1]?.trim() ?? '';
      if (code === 0 && binDir !== '') resolve(binDir);
      else reject(new Error(`testenv: ${script} exited with ${code}; see its output above. ${HOW_TO}`));
    });
  });
}
