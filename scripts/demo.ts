// `npm run demo`: patchwindow at work in a few minutes, without a cluster of your own. It starts the
// test control plane (test/testenv: etcd, kube-apiserver, controller manager and scheduler, kwok
// playing the kubelet; built from Go modules on first use), kwok nodes in two pools, the policies
// (validate, windows, forecast, and the plan of a change), then the rendered agents and coordinator
// as real processes, each node's host simulated (its reboot command restarts the agent and turns the
// node NotReady and Ready again; nothing is run on this machine). It marks every node as needing a
// reboot, shows the rollout with `patchwindow status --watch --until-done` until every node rebooted
// once, and removes everything again. Exit 0 when the rollout finished without a broken invariant, else 1.
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { REBOOT_REQUIRED_LABEL } from '../policy/keys.ts';
import { E2eFleet, compileE2eFleet, type E2eFleetOptions } from '../test/helpers/e2e-fleet.ts';
import { startCluster, type Cluster } from '../test/testenv/cluster.ts';

const run = promisify(execFile);
const CLI = resolve(import.meta.dirname, '../bin/patchwindow.js');
const ROLLOUT_TIMEOUT_MS = 5 * 60_000;

/** Two pools: system (2 nodes, one at a time) and general (4 nodes, two at a time). */
const SCENARIO: Pick<E2eFleetOptions, 'policies' | 'nodes' | 'fleetSpec'> = {
  policies: [
    {
      name: 'system',
      pools: ['system'],
      maxUnavailable: 1,
      spec: { reboot: { expectedDuration: '30s', delay: '2s' } },
    },
    { name: 'general', pools: ['general'], maxUnavailable: 2 },
  ],
  nodes: {
    'system-1': { pool: 'system' },
    'system-2': { pool: 'system' },
    'general-1': { pool: 'general' },
    'general-2': { pool: 'general' },
    'general-3': { pool: 'general' },
    'general-4': { pool: 'general' },
  },
  fleetSpec: { maxUnavailable: 3 },
};

const say = (text: string): void => void process.stdout.write(`${text}\n`);
const step = (n: number, title: string): void => say(`\n== ${n}. ${title}\n`);

/** Runs the CLI with the project's Node and prints what it printed (and the command line). */
async function cli(args: readonly string[], env: NodeJS.ProcessEnv = process.env): Promise<string> {
  say(`$ patchwindow ${args.join(' ')}`);
  const out = await run(process.execPath, [CLI, ...args], { env, maxBuffer: 16 * 1024 * 1024 }).then(
    (r) => r.stdout + r.stderr,
    (err: { stdout?: string; stderr?: string; code?: number }) =>
      `${err.stdout ?? ''}${err.stderr ?? ''}(exit ${err.code})\n`,
  );
  say(out.trimEnd());
  return out;
}

/** The policies as files in a git repository (committed), as a policy repository would hold them. */
async function writePolicies(fleet: E2eFleet): Promise<string> {
  const dir = join(fleet.dir, 'policies');
  const { sources } = compileE2eFleet(fleet.id, SCENARIO, (pool) => fleet.pool(pool));
  await run('mkdir', ['-p', dir]);
  for (const s of sources) await writeFile(join(dir, s.file), s.text);
  const git = (...args: string[]) => run('git', ['-C', dir, ...args]);
  await git('init', '-q', '-b', 'main');
  await git('add', '.');
  await git('-c', 'user.name=demo', '-c', 'user.email=demo@example.invalid', 'commit', '-qm', 'policies');
  return dir;
}

/**
 * Shows the rollout with `patchwindow status --watch --until-done` (a child process, its output a pipe:
 * a frame each time the view changes) until it exits: 0 once every node is settled, 1 when a node
 * failed. The demo stops it (SIGINT) when a process of the fleet died or the rollout takes too long.
 */
