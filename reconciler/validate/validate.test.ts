import { describe, expect, it } from 'vitest';
import type { Diagnostic } from '../../policy/diagnostics.ts';
import { checkSources, validateSources } from './validate.ts';
import { defaultInstallSettings, type InstallSettings } from './install.ts';

const NOW = Date.parse('2026-11-24T12:00:00Z');

const FLEET = `apiVersion: patchwindow.io/v1alpha1
kind: Fleet
metadata:
  name: test
spec:
  poolLabel: agentpool
  defaultPolicy: web
`;

const WEB = `apiVersion: patchwindow.io/v1alpha1
kind: RebootPolicy
metadata:
  name: web
spec:
  nodePools: [web]
  maxUnavailable: 1
  timeZone: Europe/Berlin
  windows:
    - days: [mon, tue]
      start: "22:00"
      end: "05:00"
`;

/** Install settings of a cluster whose admin allows a second reboot and a sentinel command. */
const INSTALL: InstallSettings = {
  ...defaultInstallSettings('0.1.0'),
  commands: {
    reboot: { default: ['/bin/systemctl', 'reboot'], plain: ['/usr/sbin/reboot'] },
    sentinel: { rhel: ['/usr/bin/needs-restarting', '-r'] },
  },
  origin: 'the install settings in install.yaml',
};

function validate(files: Record<string, string>, install: InstallSettings = INSTALL): Diagnostic[] {
  return [
    ...validateSources(
      Object.entries(files).map(([file, text]) => ({ file, text })),
      { nowMs: NOW, install },
    ).diagnostics,
  ];
}

/** The one diagnostic for `web.yaml` with `from` replaced by `to` (or text appended). */
function webWith(from: string, to: string): Diagnostic[] {
  const text = from === '' ? WEB + to : WEB.replace(from, to);
  expect(text, `test setup: ${from} must occur in the policy`).not.toBe(WEB);
  // A fleet without defaultPolicy, so that renaming the policy does not also break the fleet.
  return validate({ 'fleet.yaml': FLEET.replace('  defaultPolicy: web\n', ''), 'web.yaml': text });
}

function only(diagnostics: Diagnostic[]): Omit<Diagnostic, 'severity'> & { severity: string } {
  expect(diagnostics, JSON.stringify(diagnostics, null, 1)).toHaveLength(1);
  return diagnostics[0]!;
}

