// The forge options of `patchwindow reconcile --halt-to-git pull-request`: where pull requests are
// opened (GitHub or GitHub Enterprise Server), with which token, in which repository. Checked before
// the reconciler starts anything (UsageError: exit 2, one line).
import { resolve } from 'node:path';
import { UsageError } from '../policy/errors.ts';
import type { CliIo } from './io.ts';

export const DEFAULT_FORGE_API_URL = 'https://api.github.com';

export interface ForgeFlags {
  readonly repo: string;
  readonly haltToGit?: 'commit' | 'branch' | 'pull-request';
  readonly forgeApiUrl?: string;
  readonly forgeTokenFile?: string;
  readonly forgeRepo?: string;
}

/** The pull requests port of pull-request mode (undefined in other modes), or a UsageError. */
export async function pullRequestsOf(io: CliIo, o: ForgeFlags) {
  const given = o.forgeApiUrl !== undefined || o.forgeTokenFile !== undefined || o.forgeRepo !== undefined;
  if (o.haltToGit !== 'pull-request') {
    if (given)
      throw new UsageError(
        '--forge-token-file, --forge-repo and --forge-api-url are used only with --halt-to-git pull-request',
      );
    return undefined;
  }
  if (o.forgeTokenFile === undefined)
    throw new UsageError(
      '--halt-to-git pull-request needs --forge-token-file: a file with a token that may open pull requests in the policy repository',
    );
  const [{ forgeRepoOf, parseForgeRepo }, { GitHubPullRequests }, { maskUrl }] = await Promise.all([
    import('../reconciler/gitops/halt-pr.ts'),
    import('../reconciler/gitops/github.ts'),
    import('../reconciler/gitops/gitsource.ts'),
  ]);
  let repo;
  if (o.forgeRepo !== undefined) {
    repo = parseForgeRepo(o.forgeRepo);
    if (repo === undefined)
      throw new UsageError(`--forge-repo "${o.forgeRepo}" is not OWNER/NAME; e.g. --forge-repo acme/policies`);
  } else {
    repo = forgeRepoOf(o.repo);
    if (repo === undefined)
      throw new UsageError(
        `cannot tell the repository on the forge from --repo ${maskUrl(o.repo)}; give --forge-repo OWNER/NAME`,
      );
  }
  const apiUrl = o.forgeApiUrl ?? DEFAULT_FORGE_API_URL;
  if (!/^https?:\/\/[^/]/i.test(apiUrl))
    throw new UsageError(
      `--forge-api-url "${apiUrl}" is not an http(s) URL; e.g. https://api.github.com or https://github.example.com/api/v3`,
    );
  return new GitHubPullRequests({ apiUrl, tokenFile: resolve(io.cwd, o.forgeTokenFile), repo });
}
