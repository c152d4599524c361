import { describe, expect, it } from 'vitest';
import { PolicyError } from '../policy/errors.ts';
import { testConfig } from '../test/fakes/config.ts';
import { parseAgentConfig } from '../policy/agent-config.ts';
import { healthCheck } from '../test/fixtures/health-check.ts';

/** A valid config with `edit` applied to a JSON copy of it. */
/** A valid config (with an alert blocker) with the value at each dotted path replaced. */
function edited(changes: Readonly<Record<string, unknown>> = {}): string {
  const c = JSON.parse(
    JSON.stringify(
      testConfig({
        alerts: {
          prometheusUrl: 'http://prometheus:9090',
          filter: '^Watchdog$',
          filterMatchOnly: false,
          firingOnly: true,
          timeoutMs: 5_000,
        },
      }),
    ),
  ) as Record<string, unknown>;
  for (const [path, value] of Object.entries(changes)) {
    const keys = path.split('.');
    let parent = c;
    for (const key of keys.slice(0, -1)) parent = parent[key] as Record<string, unknown>;
    parent[keys.at(-1)!] = value;
  }
  return JSON.stringify(c);
}

async function problemOf(text: string): Promise<string> {
  try {
    await parseAgentConfig('/etc/patchwindow/config.json', text);
  } catch (err: unknown) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as Error).message;
  }
  throw new Error('the config was accepted');
}

describe('the agent config file', () => {
  it('accepts what render writes', async () => {
    const text = edited();
    expect(await parseAgentConfig('config.json', text)).toEqual(JSON.parse(text));
  });

  it('names the file and the field of each schema problem, all at once', async () => {
    const message = await problemOf(
      edited({ 'policy.drain.timeoutMs': 'x', 'agent.logLevel': 'verbose', 'agent.checkInterval': 1000 }),
    );
    expect(message.split('\n')).toEqual([
      '/etc/patchwindow/config.json: policy.drain.timeoutMs: "x" is not a whole number; write a whole number',
      '/etc/patchwindow/config.json: agent.checkInterval: unknown field "checkInterval"; did you mean "checkIntervalMs"?',
      '/etc/patchwindow/config.json: agent.logLevel: "verbose" is not one of "debug", "info", "warn", "error"',
      '/etc/patchwindow/config.json: nothing runs on an invalid config; render it again with patchwindow render',
    ]);
  });

  it('checks what the schema cannot: time zones, the alert filter, the Prometheus URL, the sentinel path', async () => {
    const message = await problemOf(
      edited({
        'policy.schedule.timeZone': 'Mars/Olympus',
        'policy.blockers.alerts.filter': '(unclosed',
        'policy.blockers.alerts.prometheusUrl': 'prometheus:9090',
        'policy.reboot.sentinelFile': 'var/run/reboot-required',
      }),
    );
    expect(message).toContain('config.json: policy.schedule.timeZone: "Mars/Olympus" is not an IANA time zone');
    expect(message).toContain('config.json: policy.blockers.alerts.filter: "(unclosed" is not a regular expression');
    expect(message).toContain(
      'config.json: policy.blockers.alerts.prometheusUrl: "prometheus:9090" is not an http(s) URL',
    );
    expect(message).toContain(
      'config.json: policy.reboot.sentinelFile: "var/run/reboot-required" is not an absolute path on the host',
    );
  });

  it('checks the CEL of health checks as validate does, and accepts a config that has them', async () => {
    const check = (expression: string) => [{ ...healthCheck(), expression }];
    expect(await problemOf(edited({ 'policy.healthChecks': check('object.status ==') }))).toContain(
      'config.json: policy.healthChecks[0].expression: Unexpected token: EOF at column 17 of the expression',
    );
    const text = edited({ 'policy.healthChecks': check('object.status.ready == true') });
    expect(await parseAgentConfig('config.json', text)).toEqual(JSON.parse(text));
  });

  it('says when the file is not JSON at all', async () => {
    expect(await problemOf('apiVersion: patchwindow.io/v1alpha1\n')).toMatch(
      /^\/etc\/patchwindow\/config\.json: is not JSON \(.*\); render it again with patchwindow render$/,
    );
  });
});
