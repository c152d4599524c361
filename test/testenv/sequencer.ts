// The order of each project's files (vitest's `sequence.sequencer`): vitest's own (failed first,
// then the slowest by its cache, or the largest), except that the files which use a prebuild
// (prebuild.ts: helm, promtool, the image) come last. On a cold machine those builds run at the
// lowest priority beside the tests; such a file at the front would wait for its build and hold its
// whole project meanwhile (the files of a cluster project run one at a time).
import { resolve } from 'node:path';
import { BaseSequencer, type TestSpecification } from 'vitest/node';
import { PREBUILDS, type PrebuildTask } from './prebuild.ts';

/** `files` in their order, those that use a prebuild moved to the end. */
export function prebuildsLast<T extends { readonly moduleId: string }>(
  files: readonly T[],
  root: string,
  tasks: readonly PrebuildTask[] = PREBUILDS,
): T[] {
  const late = new Set(tasks.flatMap((t) => t.usedBy).map((f) => resolve(root, f)));
  return [...files.filter((f) => !late.has(f.moduleId)), ...files.filter((f) => late.has(f.moduleId))];
}

export class PrebuildsLast extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    return prebuildsLast(await super.sort(files), this.ctx.config.root);
  }
}
