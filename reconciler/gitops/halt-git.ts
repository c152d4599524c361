// Halts recorded in git (`reconcile --halt-to-git commit|branch`): after each applied cycle, every
// pool the coordinator halted (kube/halts.ts) becomes a change to the policy repository that sets
// the policy's `paused: true`, with the evidence in the commit message — pushed onto the followed
// branch (`commit`), or onto a branch `patchwindow/halt-<policy>` for review (`branch`). Once the
// applied commit says paused, the cluster halt is lifted: the pause in git holds the pool from then
// on, a GitOps sync cannot undo the halt silently, and resuming is the reviewed change back to
// `paused: false`.
import type { Halts } from '../../kube/halts.ts';
import type { Log } from '../../io/log.ts';
import { messageOf } from '../../policy/errors.ts';
import { findPolicy, haltCommitMessage, pausePolicy } from './halt-yaml.ts';
import type { GitSource } from './gitsource.ts';
import { posix } from 'node:path';

export type HaltToGit = 'commit' | 'branch';

/** The branch a halt of `policy` is pushed to in `branch` mode. */
export function haltBranch(policy: string): string {
  return `patchwindow/halt-${policy}`;
}

export interface HaltGitOptions {
  readonly mode: HaltToGit;
  readonly source: Pick<GitSource, 'publish' | 'hasBranch' | 'ref'>;
  readonly halts: Halts;
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
      if (o.mode === 'branch' && (await o.source.hasBranch(branch))) continue;
      const text = pausePolicy(o.files.find((f) => f.file === where.file)!.text, policy)!;
      const pushed = await o.source.publish({
        file: posix.normalize(where.file),
        text,
        message: haltCommitMessage(policy, record),
        branch,
      });
      o.log.warn(
        { policy, commit: pushed, branch },
        `policy ${policy} halted: pushed ${pushed.slice(0, 12)} setting paused: true in ${where.file} to ${branch}${o.mode === 'branch' ? '; merge it to keep the pool paused in git' : ''}`,
      );
    } catch (err: unknown) {
      o.log.error(
        { policy, err: messageOf(err) },
        `cannot record the halt of policy ${policy} in git; retried next cycle`,
      );
    }
  }
}
