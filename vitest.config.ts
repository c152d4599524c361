import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests of the pure core and the fakes, and the suites that need the real
// control plane (built from Go modules on first use, see test/testenv/). `npm test` runs both.
export default defineConfig({
  test: {
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
          globalSetup: ['test/testenv/global-setup.ts'],
          testTimeout: 300_000,
          hookTimeout: 1_800_000,
          fileParallelism: false,
        },
      },
    ],
  },
});
