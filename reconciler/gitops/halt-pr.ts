// What a halt's pull request says and where it is opened (`reconcile --halt-to-git pull-request`),
// pure: the repository on the forge from the policy repository's URL (https and ssh forms), and the
// title and body from the halt record, with the evidence.
import type { HaltRecord } from '../../policy/halt.ts';
import { haltCommitMessage } from './halt-yaml.ts';

/** A repository on the forge. */
export interface ForgeRepo {
  readonly owner: string;
  readonly repo: string;
}

/**
 * The owner and name in a repository URL: `https://host/owner/name(.git)`,
 * `ssh://git@host[:port]/owner/name(.git)` or `git@host:owner/name(.git)`; undefined for any other
 * form (a local path, `file://`, a path of other than two parts): then --forge-repo says it.
 */
export function forgeRepoOf(url: string): ForgeRepo | undefined {
  let path: string | undefined;
  const scp = /^[^/@:]+@[^/:]+:(?!\/)(.+)$/.exec(url);
  if (scp !== null) path = scp[1];
  else if (/^(https?|ssh):\/\//i.test(url)) {
    try {
      path = new URL(url).pathname;
    } catch {
      return undefined;
    }
  }
  if (path === undefined) return undefined;
  return parseForgeRepo(path.replace(/^\/+|\/+$/g, '').replace(/\.git$/, ''));
}

/** `owner/name` as given (--forge-repo); undefined when it is not of that form. */
export function parseForgeRepo(text: string): ForgeRepo | undefined {
  const parts = text.split('/');
  if (parts.length !== 2 || parts.some((p) => p === '')) return undefined;
  return { owner: parts[0]!, repo: parts[1]! };
}

/** The title and body of the pull request that pauses `policy`. */
export function pullRequestText(
  policy: string,
  record: Extract<HaltRecord, { state: 'halted' }>,
): { title: string; body: string } {
  const [title, , ...rest] = haltCommitMessage(policy, record).split('\n');
  const closing = `Closing it without merging leaves the halt on the cluster until \`patchwindow resume ${policy}\`.`;
  return { title: title!, body: `${rest.join('\n').trimEnd()}\n\n${closing}\n` };
}
