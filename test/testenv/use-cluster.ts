// Test-side entry point of the harness for the `cluster` and `faults` vitest projects: the cluster started by
// global-setup.ts reaches test files through vitest's provide/inject as plain ClusterInfo.
import { inject } from 'vitest';
import { connectCluster, type ClusterClient, type ClusterInfo } from './client.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The one cluster shared by every file of the project (`cluster` or `faults`). */
    testenv: ClusterInfo;
  }
}

/** The shared cluster, with helpers; call inside a test file of the `cluster` or `faults` project. */
export function useCluster(): ClusterClient {
  const info = inject('testenv');
  if (info === undefined)
    throw new Error(
      'testenv: no cluster provided; run this file in the `cluster` or `faults` vitest project (npx vitest run --project cluster)',
    );
  return connectCluster(info);
}

export { uniqueName } from './names.ts';
export { NOT_READY_ANNOTATION } from './stages.ts';
export { sumSamples, type Sample } from './metrics.ts';
export type { ClusterClient, ClusterInfo, NodeSpec } from './client.ts';
