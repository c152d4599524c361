// `patchwindow agent`: how it refuses to start (exit codes and messages, in-process), a real
// process in dry run against the test cluster (it says what it would do, Event "DryRun", and
// touches nothing, serves /healthz and /metrics, and exits 0 on SIGTERM), and an idle agent: its
// worker exits, the supervisor alone serves /metrics, and a sentinel appearing starts a worker
// that reboots the node.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../fakes/config.ts';
import { runCli } from '../helpers/cli.ts';
import { childPids } from '../helpers/agent-process.ts';
import { IDLE_ANEW } from '../../agent/supervisor.ts';
import { E2eFleet } from '../helpers/e2e-fleet.ts';
import { REBOOT_REQUIRED_LABEL } from '../../policy/keys.ts';
import { useCluster } from '../testenv/use-cluster.ts';
import { waitFor } from '../testenv/wait.ts';

const cluster = useCluster();

describe('patchwindow agent refuses to start', () => {
  let dir: string;
  let valid: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'patchwindow-agent-cli-'));
    valid = join(dir, 'config.json');
    await writeFile(valid, JSON.stringify(testConfig()));
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('with an invalid config: exit 1, naming the file and the field, no stack trace', async () => {
    const config = JSON.parse(JSON.stringify(testConfig())) as { policy: { drain: Record<string, unknown> } };
    config.policy.drain.timeoutMs = 'x';
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify(config));
    const run = await runCli(['agent', '--config', file], {
      env: { NODE_NAME: 'n1', KUBECONFIG: cluster.info.kubeconfigPath },
    });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`patchwindow: ${file}: policy.drain.timeoutMs: "x" is not a whole number`);
    expect(run.stderr).not.toMatch(/\n\s+at /);
    expect(run.stdout).toBe('');
  });

  it('without NODE_NAME: exit 2, saying where it comes from', async () => {
    const run = await runCli(['agent', '--config', valid], { env: { KUBECONFIG: cluster.info.kubeconfigPath } });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      'patchwindow: NODE_NAME is not set; the agent needs the name of its Node (the DaemonSet sets it from spec.nodeName through the downward API)\n',
    );
  });

  it('without its config file or the host boot id: exit 2', async () => {
    const missing = await runCli(['agent', '--config', join(dir, 'nope.json')], { env: { NODE_NAME: 'n1' } });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^patchwindow: cannot read the agent config .*nope\.json: ENOENT/);
    const noBootId = await runCli(['agent', '--config', valid, '--host-root', dir], {
      env: { NODE_NAME: 'n1', KUBECONFIG: cluster.info.kubeconfigPath },
    });
    expect(noBootId.code).toBe(2);
    expect(noBootId.stderr).toContain(`cannot read the host's boot id at ${dir}/proc/sys/kernel/random/boot_id`);
  });
});

describe('patchwindow agent --dry-run (process)', () => {
  let fleet: E2eFleet | undefined;

  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  it('posts what it would do as a DryRun Event, cordons nothing, and exits 0 on SIGTERM', async () => {
    fleet = await E2eFleet.create(cluster, {
      policies: [{ name: 'general', pools: ['p'], maxUnavailable: 1 }],
      nodes: { n1: { pool: 'p' }, n2: { pool: 'p' } },
    });
    const f = fleet;
    for (const n of f.nodes) {
      f.watcher.invariant(`dry run on ${n}`, () => {
        const node = f.watcher.node(f.node(n));
        if (node?.unschedulable) return `${n} was cordoned`;
        if (node?.annotations['patchwindow.io/state'] !== undefined) return `${n} got a state record`;
        return undefined;
      });
    }

    f.startAgents(f.nodes, { dryRun: true });
    const dryRunEvents = await waitFor(
      'a DryRun Event on both nodes',
      async () => {
        const events = await Promise.all(
          f.nodes.map(async (n) => (await f.events(n)).filter((e) => e.reason === 'DryRun')),
        );
        return events.every((e) => e.length > 0) ? events : undefined;
      },
      { timeoutMs: 60_000, intervalMs: 250 },
    );
    for (const events of dryRunEvents) {
      expect(events).toHaveLength(1);
      expect(events[0]!.message).toBe('would cordon the node; would evict no pod; would reboot (command)');
    }
    // Nothing asked for, nothing granted, nothing written on the Nodes (not even the reboot-required mark).
    expect(f.watcher.grantEvents).toEqual([]);
    for (const n of f.nodes) {
      expect(await f.host(n).commands()).toEqual([]);
      expect(f.watcher.node(f.node(n))?.labels).not.toHaveProperty(REBOOT_REQUIRED_LABEL);
    }

    const agent = f.agent('n1')!;
    const base = `http://127.0.0.1:${agent.metricsPort()!}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(`patchwindow_reboot_required{node="${f.node('n1')}",policy="general"} 1`);
    expect(metrics).toContain(`patchwindow_phase{node="${f.node('n1')}",policy="general",phase="idle"} 1`);

    expect(await f.killAgent('n1', 'SIGTERM')).toBe(0);
    expect(agent.logs().at(-1)).toMatchObject({
      level: 'info',
      node: f.node('n1'),
      policy: 'general',
      msg: 'agent process stopped; its state stays on the Node for the next start',
    });
    expect(agent.logs().every((l) => l.node === f.node('n1') && l.policy === 'general')).toBe(true);
    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
  });
});

describe('an idle agent (process)', () => {
  let fleet: E2eFleet | undefined;

  afterEach(async () => {
    await fleet?.close();
    fleet = undefined;
  });

  it('runs no worker while nothing is to do (its process executed anew without it), and starts one that reboots the node when the sentinel appears', async () => {
    fleet = await E2eFleet.create(cluster, {
      policies: [{ name: 'general', pools: ['p'], maxUnavailable: 1 }],
      nodes: { n1: { pool: 'p', sentinel: false } },
    });
    const f = fleet;
    f.startAgents();
    const agent = f.agent('n1')!;
    // The worker found nothing to do; the process gave back its memory by executing itself anew
    // (decision 10): the same process, which says so and serves again.
    await f.until('the process to execute itself anew, idle', () => agent.logs().some((l) => l.msg === IDLE_ANEW));
    expect(agent.logs().some((l) => l.process === 'worker' && l.waiting === 'not-required')).toBe(true);
    expect(agent.child.exitCode).toBeNull();
    expect(await childPids(agent.child.pid!)).toEqual([]);

    // The supervisor alone serves the node's series and its health.
    const base = `http://127.0.0.1:${agent.metricsPort()!}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain(`patchwindow_reboot_required{node="${f.node('n1')}",policy="general"} 0`);
    expect(metrics).toContain(`patchwindow_phase{node="${f.node('n1')}",policy="general",phase="idle"} 1`);

    await f.host('n1').setSentinel(true);
    await f.until('n1 rebooted and done', () => f.rebootedAndDone('n1'), 60_000);
    // The agent started after the reboot recovered the node, then went idle in its turn.
    const after = f.agent('n1')!;
    await f.until('the new worker to exit idle, and its process to execute itself anew', () =>
      after.logs().some((l) => l.msg === IDLE_ANEW),
    );
    expect(agent.logs().filter((l) => l.msg === 'agent worker started')).toHaveLength(2);
    expect(
      agent
        .logs()
        .some(
          (l) =>
            l.rebootRequired === true &&
            l.msg === 'the node needs a reboot (sentinel found): starting the agent worker',
        ),
    ).toBe(true);
    expect(await f.watcher.settledViolations(), f.report()).toEqual([]);
    expect(await f.watcher.endStateProblems(), f.report()).toEqual([]);
  });
});