async function watchRollout(fleet: E2eFleet, env: NodeJS.ProcessEnv): Promise<boolean> {
  // Every agent has seen its node needs a reboot (or already rebooted it): the watch starts with all six.
  await fleet.until(
    'every node marked as needing a reboot',
    () =>
      fleet.nodes.every(
        (n) => fleet.watcher.node(fleet.node(n))?.labels[REBOOT_REQUIRED_LABEL] === 'true' || fleet.host(n).boots > 0,
      ),
    60_000,
  );
  const args = ['status', '--watch', '--until-done', '--namespace', fleet.id];
  say(`$ patchwindow ${args.join(' ')}`);
  const child = spawn(process.execPath, [CLI, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => process.stdout.write(chunk));
  child.stderr.on('data', (chunk: Buffer) => process.stdout.write(chunk));
  const exited = once(child, 'exit') as Promise<[number | null, NodeJS.Signals | null]>;
  let stopped = '';
  const stop = (why: string) => {
    stopped ||= why;
    child.kill('SIGINT');
  };
  const deadline = setTimeout(
    () => stop(`the rollout did not finish within ${ROLLOUT_TIMEOUT_MS / 60_000} minutes:\n${fleet.report()}`),
    ROLLOUT_TIMEOUT_MS,
  );
  // A process of the fleet that dies on its own ends the demo (the watch would wait for it forever).
  const died = setInterval(() => {
    if (fleet.problems.length > 0) stop(`a process failed:\n${fleet.problems.join('\n')}`);
  }, 1000);
  const [code, signal] = await exited.finally(() => {
    clearTimeout(deadline);
    clearInterval(died);
  });
  if (stopped) {
    say(stopped);
    return false;
  }
  if (code !== 0) {
    say(`patchwindow status --watch --until-done ended with ${code ?? signal}: a node failed or a pool halted`);
    return false;
  }
  // The watch saw every node settled; each must have rebooted once, as the simulated hosts tell.
  await fleet.until('every node rebooted and done', () => fleet.nodes.every((n) => fleet.rebootedAndDone(n)), 30_000);
  return true;
}

async function demo(cluster: Cluster): Promise<boolean> {
  const env = { ...process.env, KUBECONFIG: cluster.kubeconfigPath };
  say(`Control plane ready (Kubernetes ${cluster.version}): KUBECONFIG=${cluster.kubeconfigPath}`);

  step(2, 'Six kwok nodes in two pools, the agents’ namespace and RBAC (rendered from the policies)');
  // The rendered AgentConfig ConfigMaps too: `patchwindow status` finds the policies by them.
  const fleet = await E2eFleet.create(cluster, { ...SCENARIO, bootMs: 1500, publishConfigs: true });
  try {
    const nodes = await run(
      'kubectl',
      ['get', 'nodes', '-l', `e2e.patchwindow.dev/pool`, '-L', 'e2e.patchwindow.dev/pool'],
      {
        env,
      },
    ).then(
      (r) => r.stdout,
      () => fleet.nodes.map((n) => fleet.node(n)).join('\n'),
    );
    say(nodes.trimEnd());

    step(3, 'The policies: validate, windows, forecast');
    const dir = await writePolicies(fleet);
    say(`(policy files in ${dir})`);
    await cli(['validate', dir]);
    await cli(['windows', dir, '--policy', 'general', '--count', '2']);
    await cli(['forecast', dir, '--pool', `${fleet.pool('system')}=2`, '--pool', `${fleet.pool('general')}=4`]);

    step(4, 'The plan of a change: general may reboot three nodes at a time');
    const general = join(dir, 'general.yaml');
    const before = await readFile(general, 'utf8');
    await writeFile(general, before.replace(/^(\s*)maxUnavailable: 2$/m, '$1maxUnavailable: 3'));
    await cli(['plan', dir, '--base', 'HEAD']);
    await writeFile(general, before);

    step(5, 'Every node needs a reboot: agents and coordinator start (simulated hosts, nothing runs here)');
    fleet.startAgents();
    const finished = await watchRollout(fleet, env);
    const violations = await fleet.watcher.settledViolations();
    const leftovers = await fleet.watcher.endStateProblems();

    step(6, 'Result');
    for (const n of fleet.nodes) say(`${fleet.node(n)}: rebooted ${fleet.host(n).boots} time(s)`);
    say(violations.length === 0 ? 'budgets and the fleet cap held throughout' : violations.join('\n'));
    if (leftovers.length > 0) say(leftovers.join('\n'));
    return finished && violations.length === 0 && leftovers.length === 0;
  } finally {
    step(7, 'Cleaning up');
    await fleet.close();
  }
}

async function main(): Promise<number> {
  step(1, 'Starting the test control plane (built from Go modules on first use: ~10 minutes, then seconds)');
  const cluster = await startCluster({ log: (m) => say(`  ${m}`) });
  let ok = false;
  try {
    ok = await demo(cluster);
  } finally {
    await cluster.stop({ keepDir: !ok });
  }
  say(ok ? '\nDemo finished: every node rebooted once, within its budget.' : '\nDemo failed (see above).');
  return ok ? 0 : 1;
}

process.exitCode = await main().catch((err: unknown) => {
  process.stderr.write(`demo: ${err instanceof Error ? err.message : String(err)}\n`);
  return 1;
});
