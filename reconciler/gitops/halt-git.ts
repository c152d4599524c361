// Halts recorded in git (`reconcile --halt-to-git commit|branch|pull-request`): after each applied
// cycle, every pool the coordinator halted (kube/halts.ts) becomes a change to the policy repository
// that sets the policy's `paused: true`, with the evidence in the commit message — pushed onto the
// followed branch (`commit`), onto a branch `patchwindow/halt-<policy>` for review (`branch`), or
// onto that branch with a pull request opened from it through the forge's API (`pull-request`).
// Once the applied commit says paused, the cluster halt is lifted: the pause in git holds the pool
// from then on, a GitOps sync cannot undo the halt silently, and resuming is the reviewed change back
// to `paused: false`. Nothing here ever lifts a halt otherwise: a push or pull request refused
// leaves the halt on the cluster, and the next cycle tries again.
import type { Halts } from '../../kube/halts.ts';
import type { Log } from '../../io/log.ts';
import { messageOf } from '../../policy/errors.ts';
import type { PullRequests } from './github.ts';
import { pullRequestText } from './halt-pr.ts';
import { findPolicy, haltCommitMessage, pausePolicy } from './halt-yaml.ts';
import type { GitSource } from './gitsource.ts';
import { posix } from 'node:path';

export type HaltToGit = 'commit' | 'branch' | 'pull-request';

/** The branch a halt of `policy` is pushed to in `branch` and `pull-request` mode. */
export function haltBranch(policy: string): string {
  return `patchwindow/halt-${policy}`;
}

export interface HaltGitOptions {
  readonly mode: HaltToGit;
  readonly source: Pick<GitSource, 'publish' | 'branchHead' | 'ref'>;
  readonly halts: Halts;
  /** Where `pull-request` mode opens its pull requests. */
  readonly pullRequests?: PullRequests;
  /** The policy files of the applied commit, named relative to the repository. */
  readonly files: readonly { file: string; text: string }[];
  readonly commit: string;
  readonly nowMs: number;
  readonly log: Log;
}

/** Records each halted pool in git, or lifts the cluster halt of one git already pauses. Never throws. */
export async function recordHaltsInGit(o: HaltGitOptions): Promise<void> {
  let records;
  try {
    records = await o.halts.read();
  } catch (err: unknown) {
    o.log.warn({ err: messageOf(err) }, 'cannot read the halted pools; recording them in git waits for the next cycle');
    return;
  }
  for (const [policy, record] of records) {
    if (record.state !== 'halted') continue;
    const where = findPolicy(o.files, policy);
    if (where === undefined) {
      o.log.warn({ policy }, `policy ${policy} is halted but not in the repository; resume it with patchwindow resume`);
      continue;
    }
    let step = 'record the halt of policy';
    try {
      if (where.paused) {
        await o.halts.write(policy, {
          state: 'resumed',
          atMs: o.nowMs,
          by: `reconciler: paused in git at ${o.commit}`,
        });
        o.log.info(
          { policy, commit: o.commit },
          `policy ${policy} is paused in git (${where.file} at ${o.commit.slice(0, 12)}); lifted the cluster halt: set paused: false in git to resume`,
        );
        continue;
      }
      const branch = o.mode === 'commit' ? o.source.ref : haltBranch(policy);
      // A review branch that exists already is not pushed again (its pull request, if any, is kept).
      let head = o.mode === 'commit' ? undefined : await o.source.branchHead(branch);
      if (head === undefined) {
        const text = pausePolicy(o.files.find((f) => f.file === where.file)!.text, policy)!;
        head = await o.source.publish({
          file: posix.normalize(where.file),
          text,
          message: haltCommitMessage(policy, record),
          branch,
        });
        const next = o.mode === 'branch' ? '; merge it to keep the pool paused in git' : '';
        o.log.warn(
          { policy, commit: head, branch },
          `policy ${policy} halted: pushed ${head.slice(0, 12)} setting paused: true in ${where.file} to ${branch}${next}`,
        );
      } else if (o.mode === 'branch') continue;
      if (o.mode !== 'pull-request' || o.pullRequests === undefined) continue;
      step = 'open the pull request that pauses policy';
      const { title, body } = pullRequestText(policy, record);
      const base = o.source.ref.replace(/^refs\/heads\//, '');
      const pr = await o.pullRequests.ensure({ head: branch, headSha: head, base, title, body });
      if (pr.opened)
        o.log.warn(
          { policy, branch, pullRequest: pr.number },
          `policy ${policy} halted: opened pull request #${pr.number} (${pr.url}) from ${branch} into ${base}; merge it to keep the pool paused in git`,
        );
      else o.log.debug({ policy, pullRequest: pr.number }, `the pull request #${pr.number} of ${branch} exists`);
    } catch (err: unknown) {
      o.log.error(
        { policy, err: messageOf(err) },
        `cannot ${step} ${policy}: ${messageOf(err)}; the halt stays on the cluster, retried next cycle`,
      );
    }
  }
}