describe('validate', () => {
  it('accepts the base fleet and policy without any diagnostic', () => {
    expect(validate({ 'fleet.yaml': FLEET, 'web.yaml': WEB })).toEqual([]);
  });

  it('reports a node affinity that would need too many terms at the policy it belongs to', () => {
    const files: Record<string, string> = { 'fleet.yaml': FLEET };
    for (const i of [0, 1, 2, 3]) {
      files[`s${i}.yaml`] = WEB.replace('name: web', `name: s${i}`).replace(
        'nodePools: [web]',
        `nodeSelector: { matchLabels: { a${i}: x, b${i}: x, c${i}: x } }\n  priority: ${i}`,
      );
    }
    const d = only(validate({ ...files, 'web.yaml': WEB.replace('  nodePools: [web]\n', '') }));
    expect(d).toEqual({
      file: 'web.yaml',
      line: 6,
      column: 3,
      path: 'spec',
      severity: 'error',
      rule: 'affinity-terms',
      message:
        'excluding the nodes of selector policies s3, s2, s1, s0 takes 81 node affinity terms (at most 64); use fewer requirements in the nodeSelectors of higher priority, or nodePools instead of nodeSelector',
    });
  });

  it("reports a Fleet namespace the caller's agents do not live in, at spec.namespace", () => {
    const sources = [
      { file: 'fleet.yaml', text: FLEET.replace('spec:\n', 'spec:\n  namespace: elsewhere\n') },
      { file: 'web.yaml', text: WEB },
    ];
    expect(validateSources(sources, { nowMs: NOW, agentNamespace: 'elsewhere' }).diagnostics).toEqual([]);
    const d = only([...validateSources(sources, { nowMs: NOW, agentNamespace: 'patchwindow' }).diagnostics]);
    expect(d).toMatchObject({ file: 'fleet.yaml', line: 6, column: 14, path: 'spec.namespace', rule: 'namespace' });
    expect(d.message).toBe(
      'is elsewhere, but this reconciler manages namespace patchwindow (its RBAC covers that one only); change the Fleet or --agent-namespace',
    );
  });

  it('reports a broken Fleet without blaming policies for settings only it could give', () => {
    // The default policy (no nodePools) with a reboot and a sentinel command the install settings allow.
    const fleet = FLEET;
    const web = `${WEB.replace('  nodePools: [web]\n', '')}  reboot:\n    command: plain\n    sentinelCommand: rhel\n`;
    expect(validate({ 'fleet.yaml': fleet, 'web.yaml': web })).toEqual([]);
    // The same files with the Fleet's required poolLabel gone: one error, at the Fleet.
    const d = only(validate({ 'fleet.yaml': fleet.replace('  poolLabel: agentpool\n', ''), 'web.yaml': web }));
    expect(d).toMatchObject({ file: 'fleet.yaml', severity: 'error' });
  });

  describe('hardened input', () => {
    it('reports every problem when one field has the wrong type (days: mon,tue)', () => {
      const text = WEB.replace('    - days: [mon, tue]', '    - days: mon,tue')
        .replace('  maxUnavailable: 1', '  maxUnavailable: "0%"')
        .replace('  timeZone: Europe/Berlin', '  timeZone: Mars/Olympus');
      const d = validate({ 'fleet.yaml': FLEET, 'web.yaml': text });
      expect(d.map((x) => `${x.line} ${x.path} ${x.rule}`)).toEqual([
        '7 spec.maxUnavailable budget',
        '8 spec.timeZone time-zone',
        '10 spec.windows[0].days schema',
      ]);
    });

    it.each(['+02:00', 'UTC+2', 'GMT-05:00', 'Etc/GMT-2', '-0500'])(
      'refuses the fixed offset %s: it never follows DST',
      (zone) => {
        const d = only(webWith('  timeZone: Europe/Berlin', `  timeZone: "${zone}"`));
        expect(d).toMatchObject({ path: 'spec.timeZone', severity: 'error', rule: 'time-zone' });
        expect(d.message).toContain('never follows daylight saving time');
      },
    );

    it.each([
      ['CET', 'Europe/Brussels'],
      ['US/Eastern', 'America/New_York'],
      ['EST5EDT', 'America/New_York'],
    ])('warns about the legacy name %s and names the region %s', (zone, region) => {
      const d = only(webWith('  timeZone: Europe/Berlin', `  timeZone: ${zone}`));
      expect(d).toMatchObject({ path: 'spec.timeZone', severity: 'warning', rule: 'time-zone-legacy' });
      expect(d.message).toContain(region);
    });

    it('accepts UTC and its names without a warning', () => {
      for (const zone of ['UTC', 'Etc/UTC', 'GMT'])
        expect(webWith('  timeZone: Europe/Berlin', `  timeZone: ${zone}`)).toEqual([]);
    });
  });

  describe('YAML and documents', () => {
    it('reports broken YAML syntax at its position', () => {
      const d = only(webWith('  maxUnavailable: 1', '  maxUnavailable: [1'));
      expect(d).toMatchObject({ file: 'web.yaml', line: 8, rule: 'yaml-syntax', severity: 'error' });
      expect(d.message).toMatch(/^invalid YAML: /);
    });

    it('reports a duplicate key and says to remove one', () => {
      const d = only(webWith('  timeZone: Europe/Berlin', '  timeZone: Europe/Berlin\n  timeZone: UTC'));
      expect(d).toMatchObject({ line: 9, column: 3, rule: 'yaml-duplicate-key' });
      expect(d.message).toBe(
        'invalid YAML: key "timeZone" appears twice in one mapping, on lines 8 and 9; each key may appear once, remove or rename one',
      );
    });

    it('refuses alias bombs instead of expanding them', () => {
      const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
      for (let i = 1; i < 8; i++)
        bomb.push(
          `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
            .fill(`*${String.fromCharCode(96 + i)}`)
            .join(', ')}]`,
        );
      const d = only(validate({ 'fleet.yaml': FLEET, 'web.yaml': WEB, 'bomb.yaml': bomb.join('\n') }));
      expect(d).toMatchObject({ file: 'bomb.yaml', line: 1, column: 1, rule: 'yaml-limits' });
      expect(d.message).toContain('YAML aliases too often');
    });

    it('names a Kubernetes object in the policy directory for what it is', () => {
      const d = only(
        validate({
          'fleet.yaml': FLEET,
          'web.yaml': WEB,
          'deploy.yaml': 'apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\n',
        }),
      );
      expect(d).toEqual({
        file: 'deploy.yaml',
        line: 2,
        column: 7,
        path: 'kind',
        severity: 'error',
        rule: 'document-kind',
        message:
          'this is a apps/v1 Deployment, not a patchwindow document; keep only Fleet and RebootPolicy documents in the policy directory',
      });
    });

    it('suggests the right kind for a misspelt one', () => {
      const d = only(webWith('kind: RebootPolicy', 'kind: RebootPolicie'));
      expect(d).toMatchObject({
        line: 2,
        column: 7,
        path: 'kind',
        message: 'kind "RebootPolicie" is not a patchwindow document; did you mean "RebootPolicy"?',
      });
    });

    it('reads every document of a multi-document file', () => {
      expect(validate({ 'all.yaml': `${FLEET}---\n${WEB}---\n` })).toEqual([]);
    });
  });

  describe('schema', () => {
    it('points at an unknown field and suggests the known one', () => {
      expect(only(webWith('  timeZone:', '  timezone:'))).toEqual({
        file: 'web.yaml',
        line: 8,
        column: 3,
        path: 'spec.timezone',
        severity: 'error',
        rule: 'schema',
        message: 'unknown field "timezone"; did you mean "timeZone"?',
      });
    });

    it('names a missing required field at its parent', () => {
      const d = validate({ 'fleet.yaml': FLEET.replace('  poolLabel: agentpool\n', ''), 'web.yaml': WEB });
      expect(only(d)).toMatchObject({
        file: 'fleet.yaml',
        line: 6,
        column: 3,
        path: 'spec',
        message: 'missing required field "poolLabel"; add it',
      });
    });

    it('says what type to write, with an example for durations', () => {
      expect(only(webWith('', '  drain:\n    timeout: 30\n'))).toMatchObject({
        line: 14,
        column: 14,
        path: 'spec.drain.timeout',
        message: '30 is not a string; write a duration such as 90s, 30m or 1h30m',
      });
    });

    it('lists the allowed values of an enumeration', () => {
      expect(only(webWith('', '  drain:\n    onFailure: ignore\n'))).toMatchObject({
        line: 14,
        column: 16,
        path: 'spec.drain.onFailure',
        message: '"ignore" is not one of "uncordon", "stayCordoned", "reboot"',
      });
    });

    it('still checks the rest of a document that has an unknown field', () => {
      const d = webWith('  timeZone: Europe/Berlin', '  timeZone: Mars/Olympus\n  colour: red');
      expect(d.map((x) => x.rule)).toEqual(['time-zone', 'schema']);
    });
  });

  describe('semantic rules', () => {
    const cases: {
      rule: string;
      from: string;
      to: string;
      line: number;
      column: number;
      path: string;
      message: string;
    }[] = [
      {
        rule: 'name',
        from: 'name: web',
        to: 'name: Web_1',
        line: 4,
        column: 9,
        path: 'metadata.name',
        message:
          '"Web_1" must consist of lower-case letters, digits and "-", and start and end with a letter or digit; it names Kubernetes objects',
      },
      {
        rule: 'name',
        from: 'name: web',
        to: 'name: fleet',
        line: 4,
        column: 9,
        path: 'metadata.name',
        message: '"fleet" is reserved: the slots of the Fleet\'s cluster-wide cap use it; choose another name',
      },
      {
        rule: 'time-zone',
        from: 'Europe/Berlin',
        to: 'Europe/Berlim',
        line: 8,
        column: 13,
        path: 'spec.timeZone',
        message: '"Europe/Berlim" is not an IANA time zone; use a name such as Europe/Berlin, America/New_York or UTC',
      },
      {
        rule: 'weekday',
        from: '[mon, tue]',
        to: '[mon, tues]',
        line: 10,
        column: 19,
        path: 'spec.windows[0].days[1]',
        message: '"tues" is not a day; use mon, tue, wed, thu, fri, sat, sun (or the full names)',
      },
      {
        rule: 'time-of-day',
        from: 'start: "22:00"',
        to: 'start: "25:00"',
        line: 11,
        column: 14,
        path: 'spec.windows[0].start',
        message: '"25:00" is not a time of day; use HH:MM (00:00-23:59)',
      },
      {
        rule: 'time-of-day',
        from: 'end: "05:00"',
        to: 'end: "5am"',
        line: 12,
        column: 12,
        path: 'spec.windows[0].end',
        message: '"5am" is not a time of day; use HH:MM (00:00-23:59)',
      },
      {
        rule: 'window-end',
        from: 'end: "05:00"',
        to: 'end: "05:00"\n      duration: 7h',
        line: 13,
        column: 17,
        path: 'spec.windows[0].duration',
        message: 'has both end and duration; keep exactly one of them',
      },
      {
        rule: 'window-end',
        from: '      end: "05:00"\n',
        to: '',
        line: 10,
        column: 7,
        path: 'spec.windows[0]',
        message: 'has neither end nor duration; add end: "HH:MM" or duration: e.g. 7h',
      },
      {
        rule: 'duration',
        from: 'end: "05:00"',
        to: 'duration: 7 hours',
        line: 12,
        column: 17,
        path: 'spec.windows[0].duration',
        message: '"7 hours" is not a duration; use a number and a unit, e.g. 90s, 30m, 1h30m, 2d',
      },
      {
        rule: 'duration',
        from: 'end: "05:00"',
        to: 'duration: 0m',
        line: 12,
        column: 17,
        path: 'spec.windows[0].duration',
        message: '"0m" is too short; it must be more than 0s',
      },
      {
        rule: 'duration',
        from: 'end: "05:00"',
        to: 'duration: 8d',
        line: 12,
        column: 17,
        path: 'spec.windows[0].duration',
        message: '"8d" is too long; use at most 7d',
      },
      {
        rule: 'blackout',
        from: '',
        to: '  blackouts:\n    - { start: "2026-12-24", end: "2026-12-20" }\n',
        line: 14,
        column: 35,
        path: 'spec.blackouts[0].end',
        message: '"2026-12-20" is before start "2026-12-24"; the end of a blackout may not come before its start',
      },
      {
        rule: 'blackout',
        from: '',
        to: '  blackouts:\n    - { start: "2026-02-30", end: "2026-03-02" }\n',
        line: 14,
        column: 16,
        path: 'spec.blackouts[0].start',
        message:
          '"2026-02-30" is not a date or instant; use YYYY-MM-DD, YYYY-MM-DDTHH:MM (local) or an RFC 3339 instant such as 2026-12-21T18:00:00Z',
      },
      {
        rule: 'budget',
        from: 'maxUnavailable: 1',
        to: 'maxUnavailable: 0',
        line: 7,
        column: 19,
        path: 'spec.maxUnavailable',
        message: '0 is not a budget; use a whole number >= 1 or a percentage "1%".."100%" (quoted)',
      },
      {
        rule: 'budget',
        from: 'maxUnavailable: 1',
        to: 'maxUnavailable: "101%"',
        line: 7,
        column: 19,
        path: 'spec.maxUnavailable',
        message: '"101%" is not a budget; use a whole number >= 1 or a percentage "1%".."100%" (quoted)',
      },
      {
        rule: 'pause',
        from: '',
        to: '  paused: true\n  pausedUntil: "2026-12-01T00:00:00Z"\n',
        line: 14,
        column: 16,
        path: 'spec.pausedUntil',
        message: 'is set together with paused; use paused: true to stop until further notice, or pausedUntil alone',
      },
      {
        rule: 'instant',
        from: '',
        to: '  pausedUntil: "2026-12-01"\n',
        line: 13,
        column: 16,
        path: 'spec.pausedUntil',
        message: '"2026-12-01" is not an instant; use RFC 3339 with an offset, e.g. 2026-12-01T00:00:00Z',
      },
      {
        rule: 'label',
        from: '',
        to: '  nodeLabels:\n    postReboot: { "-bad": "x" }\n',
        line: 14,
        column: 19,
        path: 'spec.nodeLabels.postReboot["-bad"]',
        message:
          'label key "-bad" must consist of letters, digits, "-", "_" and ".", and start and end with a letter or digit (optionally after a DNS prefix and "/")',
      },
      {
        rule: 'label',
        from: 'nodePools: [web]',
        to: 'nodePools: [web pool]',
        line: 6,
        column: 15,
        path: 'spec.nodePools[0]',
        message:
          '"web pool" is not a value of label agentpool: must be empty or consist of letters, digits, "-", "_" and ".", and start and end with a letter or digit',
      },
      {
        rule: 'selector',
        from: '',
        to: '  blockers:\n    pods:\n      - selector:\n          matchExpressions:\n            - { key: app, operator: In }\n',
        line: 17,
        column: 15,
        path: 'spec.blockers.pods[0].selector.matchExpressions[0].values',
        message: 'operator In needs a non-empty list of values',
      },
      {
        rule: 'regex',
        from: '',
        to: '  blockers:\n    alerts:\n      prometheusUrl: http://prom:9090\n      filter: "^(Watchdog"\n',
        line: 16,
        column: 15,
        path: 'spec.blockers.alerts.filter',
        message: '"^(Watchdog" is not a valid regular expression (/^(Watchdog/u: Unterminated group)',
      },
      {
        rule: 'url',
        from: '',
        to: '  blockers:\n    alerts:\n      prometheusUrl: prometheus:9090\n',
        line: 15,
        column: 22,
        path: 'spec.blockers.alerts.prometheusUrl',
        message: '"prometheus:9090" is not an http(s) URL; write e.g. http://prometheus.monitoring:9090',
      },
      {
        rule: 'allowed-command',
        from: '',
        to: '  reboot:\n    command: kexec\n',
        line: 14,
        column: 14,
        path: 'spec.reboot.command',
        message:
          '"kexec" is not a reboot command of the install settings (the install settings in install.yaml allow: default, plain); name one of them, or ask the cluster admin to add it under commands.reboot',
      },
      {
        rule: 'reboot-method',
        from: '',
        to: '  reboot:\n    signal: 39\n',
        line: 14,
        column: 13,
        path: 'spec.reboot.signal',
        message: 'is only used with method: signal; remove it or set method: signal',
      },
      {
        rule: 'membership',
        from: 'nodePools: [web]',
        to: 'nodePools: [web]\n  priority: 3',
        line: 7,
        column: 13,
        path: 'spec.priority',
        message: 'only orders nodeSelector policies; remove it or use nodeSelector',
      },
      {
        rule: 'template',
        from: '',
        to: '  notifications:\n    - format: slack\n      urlFrom: { secretKeyRef: { name: patchwindow-notify-hooks, key: slack } }\n      templates: { done: "{host} is back" }\n',
        line: 16,
        column: 26,
        path: 'spec.notifications[0].templates.done',
        message: '{host} is not a template variable; use {node}, {policy}, {pool}, {event}, {reason}',
      },
    ];
    it.each(cases)('$rule: $message', ({ rule, from, to, line, column, path, message }) => {
      expect(only(webWith(from, to))).toEqual({
        file: 'web.yaml',
        line,
        column,
        path,
        severity: 'error',
        rule,
        message,
      });
    });
  });

  describe('rules across documents', () => {
    it('needs a Fleet', () => {
      expect(only(validate({ 'web.yaml': WEB }))).toMatchObject({ file: 'web.yaml', line: 0, rule: 'one-fleet' });
    });

    it('allows only one Fleet', () => {
      const d = only(validate({ 'fleet.yaml': FLEET, 'other.yaml': FLEET, 'web.yaml': WEB }));
      expect(d).toMatchObject({
        file: 'other.yaml',
        line: 2,
        column: 7,
        path: 'kind',
        rule: 'one-fleet',
        message: 'is a second Fleet (the first is in fleet.yaml); a policy directory has exactly one',
      });
    });

    it('refuses two policies with one name', () => {
      const d = only(validate({ 'fleet.yaml': FLEET, 'web.yaml': WEB, 'web2.yaml': WEB.replace('[web]', '[web2]') }));
      expect(d).toEqual({
        file: 'web2.yaml',
        line: 4,
        column: 9,
        path: 'metadata.name',
        severity: 'error',
        rule: 'unique-name',
        message: '"web" is also the name of the policy in web.yaml:4; policy names must be unique',
      });
    });

    it('refuses a pool named by two policies', () => {
      const d = only(
        validate({
          'fleet.yaml': FLEET,
          'web.yaml': WEB,
          'api.yaml': WEB.replace('name: web', 'name: api').replace('[web]', '[api, web]'),
        }),
      );
      expect(d).toEqual({
        file: 'api.yaml',
        line: 6,
        column: 20,
        path: 'spec.nodePools[1]',
        severity: 'error',
        rule: 'pool-overlap',
        message: 'pool "web" is already taken by policy "web" (web.yaml); a pool belongs to exactly one policy',
      });
    });

    it('needs defaultPolicy to name a policy', () => {
      const d = only(
        validate({ 'fleet.yaml': FLEET.replace('defaultPolicy: web', 'defaultPolicy: general'), 'web.yaml': WEB }),
      );
      expect(d).toEqual({
        file: 'fleet.yaml',
        line: 7,
        column: 18,
        path: 'spec.defaultPolicy',
        severity: 'error',
        rule: 'default-policy',
        message: '"general" names no RebootPolicy; use one of: web',
      });
    });

    it('needs a non-default policy to name its nodes', () => {
      const d = only(
        validate({
          'fleet.yaml': FLEET,
          'web.yaml': WEB,
          'api.yaml': WEB.replace('name: web', 'name: api').replace('  nodePools: [web]\n', ''),
        }),
      );
      expect(d).toMatchObject({ file: 'api.yaml', line: 6, column: 3, path: 'spec', rule: 'membership' });
    });

    it('refuses two selector policies with one priority', () => {
      const selector = (name: string) =>
        WEB.replace('name: web', `name: ${name}`).replace(
          'nodePools: [web]',
          `nodeSelector: { matchLabels: { tier: ${name} } }\n  priority: 5`,
        );
      const d = only(
        validate({ 'fleet.yaml': FLEET, 'web.yaml': WEB, 'a.yaml': selector('a'), 'b.yaml': selector('b') }),
      );
      expect(d).toMatchObject({ file: 'b.yaml', line: 7, column: 13, path: 'spec.priority', rule: 'priority' });
    });

    it('refuses a Fleet blackout with one instant and one local bound, which some policy zones would invert', () => {
      const fleet = `${FLEET}  blackouts:\n    - { start: "2026-12-24", end: "2026-12-24T05:00:00Z" }\n`;
      expect(only(validate({ 'fleet.yaml': fleet, 'web.yaml': WEB }))).toEqual({
        file: 'fleet.yaml',
        line: 9,
        column: 7,
        path: 'spec.blackouts[0]',
        severity: 'error',
        rule: 'blackout',
        message:
          'mixes an instant with a date or local time (start "2026-12-24", end "2026-12-24T05:00:00Z"); a Fleet blackout\'s dates and local times apply in each policy\'s time zone, so use bounds of one kind: both instants, or both dates/local times',
      });
    });

    it('accepts Fleet blackouts with bounds of one kind', () => {
      const fleet = `${FLEET}  blackouts:\n    - { start: "2026-12-24", end: "2026-12-26T12:00" }\n    - { start: "2027-01-01T00:00:00Z", end: "2027-01-02T00:00:00+01:00" }\n`;
      expect(validate({ 'fleet.yaml': fleet, 'web.yaml': WEB })).toEqual([]);
    });

    it('resolves command names through the install settings', () => {
      const policy = `${WEB}  reboot:\n    command: plain\n    sentinelCommand: rhel\n`;
      const result = validateSources(
        [
          { file: 'fleet.yaml', text: FLEET },
          { file: 'web.yaml', text: policy },
        ],
        { nowMs: NOW, install: INSTALL },
      );
      expect(result.diagnostics).toEqual([]);
      expect(result.policySet?.policies[0]?.reboot).toMatchObject({
        command: ['/usr/sbin/reboot'],
        sentinelCommand: ['/usr/bin/needs-restarting', '-r'],
      });
      // Without those install settings the same names are refused.
      expect(
        validate({ 'fleet.yaml': FLEET, 'web.yaml': policy }, defaultInstallSettings('0.1.0')).map((d) => d.rule),
      ).toEqual(['allowed-command', 'allowed-command']);
    });
  });

  describe('problems found while loading', () => {
    const encoding: Diagnostic = {
      file: 'fleet.yaml',
      line: 0,
      column: 0,
      path: '',
      severity: 'error',
      message: 'is not UTF-8 text; save it as UTF-8',
      rule: 'file-encoding',
    };

    it('reports an unreadable Fleet file for what it is, not as a missing Fleet', () => {
      const result = checkSources(
        { sources: [{ file: 'web.yaml', text: WEB }], diagnostics: [encoding] },
        { nowMs: NOW },
      );
      expect(result.diagnostics).toEqual([encoding]);
      expect(result.policySet).toBeUndefined();
    });

    it('does not report a dropped policy file again as a defaultPolicy naming no policy', () => {
      const tooLarge: Diagnostic = {
        file: 'web.yaml',
        line: 0,
        column: 0,
        path: '',
        severity: 'error',
        message: 'is 1.5 MiB; policy files are limited to 1 MiB, split it',
        rule: 'file-size',
      };
      const result = checkSources(
        { sources: [{ file: 'fleet.yaml', text: FLEET }], diagnostics: [tooLarge] },
        { nowMs: NOW },
      );
      expect(result.diagnostics).toEqual([tooLarge]);
      expect(result.policySet).toBeUndefined();
    });

    it('sorts them with the other problems', () => {
      const other = { ...encoding, file: 'zz.yaml' };
      const diagnostics = checkSources(
        {
          sources: [
            { file: 'fleet.yaml', text: FLEET },
            { file: 'web.yaml', text: WEB.replace('Europe/Berlin', 'Europe/Berlim') },
          ],
          diagnostics: [other],
        },
        { nowMs: NOW },
      ).diagnostics;
      expect(diagnostics.map((d) => `${d.file}:${d.rule}`)).toEqual(['web.yaml:time-zone', 'zz.yaml:file-encoding']);
    });
  });

  describe('warnings', () => {
    it('warns about a window shorter than drain timeout plus expected reboot, and exits valid', () => {
      const result = validateSources(
        [
          { file: 'fleet.yaml', text: FLEET },
          { file: 'web.yaml', text: WEB.replace('end: "05:00"', 'end: "22:30"') },
        ],
        { nowMs: NOW },
      );
      expect(result.policySet).toBeDefined();
      expect(only([...result.diagnostics])).toEqual({
        file: 'web.yaml',
        line: 10,
        column: 7,
        path: 'spec.windows[0]',
        severity: 'warning',
        rule: 'window-too-short',
        message:
          'is 30m long, shorter than drain.timeout 30m + reboot.expectedDuration 10m; no node can start in it unless it touches another window — lengthen it or shorten the drain timeout',
      });
    });

    it('warns about a policy without an effective window in the next 90 days', () => {
      const d = only(webWith('', '  pausedUntil: "2027-06-01T00:00:00Z"\n'));
      expect(d).toMatchObject({ severity: 'warning', line: 10, column: 5, path: 'spec.windows', rule: 'no-windows' });
      expect(d.message).toContain('(the pause covers them all)');
    });
  });
});
