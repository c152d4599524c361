// The policy repository as the in-cluster reconciler sees it: a clone in a cache directory kept
// equal to the remote branch (fetch, then hard reset: force-pushes are followed). Credentials come
// from files mounted from a Secret and never appear in URLs, logs, status or errors.
import { mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { IoError, messageOf } from '../../policy/errors.ts';

export interface GitCredentials {
  /** File holding an HTTPS token (sent as HTTP basic auth). */
  readonly tokenFile?: string;
  /** User name for the token; most hosts accept any. Default `git`. */
  readonly username?: string;
  /** SSH private key file, for ssh:// and scp-like URLs. */
  readonly sshKeyFile?: string;
  /** known_hosts file; required with an SSH key (host keys are always checked). */
  readonly knownHostsFile?: string;
}

export interface GitSourceOptions {
  readonly url: string;
  /** Branch (or full ref) to follow. */
  readonly ref: string;
  readonly cacheDir: string;
  readonly credentials?: GitCredentials;
  /** Ends a git command (and its transfer) that shows no progress for this long. */
  readonly timeoutMs?: number;
}

/** The URL with any user info replaced, safe to show. */
export function maskUrl(url: string): string {
  const masked = url.replace(/^([a-z][a-z0-9+.-]*:\/\/)[^@/]*@/i, '$1***@');
  return masked;
}

/** Replaces every occurrence of secrets (the URL's user info, the token) in a message. */
export function redact(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join('***');
  return out.replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, '$1***@');
}

/** Environment of git's credential helper: the token file's path and the user name, never the token. */
export const TOKEN_FILE_ENV = 'PATCHWINDOW_GIT_TOKEN_FILE';
export const USERNAME_ENV = 'PATCHWINDOW_GIT_USERNAME';
/**
 * A git credential helper (git runs it through the shell) that answers `get` from the token file.
 * `printf` is a shell builtin, so the token is in no process's arguments; `cat` gets only the path.
 */
export const CREDENTIAL_HELPER = `!f() { test "$1" = get || exit 0; printf 'username=%s\\npassword=%s\\n' "$${USERNAME_ENV}" "$(cat "$${TOKEN_FILE_ENV}")"; }; f`;

/** Variables simple-git refuses in a given environment (they would let git run other programs). */
const GUARDED_ENV = /^(git_|editor$|visual$|pager$|prefix$|ssh_askpass$)/i;

/** The process environment without the variables simple-git guards (git ignores them here anyway). */
function inheritedEnv(): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined && !GUARDED_ENV.test(e[0])),
  );
}

function remoteRef(ref: string): string {
  return ref.startsWith('refs/') ? ref : `refs/heads/${ref}`;
}

export class GitSource {
  private readonly options: GitSourceOptions;
  private secretsSeen: readonly string[] = [];

  constructor(options: GitSourceOptions) {
    this.options = options;
  }

  /** What the source follows, safe to show. */
  describe(): string {
    return `${maskUrl(this.options.url)}@${this.options.ref}`;
  }

  /** The credentials read so far (URL user info, token and its encodings), for log redaction. */
  knownSecrets(): readonly string[] {
    return this.secretsSeen;
  }

  private async git(signal?: AbortSignal): Promise<{ git: SimpleGit; secrets: string[] }> {
    const c = this.options.credentials ?? {};
    const config: string[] = [];
    const secrets: string[] = [];
    const userInfo = /^[a-z][a-z0-9+.-]*:\/\/([^@/]*)@/i.exec(this.options.url)?.[1];
    if (userInfo) secrets.push(userInfo, ...userInfo.split(':'));
    const env: Record<string, string> = {};
    if (c.tokenFile) {
      // Read here only to fail early with a clear message and to know what to redact: git gets the
      // token from the credential helper, which reads the file itself, so the token is never on a
      // command line (visible to every process in /proc/*/cmdline), in an environment or a config.
      const token = (
        await readFile(c.tokenFile, 'utf8').catch((err: unknown) => {
          throw new IoError(
            `cannot read the git token file ${c.tokenFile}: ${(err as NodeJS.ErrnoException).code ?? String(err)}`,
            { cause: err },
          );
        })
      ).trim();
      secrets.push(token, Buffer.from(`${c.username ?? 'git'}:${token}`).toString('base64'));
      // The empty value first: no helper of the system or user config is asked, nor told the token.
      config.push('credential.helper=', `credential.helper=${CREDENTIAL_HELPER}`);
      env[TOKEN_FILE_ENV] = c.tokenFile;
      env[USERNAME_ENV] = c.username ?? 'git';
    }
    // Killing git does not stop its transport helper (git-remote-http, ssh), and git waits for it,
    // so a stalled transfer must be ended by the transport itself: curl gives up below 1 byte/s for
    // the timeout, ssh after as many seconds without an answer to its keep-alives.
    const timeoutS = Math.max(1, Math.ceil((this.options.timeoutMs ?? 120_000) / 1000));
    config.push('http.lowSpeedLimit=1', `http.lowSpeedTime=${timeoutS}`);
    const unsafe: { allowUnsafeSshCommand?: boolean; allowUnsafeCredentialHelper?: boolean } = c.tokenFile
      ? { allowUnsafeCredentialHelper: true }
      : {};
    if (c.sshKeyFile) {
      if (!c.knownHostsFile)
        throw new IoError('an SSH key needs a known_hosts file (host keys are always checked); set --git-known-hosts');
      const alive = Math.max(1, Math.ceil(timeoutS / 4));
      config.push(
        `core.sshCommand=ssh -i ${c.sshKeyFile} -o IdentitiesOnly=yes -o UserKnownHostsFile=${c.knownHostsFile} -o StrictHostKeyChecking=yes -o BatchMode=yes -o ConnectTimeout=${timeoutS} -o ServerAliveInterval=${alive} -o ServerAliveCountMax=4`,
      );
      unsafe.allowUnsafeSshCommand = true;
    }
    this.secretsSeen = [...new Set([...this.secretsSeen, ...secrets])];
    await mkdir(this.options.cacheDir, { recursive: true });
    // No terminal: git cannot prompt for credentials, it fails instead (as it must in a pod).
    const git = simpleGit({
      baseDir: this.options.cacheDir,
      config,
      unsafe,
      timeout: { block: this.options.timeoutMs ?? 120_000 },
      ...(signal ? { abort: signal } : {}),
    });
    if (Object.keys(env).length > 0) git.env({ ...inheritedEnv(), ...env });
    return { git, secrets };
  }

