// The wait for a node's volumes to detach after its drain (spec.drain.waitForVolumeDetach), on the
// real API server with the agent's rendered RBAC and its real ServiceAccount token: the agent may
// list VolumeAttachments and nothing more; the wait ends once the test deletes the node's
// attachments, and fails naming them when they stay past the timeout.
import {
  CoreV1Api,
  KubeConfig,
  KubernetesObjectApi,
  StorageV1Api,
  type V1VolumeAttachment,
} from '@kubernetes/client-node';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubeVolumeAttachments } from '../../kube/volume-attachments.ts';
import { restOf } from '../../kube/config.ts';
import { systemClock } from '../../io/clock.ts';
import { waitForVolumeDetach } from '../../agent/volume-wait.ts';
import { names, type KubeObject } from '../../reconciler/render/objects.ts';
import { applyFleetRbac, status } from '../helpers/fleet-rbac.ts';
import { uniqueName, useCluster } from '../testenv/use-cluster.ts';

const cluster = useCluster();
const admin = cluster.kubeConfig();
const adminStorage = admin.makeApiClient(StorageV1Api);
const objects = KubernetesObjectApi.makeApiClient(admin);

const attachment = (name: string, nodeName: string): V1VolumeAttachment => ({
  metadata: { name },
  spec: { attacher: 'csi.example.com', nodeName, source: { persistentVolumeName: `pv-${name}` } },
});

describe('waiting for volumes to detach', () => {
  const fleet = uniqueName('vol');
  const namespace = uniqueName('vol-agents');
  const node = uniqueName('vol-node');
  const otherNode = uniqueName('vol-other');
  let rendered: KubeObject[];
  let agentStorage: StorageV1Api;
  let volumes: KubeVolumeAttachments;
  const created: string[] = [];
  const attach = async (name: string, nodeName: string) => {
    const full = uniqueName(name);
    await adminStorage.createVolumeAttachment({ body: attachment(full, nodeName) });
    created.push(full);
    return full;
  };

  beforeAll(async () => {
    const policy = `apiVersion: patchwindow.io/v1alpha1\nkind: RebootPolicy\nmetadata: { name: db }\nspec:\n  nodePools: [db]\n  windows: [{ days: [sat], start: "01:00", end: "05:00" }]\n  drain:\n    waitForVolumeDetach: { timeout: 2m }\n`;
    rendered = await applyFleetRbac({
      objects,
      fleet,
      namespace,
      poolLabel: 'vol.patchwindow.dev/pool',
      policy: { file: 'db.yaml', text: policy },
      manager: 'vol-test',
    });
    const kc = new KubeConfig();
    kc.loadFromFile(await cluster.serviceAccountKubeconfig({ namespace, name: names.serviceAccount }));
    agentStorage = kc.makeApiClient(StorageV1Api);
    volumes = new KubeVolumeAttachments(restOf(kc));
  });

  afterAll(async () => {
    for (const name of created) await adminStorage.deleteVolumeAttachment({ name }).catch(() => undefined);
    await admin
      .makeApiClient(CoreV1Api)
      .deleteNamespace({ name: namespace })
      .catch(() => undefined);
    for (const o of rendered.filter((x) => !x.metadata.namespace && x.kind !== 'Namespace'))
      await objects.delete(o).catch(() => undefined);
  });

  it('lets the agent list VolumeAttachments, and neither create, change nor delete them', async () => {
    const mine = await attach('va-rbac', node);
    expect(await volumes.onNode(node)).toEqual([mine]);
    expect(await status(agentStorage.createVolumeAttachment({ body: attachment(uniqueName('x'), node) }))).toBe(403);
    expect(await status(agentStorage.deleteVolumeAttachment({ name: mine }))).toBe(403);
    expect(await status(agentStorage.readVolumeAttachment({ name: mine }))).toBe(403);
    await adminStorage.deleteVolumeAttachment({ name: mine });
  });

  it('ends once the node’s attachments are gone (another node’s do not count)', async () => {
    const a = await attach('va-a', node);
    const b = await attach('va-b', node);
    await attach('va-elsewhere', otherNode);
    const looks: (readonly string[])[] = [];
    let deleted = false;
    const outcome = waitForVolumeDetach({
      volumes,
      clock: systemClock,
      nodeName: node,
      timeoutMs: 60_000,
      pollMs: 200,
      signal: AbortSignal.timeout(90_000),
      onLook: (attached) => {
        looks.push(attached);
        if (!deleted) {
          deleted = true;
          void Promise.all([a, b].map((name) => adminStorage.deleteVolumeAttachment({ name })));
        }
      },
    });
    expect(await outcome).toEqual({ ok: true });
    expect(looks[0]).toEqual([a, b].sort());
    expect(looks.at(-1)).toEqual([]);
  });

  it('fails naming the attachments left at its timeout, so drain.onFailure applies', async () => {
    const stuck = await attach('va-stuck', node);
    const outcome = await waitForVolumeDetach({
      volumes,
      clock: systemClock,
      nodeName: node,
      timeoutMs: 1_000,
      pollMs: 200,
      signal: AbortSignal.timeout(30_000),
    });
    expect(outcome).toEqual({
      ok: false,
      reason: `volumes still attached to the node 1s after the drain (VolumeAttachments ${stuck}; drain.waitForVolumeDetach.timeout)`,
    });
  });
});
