// The coordinator's Job rights with hooks (spec.hooks), on the real API server with its real token:
// a Fleet whose policy has hooks renders `create, get, list, watch, delete` on batch/jobs in the
// Fleet's namespace only; nothing elsewhere. (Without hooks it has none: agent-rbac.test.ts.)
import { BatchV1Api, CoreV1Api, KubeConfig, KubernetesObjectApi } from '@kubernetes/client-node';
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { names, type KubeObject } from '../../reconciler/render/objects.ts';
import { parseInstallSettings } from '../../reconciler/validate/install.ts';
import { applyFleetRbac, status } from '../helpers/fleet-rbac.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const admin = cluster.kubeConfig();
const adminCore = admin.makeApiClient(CoreV1Api);
const objects = KubernetesObjectApi.makeApiClient(admin);

describe("the coordinator's Job rights with hooks", () => {
  const fleet = uniqueName('hooks-rbac');
  const namespace = uniqueName('hooks-rbac');
  const other = uniqueName('hooks-rbac-other');
  let rendered: KubeObject[];
  let jobs: BatchV1Api;

  beforeAll(async () => {
    const text = await readFile('test/fixtures/hooks/install.yaml', 'utf8');
    const install = parseInstallSettings('install.yaml', text, '0.1.0').settings!;
    const policy = `apiVersion: patchwindow.io/v1alpha1\nkind: RebootPolicy\nmetadata: { name: db }\nspec:\n  nodePools: [db]\n  windows: [{ days: [sat], start: "01:00", end: "05:00" }]\n  hooks:\n    preReboot: { hook: db-step-down }\n`;
    rendered = await applyFleetRbac({
      objects,
      fleet,
      namespace,
      poolLabel: 'hooks-rbac.patchwindow.dev/pool',
      policy: { file: 'db.yaml', text: policy },
      manager: 'hooks-rbac-test',
      install,
    });
    await adminCore.createNamespace({ body: { metadata: { name: other } } });
    const kc = new KubeConfig();
    kc.loadFromFile(await cluster.serviceAccountKubeconfig({ namespace, name: names.coordinator }));
    jobs = kc.makeApiClient(BatchV1Api);
  });

  afterAll(async () => {
    for (const name of [namespace, other]) await adminCore.deleteNamespace({ name }).catch(() => undefined);
    for (const o of rendered.filter((x) => !x.metadata.namespace && x.kind !== 'Namespace'))
      await objects.delete(o).catch(() => undefined);
  });

  it('creates, reads, lists and deletes Jobs in its namespace, and nowhere else', async () => {
    const body = {
      metadata: { name: 'hook' },
      spec: { template: { spec: { restartPolicy: 'Never', containers: [{ name: 'x', image: 'tools:1' }] } } },
    };
    expect(await status(jobs.createNamespacedJob({ namespace, body }))).toBe(200);
    expect(await status(jobs.readNamespacedJob({ namespace, name: 'hook' }))).toBe(200);
    expect(await status(jobs.listNamespacedJob({ namespace, labelSelector: 'patchwindow.io/hook' }))).toBe(200);
    expect(await status(jobs.deleteNamespacedJob({ namespace, name: 'hook' }))).toBe(200);
    expect(await status(jobs.createNamespacedJob({ namespace: other, body }))).toBe(403);
    expect(await status(jobs.listJobForAllNamespaces())).toBe(403);
    expect(await status(jobs.patchNamespacedJob({ namespace, name: 'hook', body: {} }))).toBe(403);
  });
});
