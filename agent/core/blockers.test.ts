// Blocker rules: pods on the node, Prometheus alerts (filter, match-only, firing-only), admin hold.
import { describe, expect, it } from 'vitest';
import type { AlertBlocker } from '../../policy/model.ts';
import { alertBlockReasons, describeBlockReason, holdReason, podBlockReasons } from './blockers.ts';
import type { PodInfo } from '../../kube/ports.ts';
import type { Alert } from '../ports.ts';

const pod = (name: string, extra: Partial<PodInfo> = {}): PodInfo => ({
  namespace: 'ml',
  name,
  uid: name,
  labels: { app: 'training' },
  phase: 'Running',
  controllerKind: 'Job',
  mirror: false,
  usesEmptyDir: false,
  terminating: false,
  ...extra,
});

describe('pod blockers', () => {
  const training = { namespaceSelector: null, selector: { matchLabels: { app: 'training' } } };
  const inProd = { namespaceSelector: { matchLabels: { env: 'prod' } }, selector: {} };
  const labels = new Map([
    ['ml', { env: 'dev' }],
    ['shop', { env: 'prod' }],
  ]);

  it.each([
    ['a running pod that matches blocks', [pod('a')], ['ml/a']],
    ['a pending pod that matches blocks', [pod('a', { phase: 'Pending' })], ['ml/a']],
    ['a pod in unknown phase blocks', [pod('a', { phase: 'Unknown' })], ['ml/a']],
    ['a succeeded pod does not block', [pod('a', { phase: 'Succeeded' })], []],
    ['a failed pod does not block', [pod('a', { phase: 'Failed' })], []],
    ['a pod with other labels does not block', [pod('a', { labels: { app: 'web' } })], []],
  ])('%s', (_name, pods, blocked) => {
    expect(podBlockReasons([training], pods, labels)).toEqual(blocked.map((p) => ({ kind: 'pod', pod: p })));
  });

  it('matches the namespace selector against namespace labels; a vanished namespace matches none', () => {
    const pods = [pod('a'), pod('b', { namespace: 'shop' }), pod('c', { namespace: 'gone' })];
    expect(podBlockReasons([inProd], pods, new Map([...labels, ['gone', undefined]]))).toEqual([
      { kind: 'pod', pod: 'shop/b' },
    ]);
  });
});

describe('alert blockers', () => {
  const spec = (extra: Partial<AlertBlocker> = {}): AlertBlocker => ({
    prometheusUrl: 'http://p:9090',
    filter: null,
    filterMatchOnly: false,
    firingOnly: false,
    timeoutMs: 5_000,
    ...extra,
  });
  const alerts: Alert[] = [
    { name: 'Watchdog', state: 'firing' },
    { name: 'NodeDiskFull', state: 'pending' },
    { name: 'KubeAPIDown', state: 'firing' },
    { name: 'Old', state: 'inactive' },
  ];
  const names = (s: AlertBlocker) =>
    alertBlockReasons(s, alerts).map((r) => (r.kind === 'alert' ? `${r.alert}:${r.state}` : r.kind));

  it.each([
    [
      'every active alert blocks without a filter',
      spec(),
      ['Watchdog:firing', 'NodeDiskFull:pending', 'KubeAPIDown:firing'],
    ],
    ['firingOnly ignores pending alerts', spec({ firingOnly: true }), ['Watchdog:firing', 'KubeAPIDown:firing']],
    [
      'the filter ignores matching alerts',
      spec({ filter: '^Watchdog$' }),
      ['NodeDiskFull:pending', 'KubeAPIDown:firing'],
    ],
    [
      'with filterMatchOnly only matching alerts block',
      spec({ filter: '^(Kube|Node)', filterMatchOnly: true }),
      ['NodeDiskFull:pending', 'KubeAPIDown:firing'],
    ],
    [
      'filterMatchOnly and firingOnly together',
      spec({ filter: '^(Kube|Node)', filterMatchOnly: true, firingOnly: true }),
      ['KubeAPIDown:firing'],
    ],
    ['a filter that is no regular expression cannot be evaluated, so it blocks', spec({ filter: '(' }), ['unknown']],
  ])('%s', (_name, s, blocked) => {
    expect(names(s)).toEqual(blocked);
  });

  it('lists an alert firing twice (two label sets) once', () => {
    expect(alertBlockReasons(spec(), [alerts[0]!, alerts[0]!])).toHaveLength(1);
  });
});

describe('admin hold', () => {
  it.each([
    [
      { labels: { 'patchwindow.io/hold': 'true' }, annotations: {} },
      { kind: 'hold', source: 'label', value: 'true' },
    ],
    [
      { labels: {}, annotations: { 'patchwindow.io/hold': 'quarter-end close' } },
      { kind: 'hold', source: 'annotation', value: 'quarter-end close' },
    ],
    [{ labels: { 'patchwindow.io/hold': 'false' }, annotations: {} }, undefined],
    [{ labels: {}, annotations: {} }, undefined],
  ])('%j -> %j', (node, reason) => {
    expect(holdReason(node)).toEqual(reason);
  });

  it('is described so an admin knows what to remove', () => {
    expect(describeBlockReason({ kind: 'hold', source: 'label', value: 'x' })).toBe(
      'node label patchwindow.io/hold="x" holds it',
    );
  });
});
