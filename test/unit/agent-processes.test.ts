// `patchwindow agent` as a real process, without a cluster: the supervisor with its worker in the
// same process (which stays busy retrying its watch of an API server that does not answer;
// docs/decisions/0010-one-agent-process.md). No second process to outlive it; SIGTERM stops the
// worker cleanly, then the process; an invalid config stops it with exit 1. The e2e scenarios run
// agents on a cluster (and there one goes idle and executes itself anew).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { testConfig } from '../fakes/config.ts';
import { SimulatedHost } from '../helpers/agent-host.ts';
import { childPids, running, spawnAgent, type AgentProcess } from '../helpers/agent-process.ts';

// An API server nobody listens on: the worker's first watch fails and it retries with back-off.
const KUBECONFIG = `apiVersion: v1
kind: Config
clusters: [{ name: nowhere, cluster: { server: "https://127.0.0.1:1" } }]
users: [{ name: agent, user: { token: not-used } }]
contexts: [{ name: nowhere, context: { cluster: nowhere, user: agent } }]
current-context: nowhere
`;

let dir: string;
let host: SimulatedHost;
let configPath: string;
let kubeconfigPath: string;
const agents: AgentProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchwindow-agent-processes-'));
  host = await SimulatedHost.create('n1', join(dir, 'host'));
  await host.setSentinel(true);
  configPath = join(dir, 'config.json');
  await writeFile(configPath, JSON.stringify(testConfig()));
  kubeconfigPath = join(dir, 'kubeconfig');
  await writeFile(kubeconfigPath, KUBECONFIG);
});

afterEach(async () => {
  await Promise.all(agents.splice(0).map((a) => a.kill('SIGKILL')));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function agent(config = configPath): AgentProcess {
  const a = spawnAgent({ node: 'n1', configPath: config, kubeconfigPath, hostRoot: host.root, nsenter: host.nsenter });
  agents.push(a);
  return a;
}

/** Waits (real time) until `condition` holds; fails after 20 s with the agent's output. */
async function until(a: AgentProcess, what: string, condition: () => boolean): Promise<void> {
  for (let i = 0; !condition(); i++) {
    if (i >= 400) throw new Error(`timed out waiting for ${what}; output:\n${a.output()}`);
    await sleep(50);
  }
}

/** Starts an agent and waits until its worker runs the loop (it retries its first watch). */
async function withBusyWorker(): Promise<{ a: AgentProcess; worker: number }> {
  const a = agent();
  await until(a, 'the worker to retry its watch', () =>
    a.logs().some((l) => l.process === 'worker' && l.operation === 'watch own node'),
  );
  const [worker] = a.workers();
  return { a, worker: worker! };
}

describe('patchwindow agent processes', () => {
  it('runs its worker in its own process: one process per node, nothing left when it is killed', async () => {
    const { a, worker } = await withBusyWorker();
    expect(worker).toBe(a.child.pid);
    expect(await childPids(a.child.pid!)).toEqual([]);
    expect(await a.kill('SIGKILL')).toBe('SIGKILL');
    expect(running(worker)).toBe(false);
  });

  it('forwards SIGTERM: the worker stops cleanly, then the supervisor, with exit 0', async () => {
    const { a, worker } = await withBusyWorker();
    expect(await a.kill('SIGTERM')).toBe(0);
    expect(running(worker)).toBe(false);
    const last = a.logs().slice(-2);
    // The worker ended on its own with exit 0 (not killed), then the supervisor said so.
    expect(last[0]).toMatchObject({
      process: 'supervisor',
      worker,
      code: 0,
      signal: null,
      msg: 'agent worker stopped',
    });
    expect(last[1]).toMatchObject({
      process: 'supervisor',
      node: 'n1',
      policy: 'general',
      msg: 'agent process stopped; its state stays on the Node for the next start',
    });
    expect(a.logs().every((l) => l.node === 'n1' && l.policy === 'general')).toBe(true);
  });

  it('serves /metrics and /healthz from the supervisor while the worker runs', async () => {
    const { a } = await withBusyWorker();
    const base = `http://127.0.0.1:${a.metricsPort()!}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const text = await (await fetch(`${base}/metrics`)).text();
    expect(text).toContain('\npatchwindow_phase{node="n1",policy="general",phase="idle"} 1\n');
    expect(text).toContain('\n# TYPE process_resident_memory_bytes gauge\n');
  });

  it('stops with exit 1 and the message naming the field when the config is invalid, leaving no worker', async () => {
    const config = JSON.parse(JSON.stringify(testConfig())) as { agent: Record<string, unknown> };
    config.agent.checkIntervalMs = -5;
    const bad = join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify(config));
    const a = agent(bad);
    expect(await a.exited).toBe(1);
    expect(a.output()).toContain(`patchwindow: ${bad}: agent.checkIntervalMs:`);
    expect(a.output()).not.toMatch(/\n\s+at /);
    expect(a.logs()).toEqual([]);
  });
});
