// The logic of the GitHub Action (action.yml) for pull requests on a policy repository: validate with
// line annotations, check that the committed rendered directory is current, and post or update the
// plan (with the forecast when a nodes file is given) as one sticky comment. Runs on the runner's Node
// (>= 24, which runs TypeScript directly) with no dependencies: the CLI comes from npm
// (npx patchwindow@VERSION) or from PATCHWINDOW_BIN (the tests point it at this checkout).
import { execFile } from 'node:child_process';
import { appendFile, readFile } from 'node:fs/promises';
import { promisify } from 'node:util';

const exec = promisify(execFile);
const MARKER = '<!-- patchwindow-plan -->';

interface Inputs {
  readonly policies: string;
  readonly rendered: string;
  readonly base: string;
  readonly nodes: string;
  readonly comment: boolean;
  readonly version: string;
}

type Env = Readonly<Record<string, string | undefined>>;

function inputs(env: Env): Inputs {
  const get = (name: string) => (env[`INPUT_${name.toUpperCase()}`] ?? '').trim();
  const policies = get('policies');
  if (policies === '')
    throw new Usage('input "policies" is required: the directory of the Fleet and RebootPolicy files');
  return {
    policies,
    rendered: get('rendered'),
    base: get('base') || (env.GITHUB_BASE_REF ? `origin/${env.GITHUB_BASE_REF}` : ''),
    nodes: get('nodes'),
    comment: get('comment') !== 'false',
    version: get('version'),
  };
}

class Usage extends Error {}

/** Runs the CLI; resolves with its exit code and output (a non-zero exit is a result, not an error). */
async function cli(env: Env, version: string, args: readonly string[]) {
  const [file, ...pre] = env.PATCHWINDOW_BIN
    ? env.PATCHWINDOW_BIN.split(' ')
    : ['npx', '--yes', `patchwindow@${version}`];
  return exec(file!, [...pre, ...args], { env: { ...env }, maxBuffer: 64 * 1024 * 1024 }).then(
    (r) => ({ code: 0, stdout: r.stdout, stderr: r.stderr }),
    (err: { code?: number; stdout?: string; stderr?: string; message?: string }) => ({
      code: typeof err.code === 'number' ? err.code : 2,
      stdout: err.stdout ?? '',
      stderr: err.stderr ?? err.message ?? 'the patchwindow command could not be started',
    }),
  );
}

/** Creates the plan comment, or updates the one an earlier run posted (found by its first line). */
async function postComment(env: Env, body: string, out: (s: string) => void): Promise<void> {
  const api = env.GITHUB_API_URL ?? 'https://api.github.com';
  const token = env.INPUT_TOKEN || env.GITHUB_TOKEN;
  const event = env.GITHUB_EVENT_PATH
    ? (JSON.parse(await readFile(env.GITHUB_EVENT_PATH, 'utf8')) as { pull_request?: { number?: number } })
    : {};
  const number = event.pull_request?.number;
  if (!token || number === undefined || !env.GITHUB_REPOSITORY) {
    out('::notice::no pull request or token: the plan is in the job summary only\n');
    return;
  }
  const headers = { authorization: `Bearer ${token}`, accept: 'application/vnd.github+json' };
  const call = async (method: string, path: string, json?: unknown) => {
    const res = await fetch(`${api}${path}`, {
      method,
      headers: json === undefined ? headers : { ...headers, 'content-type': 'application/json' },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    if (!res.ok)
      throw new Error(
        `${method} ${path}: ${res.status} ${res.statusText} (a pull request from a fork gets a read-only token; give the job pull-requests: write)`,
      );
    return res.json();
  };
  const issue = `/repos/${env.GITHUB_REPOSITORY}/issues`;
  for (let page = 1; ; page++) {
    const comments = (await call('GET', `${issue}/${number}/comments?per_page=100&page=${page}`)) as {
      id: number;
      body?: string;
    }[];
    const previous = comments.find((c) => c.body?.startsWith(MARKER));
    if (previous) {
      await call('PATCH', `${issue}/comments/${previous.id}`, { body });
      out(`plan comment updated (${previous.id})\n`);
      return;
    }
    if (comments.length < 100) break;
  }
  await call('POST', `${issue}/${number}/comments`, { body });
  out('plan comment posted\n');
}

/** The whole check; returns the exit code of the step. */
export async function prCheck(env: Env, out: (s: string) => void): Promise<number> {
  let i: Inputs;
  try {
    i = inputs(env);
  } catch (err) {
    if (!(err instanceof Usage)) throw err;
    out(`::error::${err.message}\n`);
    return 2;
  }
  let failed = false;
  // stdout of --format github is workflow commands: GitHub turns them into line annotations.
  const validate = await cli(env, i.version, ['validate', i.policies, '--format', 'github']);
  out(validate.stdout);
  if (validate.code !== 0) {
    failed = true;
    if (validate.stdout === '') out(`::error::patchwindow validate failed: ${validate.stderr.trim()}\n`);
  }
  if (!failed && i.rendered !== '') {
    const render = await cli(env, i.version, ['render', i.policies, '--out', i.rendered, '--clean']);
    const status = await exec('git', ['status', '--porcelain', '--', i.rendered]);
    if (render.code !== 0 || status.stdout.trim() !== '') {
      failed = true;
      out(
        `::error::${i.rendered} is not what the policies render to; run: patchwindow render ${i.policies} --out ${i.rendered} --clean, then commit it\n${status.stdout}${render.stderr}`,
      );
    }
  }
  if (validate.code === 0 && i.base !== '') {
    const args = ['plan', i.policies, '--base', i.base, '--format', 'markdown'];
    if (i.nodes !== '') args.push('--nodes', i.nodes);
    const plan = await cli(env, i.version, args);
    if (plan.code !== 0) {
      out(`::error::patchwindow plan failed: ${plan.stderr.trim()}\n`);
      return 1;
    }
    if (env.GITHUB_STEP_SUMMARY) await appendFile(env.GITHUB_STEP_SUMMARY, plan.stdout);
    if (i.comment) await postComment(env, plan.stdout, out);
  }
  return failed ? 1 : 0;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  process.exitCode = await prCheck(process.env, (s) => process.stdout.write(s)).catch((err: unknown) => {
    process.stdout.write(`::error::${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  });
}
