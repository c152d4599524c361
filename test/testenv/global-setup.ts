// vitest globalSetup of the `cluster` and `faults` projects: one control plane for all the files of
// the project (they run one at a time, fileParallelism: false, and isolate themselves with
// uniqueName()); each project gets its own, so the two can run side by side (scripts/test.ts).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import type { ClusterInfo } from './client.ts';
import { startCluster } from './cluster.ts';
import { serveControl } from './control.ts';
import { prebuildsFor, startPrebuilds } from './prebuild.ts';
import type {} from './use-cluster.ts'; // ProvidedContext augmentation

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // The other cold builds (helm/actionlint, promtool, the image) run while the control plane builds.
  // vitest's file filters are not public API: without them every prebuild starts (a warm one is a
  // file check). Only the `cluster` project starts them: no file of `faults` uses one.
  const filters = (project.vitest as unknown as { filenamePattern?: string[] }).filenamePattern;
  const prebuildLogs = mkdtempSync(join(tmpdir(), 'patchwindow-prebuild-'));
  const tasks = project.name === 'cluster' ? prebuildsFor(filters) : [];
  const prebuilds = startPrebuilds(tasks, process.cwd(), prebuildLogs);
  const cluster = await startCluster();
  const control = await serveControl(cluster);
  const info: ClusterInfo = {
    dir: cluster.dir,
    kubeconfigPath: cluster.kubeconfigPath,
    apiUrl: cluster.apiUrl,
    caCertPath: cluster.caCertPath,
    pkiDir: cluster.pkiDir,
    logDir: cluster.logDir,
    binDir: cluster.binDir,
    version: cluster.version,
    controllerManagerUrl: cluster.controllerManagerUrl,
    schedulerUrl: cluster.schedulerUrl,
    controlUrl: control.url,
  };
  project.provide('testenv', info);
  return async () => {
    const state = project.vitest.state;
    const failed =
      state.getCountOfFailedTests() > 0 ||
      state.getFailedFilepaths().length > 0 ||
      state.getUnhandledErrors().length > 0;
    // Keep logs, etcd data and PKI of a failed run; PATCHWINDOW_TESTENV_KEEP=1 keeps them always.
    await control.close();
    await cluster.stop({ keepDir: failed || process.env.PATCHWINDOW_TESTENV_KEEP === '1' });
    // A prebuild the run did not use still finishes (its half-built cache would only be redone).
    if ((await prebuilds.done).length === 0) rmSync(prebuildLogs, { recursive: true, force: true });
  };
}
