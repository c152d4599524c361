// One kured setting at a time, through the whole import: what kured did with it and what the
// policy, the install settings, the Secret command and the report say.
import { describe, expect, it } from 'vitest';
import { importKured, type ImportResult } from './kured-import.ts';
import { convertTemplate } from './kured-map-notify.ts';
import { parseSelector } from './selector.ts';

const OPTIONS = {
  fleetName: 'kured',
  policyName: 'kured',
  poolLabel: 'pool',
  namespace: 'patchwindow',
  kuredNamespace: 'kube-system',
  nowMs: Date.UTC(2027, 0, 1),
};
const values = (configuration: string, extra = ''): ImportResult =>
  importKured([{ file: 'values.yaml', text: `configuration:\n${configuration}\n${extra}` }], OPTIONS);
interface Spec {
  readonly windows: { days: string[]; start: string; end: string }[];
  readonly blockers?: { pods?: unknown[] };
  readonly reboot?: unknown;
  readonly notifications?: unknown;
  readonly paused?: boolean;
  readonly timeZone?: string;
}
const spec = (r: ImportResult): Spec => r.policy.spec as Spec;
const verdict = (r: ImportResult, key: string) => r.findings.find((f) => f.key === key)?.verdict;

function daemonSet(args: string[], env: Record<string, string> = {}): ImportResult {
  const text = `apiVersion: apps/v1
kind: DaemonSet
metadata: { name: kured, namespace: kube-system }
spec:
  template:
    spec:
      containers:
        - name: kured
          image: ghcr.io/kubereboot/kured:1.23.0
          command: [/usr/bin/kured]
          args: ${JSON.stringify(args)}
          env: ${JSON.stringify(Object.entries(env).map(([name, value]) => ({ name, value })))}
`;
  return importKured([{ file: 'ds.yaml', text }], OPTIONS);
}

describe('flags and env vars are resolved as kured resolves them', () => {
  it('a scalar env var replaces the flag; a list env var adds to the flag', () => {
    const r = daemonSet(['--reboot-days=mo', '--start-time=1am', '--end-time=4am'], {
      KURED_REBOOT_DAYS: 'we',
      KURED_START_TIME: '2am',
    });
    expect(spec(r).windows).toEqual([{ days: ['mon', 'wed'], start: '02:00', end: '04:00' }]);
  });
  it('--name value and repeated list flags', () => {
    const r = daemonSet([
      '--reboot-days',
      'sa',
      '--reboot-days=su',
      '--blocking-pod-selector=app=a',
      '--blocking-pod-selector=app=b,env=prod',
    ]);
    expect(spec(r).windows[0]?.days).toEqual(['sat', 'sun']);
    expect(spec(r).blockers?.pods).toEqual([
      { selector: { matchLabels: { app: 'a' } } },
      { selector: { matchLabels: { app: 'b', env: 'prod' } } },
    ]);
  });
  it('KURED_BLOCKING_POD_SELECTOR is ignored by kured, and reported so', () => {
    const r = daemonSet([], { KURED_BLOCKING_POD_SELECTOR: 'app=x' });
    expect(spec(r).blockers).toBeUndefined();
    expect(r.ignored.map((i) => i.message)).toEqual([
      expect.stringContaining('cannot read --blocking-pod-selector from KURED_BLOCKING_POD_SELECTOR'),
    ]);
  });
  it('values kured refuses are errors at their line', () => {
    const r = values('  period: 30\n  rebootDays: [mo, funday]\n  startTime: "25:00"\n  timeZone: europe/berlin');
    expect(r.errors.map((e) => `${e.origin.line} ${e.message}`)).toEqual([
      expect.stringMatching(/^2 --period: "30" is not a Go duration/),
      expect.stringMatching(/^3 "funday" is not a day kured knows/),
      expect.stringMatching(/^4 "25:00" is not a time kured reads/),
      expect.stringMatching(
        /^5 "europe\/berlin": kured loads zones from files whose names are case-sensitive.*use Europe\/Berlin/,
      ),
    ]);
  });
});

