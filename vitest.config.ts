import { configDefaults, defineConfig } from 'vitest/config';
import { PrebuildsLast } from './test/testenv/sequencer.ts';

/**
 * Cluster files that stop and restart kube-apiserver: they get a control plane of their own (the
 * `faults` project), so the files of the `cluster` project can run beside them on another one.
 */
export const CONTROL_PLANE_FAULT_FILES = ['test/e2e/faults.test.ts', 'test/e2e/fault-tools.test.ts'];

const clusterProject = {
  globalSetup: ['test/testenv/global-setup.ts'],
  testTimeout: 300_000,
  hookTimeout: 1_800_000,
  // The files of one control plane run one at a time (they share its Nodes and cluster-wide objects).
  fileParallelism: false,
};

// Three projects: fast unit tests of the pure core and the fakes, and two sets of suites on the real
// control plane (built from Go modules on first use, see test/testenv/), each set with one control
// plane of its own. `npm test` runs the three side by side (scripts/test.ts).
export default defineConfig({
  test: {
    sequence: { sequencer: PrebuildsLast },
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            '{policy,kube,io,reconciler,agent,coordinator,cli,test/unit,test/contract,test/install}/**/*.test.ts',
          ],
          testTimeout: 30_000,
        },
      },
      {
        test: {
          name: 'cluster',
          include: ['test/integration/**/*.test.ts', 'test/e2e/**/*.test.ts'],
          exclude: [...configDefaults.exclude, ...CONTROL_PLANE_FAULT_FILES],
          ...clusterProject,
        },
      },
      { test: { name: 'faults', include: CONTROL_PLANE_FAULT_FILES, ...clusterProject } },
    ],
  },
});
