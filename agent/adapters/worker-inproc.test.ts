// The launcher that runs the agent's worker in the agent's own process, on worker modules written
// for the test: the worker's messages reach the supervisor in order, it starts only once told, and
// how it ends maps as a worker process's exit did — idle (0, after `idle`), stopped (0), an invalid
// config (`fatal` 1), another setup problem (`fatal` 2), anything else a crash (70, one line, no stack).
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import type { WorkerMessage } from '../worker-channel.ts';
import { CRASH_EXIT, inProcessWorkers } from './worker-inproc.ts';

const ERRORS = pathToFileURL(new URL('../../policy/errors.ts', import.meta.url).pathname).href;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'patchwindow-worker-inproc-'));
});

/** A worker module whose agentWorker runs `body` (with o, and PolicyError, IoError in scope). */
async function workerModule(name: string, body: string): Promise<string> {
  const file = join(dir, `${name}.mjs`);
  await writeFile(
    file,
    `import { IoError, PolicyError } from ${JSON.stringify(ERRORS)};\nexport async function agentWorker(o) {\n${body}\n}\n`,
  );
  return file;
}

const ARGS = { configPath: '/c.json', nodeName: 'n1', dryRun: false, hostRoot: '/host' };
const ENV = { NODE_DISABLE_COMPILE_CACHE: '1' };

function launch(entry: string, errors: string[] = []) {
  const launcher = inProcessWorkers({ entry, args: ARGS, env: ENV, writeError: (l) => errors.push(l) });
  const loadedBefore = launcher.loaded();
  const worker = launcher.start();
  const messages: WorkerMessage[] = [];
  worker.onMessage((m) => messages.push(m));
  return { launcher, loadedBefore, worker, messages };
}

describe('inProcessWorkers', () => {
  it('passes the args, says ready, waits for start, and ends idle with exit 0 after `idle`', async () => {
    const entry = await workerModule(
      'idle',
      `o.supervisor.send({ kind: 'ready', settings: { policy: o.nodeName + ':' + o.configPath } });
       if (!(await o.supervisor.started(o.signal))) return 'stopped';
       o.supervisor.send({ kind: 'progress', nextByMs: 5 });
       return 'idle';`,
    );
    const { launcher, loadedBefore, worker, messages } = launch(entry);
    expect(loadedBefore).toBe(false);
    expect(launcher.loaded()).toBe(true);
    expect(worker.pid).toBe(process.pid);
    await expect.poll(() => messages.length).toBe(1);
    expect(messages[0]).toEqual({ kind: 'ready', settings: { policy: 'n1:/c.json' } });
    // Not a step before `start`.
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(messages).toHaveLength(1);
    worker.send({ kind: 'start' });
    expect(await worker.ended).toEqual({ code: 0, signal: null });
    expect(messages.map((m) => m.kind)).toEqual(['ready', 'progress', 'idle']);
  });

  it('stops at kill: the worker sees its signal aborted and ends with 0, not idle', async () => {
    const entry = await workerModule(
      'stopped',
      `o.supervisor.send({ kind: 'ready', settings: {} });
       return (await o.supervisor.started(o.signal)) ? 'idle' : 'stopped';`,
    );
    const { worker, messages } = launch(entry);
    await expect.poll(() => messages.length).toBe(1);
    worker.kill('SIGTERM');
    expect(await worker.ended).toEqual({ code: 0, signal: null });
    expect(messages.map((m) => m.kind)).toEqual(['ready']);
  });

  it('says fatal with 1 for an invalid config and 2 for another setup problem', async () => {
    const policy = launch(
      await workerModule('policy', `throw new PolicyError('/c.json: agent.checkIntervalMs: -5 is not a duration');`),
    );
    expect(await policy.worker.ended).toEqual({ code: 1, signal: null });
    expect(policy.messages).toEqual([
      { kind: 'fatal', exitCode: 1, message: '/c.json: agent.checkIntervalMs: -5 is not a duration' },
    ]);
    const io = launch(await workerModule('io', `throw new IoError('cannot read the boot id');`));
    expect(await io.worker.ended).toEqual({ code: 2, signal: null });
    expect(io.messages).toEqual([{ kind: 'fatal', exitCode: 2, message: 'cannot read the boot id' }]);
  });

  it('ends anything else as a crash the supervisor restarts, with one line and no stack', async () => {
    const errors: string[] = [];
    const { worker, messages } = launch(await workerModule('crash', `throw new TypeError('x is undefined');`), errors);
    const end = await worker.ended;
    expect(end).toMatchObject({ code: CRASH_EXIT, signal: null });
    expect(messages).toEqual([]);
    expect(errors).toEqual([
      'patchwindow: the agent worker failed unexpectedly: x is undefined\n  this is a bug; please report it\n',
    ]);
  });
});