  /** Brings the clone to the remote ref's commit; returns the commit id. `signal` kills git. */
  async sync(signal?: AbortSignal): Promise<string> {
    const { git, secrets } = await this.git(signal);
    const branch = remoteRef(this.options.ref);
    try {
      const fresh = !(await stat(`${this.options.cacheDir}/.git`).then(
        () => true,
        () => false,
      ));
      if (fresh) await git.init();
      // A process killed between init and adding the remote leaves a clone without one.
      const remotes = fresh ? [] : await git.getRemotes();
      if (remotes.some((r) => r.name === 'origin')) await git.remote(['set-url', 'origin', this.options.url]);
      else await git.addRemote('origin', this.options.url);
      // `+` accepts non-fast-forward updates: a force-pushed branch replaces what we had.
      await git.fetch('origin', `+${branch}:refs/remotes/origin/follow`, { '--prune': null, '--no-tags': null });
      await git.reset(['--hard', 'refs/remotes/origin/follow']);
      await git.clean('f', ['-d', '-x']);
      return (await git.revparse(['HEAD'])).trim();
    } catch (err: unknown) {
      const message = redact(err instanceof Error ? err.message : String(err), secrets)
        .split('\n')
        .filter(Boolean)
        .slice(0, 3)
        .join('; ');
      throw new IoError(`cannot fetch ${this.describe()}: ${message}`, { cause: undefined });
    }
  }

  /**
   * Commits `file` (relative to the repository) with `text` on top of the commit last synced and
   * pushes it to `branch` (the followed one, or a new one), with the same credentials as the fetch.
   * The clone goes back to the synced commit afterwards, so the cycle's view never includes it
   * before the remote does. Returns the new commit id; IoError (redacted) when the push is refused.
   */
  async publish(o: { file: string; text: string; message: string; branch: string }): Promise<string> {
    const { git, secrets } = await this.git();
    try {
      await writeFile(join(this.options.cacheDir, o.file), o.text);
      await git.add([o.file]);
      await git
        .addConfig('user.name', 'patchwindow', false, 'local')
        .addConfig('user.email', 'patchwindow@users.noreply.invalid', false, 'local');
      await git.commit(o.message, [o.file]);
      const commit = (await git.revparse(['HEAD'])).trim();
      await git.push('origin', `HEAD:${remoteRef(o.branch)}`);
      return commit;
    } catch (err: unknown) {
      const message = redact(messageOf(err), secrets).split('\n').filter(Boolean).slice(0, 3).join('; ');
      throw new IoError(`cannot push to ${maskUrl(this.options.url)}@${o.branch}: ${message}`, { cause: undefined });
    } finally {
      await git.reset(['--hard', 'refs/remotes/origin/follow']).catch(() => undefined);
    }
  }

  /** Whether `branch` exists on the remote. */
  async hasBranch(branch: string): Promise<boolean> {
    return (await this.branchHead(branch)) !== undefined;
  }

  /** The commit `branch` points at on the remote; undefined when it does not exist. */
  async branchHead(branch: string): Promise<string | undefined> {
    const { git, secrets } = await this.git();
    try {
      const line = (await git.listRemote(['--heads', 'origin', remoteRef(branch)])).trim().split('\n')[0] ?? '';
      return /^[0-9a-f]{40,64}\b/.exec(line)?.[0];
    } catch (err: unknown) {
      throw new IoError(
        `cannot list the branches of ${maskUrl(this.options.url)}: ${redact(messageOf(err), secrets)}`,
        {
          cause: undefined,
        },
      );
    }
  }

  /** The branch (or ref) followed. */
  get ref(): string {
    return this.options.ref;
  }

  /** Directory of the checked-out tree. */
  get dir(): string {
    return this.options.cacheDir;
  }
}
