// Signals to a whole process tree (an agent's supervisor and its workers): SIGSTOP to freeze it as
// a stalled host or a stopped container would (nothing runs, nothing is closed, every socket stays
// open), SIGCONT to resume it, SIGKILL to end it as a failed liveness probe does.
import { childPids } from './agent-process.ts';

/** `pid` and every descendant, parents before children (Linux /proc). */
export async function processTree(pid: number): Promise<number[]> {
  const out = [pid];
  for (let i = 0; i < out.length; i++) out.push(...(await childPids(out[i]!)));
  return out;
}

function signal(pid: number, sig: NodeJS.Signals): boolean {
  try {
    process.kill(pid, sig);
    return true;
  } catch {
    return false; // gone already
  }
}

/**
 * Stops `pid` and its descendants. The parent stops first, so it cannot react to a child that
 * stops; the tree is read again until no new process shows up (a worker started meanwhile).
 * Returns the pids stopped.
 */
export async function freezeTree(pid: number): Promise<number[]> {
  const stopped = new Set<number>();
  for (;;) {
    const fresh = (await processTree(pid)).filter((p) => !stopped.has(p));
    if (fresh.length === 0) return [...stopped];
    for (const p of fresh) if (signal(p, 'SIGSTOP')) stopped.add(p);
  }
}

/** Resumes `pids` (children before their parent: the parent finds them running when it wakes). */
export function thawTree(pids: readonly number[]): void {
  for (const p of [...pids].reverse()) signal(p, 'SIGCONT');
}

/** SIGKILLs `pid`'s descendants, then `pid` (a stopped process dies of SIGKILL too). */
export async function killTree(pid: number): Promise<void> {
  const tree = await processTree(pid);
  for (const p of tree.reverse()) signal(p, 'SIGKILL');
}