describe('each setting', () => {
  it('no reboot days means never: the policy is paused', () => {
    const r = daemonSet(['--reboot-days=']);
    expect([spec(r).paused, spec(r).windows.length]).toEqual([true, 1]);
  });
  it('Local is the container TZ, or UTC without one', () => {
    expect(spec(daemonSet(['--time-zone=Local'])).timeZone).toBe('UTC');
    expect(verdict(daemonSet(['--time-zone=Local']), '--time-zone')).toBe('difference');
  });
  it('host commands go to the install settings, never the policy; a bare program runs through /usr/bin/env', () => {
    const r = values(
      '  rebootCommand: "/usr/bin/systemctl reboot --force"\n  useRebootSentinelHostPath: false\n  rebootSentinelCommand: sh -c "! needs-restarting --reboothint"',
    );
    expect(r.install).toEqual({
      reboot: { default: ['/usr/bin/systemctl', 'reboot', '--force'] },
      sentinel: { kured: ['/usr/bin/env', 'sh', '-c', '! needs-restarting --reboothint'] },
    });
    expect(spec(r).reboot).toEqual({ sentinelCommand: 'kured' });
    expect(JSON.stringify(r.policy)).not.toContain('systemctl');
  });
  it('the chart drops rebootSentinelCommand while useRebootSentinelHostPath is on, and so does the import', () => {
    const r = values('  rebootSentinelCommand: /usr/bin/needs-restarting -r');
    expect(r.install.sentinel).toEqual({});
    expect(r.ignored[0]?.message).toContain('only when useRebootSentinelHostPath is false');
  });
  it('a sentinel inside the container is traced through its hostPath mount', () => {
    const r = values('  rebootSentinel: /run/reboot-needed');
    expect(spec(r).reboot).toEqual({ sentinelFile: '/run/reboot-needed' });
  });
  it('settings without a counterpart are unmapped with advice', () => {
    const r = values(
      '  drainDelay: 1m\n  lockReleaseDelay: 10m\n  preferNoScheduleTaint: weave.works/kured-node-reboot\n  skipWaitForDeleteTimeout: 60',
    );
    expect(r.findings.filter((f) => f.verdict === 'unmapped').map((f) => f.key)).toEqual([
      'configuration.drainDelay',
      'configuration.skipWaitForDeleteTimeout',
      'configuration.lockReleaseDelay',
      'configuration.preferNoScheduleTaint',
    ]);
  });
  it('a notify URL becomes a notification reading a Secret; the URL is in no output', () => {
    const url = 'slack://T0SECRET/B0SECRET/tOkEnSeCrEt';
    const r = values(`  notifyUrl: "'${url}'"\n  messageTemplateReboot: "Rebooting %s now (100%%)"`);
    expect(spec(r).notifications).toEqual([
      {
        format: 'url',
        urlFrom: { secretKeyRef: { name: 'patchwindow-notify-kured', key: 'url' } },
        events: ['drain', 'reboot', 'done'],
        templates: {
          drain: 'Draining node {node}',
          reboot: 'Rebooting {node} now (100%)',
          done: 'Node {node} rebooted & uncordoned successfully!',
        },
      },
    ]);
    expect(r.secrets[0]?.command).toMatch(
      /^kubectl -n patchwindow create secret generic patchwindow-notify-kured --from-file=url=\/dev\/stdin/,
    );
    expect(JSON.stringify([r.fleet, r.policy, r.secrets, r.findings])).not.toContain('tOkEnSeCrEt');
  });
  it('a notify URL kured could not use is unmapped, without repeating it', () => {
    const r = values('  notifyUrl: "https://hooks.slack.com/services/A/B/SECRET"');
    expect(verdict(r, 'configuration.notifyUrl')).toBe('unmapped');
    expect(JSON.stringify(r.findings)).not.toContain('SECRET');
  });
});

describe('small readers', () => {
  it('Go templates with %s', () => {
    expect(convertTemplate('Draining node %s')).toEqual({ text: 'Draining node {node}' });
    expect(convertTemplate('no verb').difference).toContain('EXTRA');
  });
  it('label selector strings', () => {
    expect(parseSelector('app=a,tier!=web,env in (prod, staging),!canary,gpu')).toEqual({
      selector: {
        matchLabels: { app: 'a' },
        matchExpressions: [
          { key: 'tier', operator: 'NotIn', values: ['web'] },
          { key: 'env', operator: 'In', values: ['prod', 'staging'] },
          { key: 'canary', operator: 'DoesNotExist' },
          { key: 'gpu', operator: 'Exists' },
        ],
      },
    });
    expect(parseSelector('app=(x')).toHaveProperty('error');
  });
});

describe('every documented time format and day name, through the import', () => {
  const times: [string, string][] = [
    ['1:30', '01:30'],
    ['13:45', '13:45'],
    ['13:45:00', '13:45'],
    ['13:45:30', '13:46'],
    ['01:45pm', '13:45'],
    ['13', '13:00'],
    ['01pm', '13:00'],
    ['1pm', '13:00'],
  ];
  for (const [written, start] of times) {
    it(`startTime "${written}" opens at ${start}`, () => {
      const r = values(`  startTime: "${written}"\n  endTime: "23:00"\n  rebootDays: [mo]`);
      expect(r.errors).toEqual([]);
      expect(spec(r).windows[0]?.start).toBe(start);
    });
  }
  const days: [string, string][] = [
    ['su', 'sun'],
    ['sun', 'sun'],
    ['sunday', 'sun'],
    ['mo', 'mon'],
    ['mon', 'mon'],
    ['monday', 'mon'],
    ['tu', 'tue'],
    ['tue', 'tue'],
    ['tuesday', 'tue'],
    ['we', 'wed'],
    ['wed', 'wed'],
    ['wednesday', 'wed'],
    ['th', 'thu'],
    ['thu', 'thu'],
    ['thursday', 'thu'],
    ['fr', 'fri'],
    ['fri', 'fri'],
    ['friday', 'fri'],
    ['sa', 'sat'],
    ['sat', 'sat'],
    ['saturday', 'sat'],
    ['SU', 'sun'],
    ['0', 'sun'],
    ['3', 'wed'],
    ['6', 'sat'],
  ];
  for (const [written, day] of days) {
    it(`rebootDays [${written}] is ${day}`, () => {
      const r = values(`  rebootDays: ["${written}"]\n  startTime: "1am"\n  endTime: "2am"`);
      expect(r.errors).toEqual([]);
      expect(spec(r).windows[0]?.days).toEqual([day]);
    });
  }
});
