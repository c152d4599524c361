// Hooks (spec.hooks): Jobs the coordinator runs for a node around its reboot, and the protocol on
// the grant Lease that tells the agent how they went. Pure data and small codecs shared by the
// reconciler (compile), the coordinator (creates the Jobs, writes the results) and the agent (waits
// for them). The Job itself is defined only in the install settings (DESIGN.md invariant 8); a
// policy names it (docs/decisions/0008-hooks.md).
import { shortHash, stableName } from './names.ts';

/** When a hook runs: before the cordon, or after the uncordon (before the grant is given back). */
export type HookKind = 'preReboot' | 'postReboot';

/** A batch/v1 JobSpec as the install settings give it (schemas/common.schema.json#/$defs/hookJobSpec). */
export interface HookJobSpec {
  readonly backoffLimit?: number;
  readonly ttlSecondsAfterFinished?: number;
  readonly template: {
    readonly metadata?: {
      readonly labels?: Readonly<Record<string, string>>;
      readonly annotations?: Readonly<Record<string, string>>;
    };
    readonly spec: {
      readonly restartPolicy?: 'Never' | 'OnFailure';
      readonly containers: readonly ({ readonly name: string; readonly image: string } & Record<string, unknown>)[];
    } & Record<string, unknown>;
  };
}

/** One hook of a policy, resolved against the install settings. */
export interface HookRun {
  /** The hook's name in the install settings. */
  readonly hook: string;
  /** The Job's activeDeadlineSeconds; the coordinator also gives up on it after this. */
  readonly timeoutMs: number;
  /** preReboot: what a failed hook does to the attempt (postReboot: always recorded, never stops anything). */
  readonly onFailure: 'abort' | 'continue';
  readonly template: HookJobSpec;
}

/** spec.hooks, normalized. */
export interface PolicyHooks {
  readonly preReboot?: HookRun;
  readonly postReboot?: HookRun;
}

/**
 * Annotation on the grant Lease: how the pre-reboot hook of this grant goes. Written `pending` by
 * the coordinator when it gives the grant, then `succeeded` or `failed: <reason>` by the coordinator
 * alone (the agents' admission policy forbids them to write it).
 */
export const PRE_HOOK_ANNOTATION = 'patchwindow.io/pre-hook';
/**
 * Annotation on the grant Lease: the post-reboot hook. The agent writes `pending` once it uncordoned
 * (asking for the hook); the coordinator runs the Job and writes `succeeded` or `failed: <reason>`.
 */
export const POST_HOOK_ANNOTATION = 'patchwindow.io/post-hook';

/** The annotation of a hook kind. */
export function hookAnnotation(kind: HookKind): string {
  return kind === 'preReboot' ? PRE_HOOK_ANNOTATION : POST_HOOK_ANNOTATION;
}

/** A hook's state on a grant. */
export type HookStatus =
  | { readonly state: 'pending' }
  | { readonly state: 'succeeded' }
  | { readonly state: 'failed'; readonly reason: string };

export const PENDING = 'pending';

/** The annotation value of `s`. */
export function encodeHookStatus(s: HookStatus): string {
  return s.state === 'failed' ? `failed: ${s.reason}` : s.state;
}

/**
 * The state of an annotation value; undefined when absent. A value that is none of the three is
 * read as a failure (the reboot does not go on over a result it cannot read).
 */
export function decodeHookStatus(raw: string | undefined): HookStatus | undefined {
  if (raw === undefined) return undefined;
  if (raw === 'pending' || raw === 'succeeded') return { state: raw };
  if (raw.startsWith('failed: ')) return { state: 'failed', reason: raw.slice('failed: '.length) };
  return { state: 'failed', reason: `unreadable hook result ${JSON.stringify(raw.slice(0, 100))}` };
}

/** The name of the Job of `kind` for the grant `epoch` of `node`: the same on every coordinator, so it is created once. */
export function hookJobName(kind: HookKind, node: string, epoch: string): string {
  return stableName(['patchwindow', kind === 'preReboot' ? 'pre' : 'post', node, shortHash(epoch)]);
}

/** How to read a hook Job's output, for Events and status. */
export function hookLogsCommand(namespace: string, job: string): string {
  return `kubectl -n ${namespace} logs job/${job}`;
}

/** A hook Job the coordinator created (spec.hooks), as its watch shows it. */
export interface HookJobInfo {
  readonly name: string;
  readonly node: string;
  readonly hook: HookKind;
  /** The grant it runs for. */
  readonly epoch: string;
  readonly createdMs: number;
  readonly outcome:
    | { readonly state: 'running' }
    | { readonly state: 'complete' }
    | { readonly state: 'failed'; readonly reason: string };
}
