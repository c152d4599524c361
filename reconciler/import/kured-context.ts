// The state the per-topic mappers share while turning kured's resolved flags into patchwindow
// documents: the documents being built, the findings, the errors and the install settings. Pure.
import type { Finding, PodFacts } from './kured-input.ts';
import type { Origin, Problem, ResolvedFlags, SetFlag } from './kured-settings.ts';
import { FLAG_BY_NAME } from './kured-flags.ts';

/** A Secret the user must create (the import never writes secret values anywhere). */
export interface SecretToCreate {
  readonly name: string;
  readonly key: string;
  /** Where the value is today, for the user: a file and line, or the kured Secret it was read from. */
  readonly from: string;
  /** The kubectl command to run; it never contains the secret value. */
  readonly command: string;
}

/** Host commands for patchwindow's install settings (never for git). */
export interface InstallCommands {
  readonly reboot: Record<string, readonly string[]>;
  readonly sentinel: Record<string, readonly string[]>;
}

export interface MapContext {
  readonly flags: ResolvedFlags;
  readonly pod: PodFacts;
  readonly namespace: string;
  readonly nowMs: number;
  readonly policySpec: Record<string, unknown>;
  readonly fleetSpec: Record<string, unknown>;
  readonly install: InstallCommands;
  readonly secrets: SecretToCreate[];
  readonly findings: Finding[];
  readonly errors: Problem[];
}

/** The flag if it was set (by an arg or env var); undefined when kured used its default. */
export function setFlag(ctx: MapContext, name: string): SetFlag | undefined {
  return ctx.flags.set.get(name);
}

/** The flag's value, set or default, as one string (lists joined by commas). */
export function scalar(ctx: MapContext, name: string): string {
  const set = ctx.flags.set.get(name);
  const value = set ? set.value : FLAG_BY_NAME.get(name)!.default;
  return Array.isArray(value) ? value.join(',') : (value as string);
}

export function list(ctx: MapContext, name: string): readonly string[] {
  const set = ctx.flags.set.get(name);
  const value = set ? set.value : FLAG_BY_NAME.get(name)!.default;
  return Array.isArray(value) ? (value as readonly string[]) : [value as string];
}

/** True when the flag was set to something other than kured's default. */
export function changed(ctx: MapContext, name: string): boolean {
  const set = ctx.flags.set.get(name);
  if (!set) return false;
  const def = FLAG_BY_NAME.get(name)!.default;
  return JSON.stringify(set.value) !== JSON.stringify(def);
}

/** The key as the user wrote it (first origin) for the report. */
export function keyOf(set: SetFlag | undefined, name: string): { key: string; origin?: Origin } {
  const origin = set?.origins.find((o) => o.line > 0) ?? set?.origins[0];
  return origin
    ? {
        key:
          origin.field.startsWith('KURED_') ||
          origin.field.startsWith('configuration') ||
          origin.field.startsWith('extra')
            ? origin.field
            : `--${name}`,
        origin,
      }
    : { key: `--${name}` };
}

/** Records a finding for a flag, under the key the user wrote it with. */
export function found(ctx: MapContext, name: string, verdict: Finding['verdict'], note: string, to?: string): void {
  const set = ctx.flags.set.get(name);
  // A chart default that equals kured's own default is not something the user wrote.
  if (set && set.origins.every((o) => o.line === 0) && !changed(ctx, name)) return;
  const { key, origin } = keyOf(set, name);
  ctx.findings.push({ key, ...(origin ? { origin } : {}), verdict, note, ...(to ? { to } : {}) });
}

/** An error at the flag's origin. */
export function fail(ctx: MapContext, name: string, message: string): void {
  const { origin } = keyOf(ctx.flags.set.get(name), name);
  ctx.errors.push({ origin: origin ?? { file: '(kured defaults)', line: 0, field: `--${name}` }, message });
}

/** Sets `spec.<path>` of the policy, creating the objects on the way. */
export function put(spec: Record<string, unknown>, path: string, value: unknown): void {
  const parts = path.split('.');
  let node = spec;
  for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
  node[parts.at(-1)!] = value;
}
