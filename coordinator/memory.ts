// What the coordinator remembers across restarts and leader changes, as kept in its memory record
// (kube/memory.ts): per policy the starts of the last rate period and the canary record. Pure
// encode/decode; reading is defensive: a record it cannot read is reported and replaced by what
// the cluster still shows (the grants held now count as starts), never trusted in part.
import { EMPTY_RAILS, type RailsMemory } from './core/rails.ts';

export type MemoryData = RailsMemory;

export const EMPTY_MEMORY: MemoryData = EMPTY_RAILS;

const VERSION = 1;

export function encodeMemory(m: MemoryData): string {
  return JSON.stringify({ version: VERSION, starts: m.starts, canaries: m.canaries });
}

/** The record, or the problem that makes it unreadable. */
export function decodeMemory(raw: string | undefined): { memory: MemoryData } | { problem: string } {
  if (raw === undefined) return { memory: EMPTY_MEMORY };
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch (err: unknown) {
    return { problem: `not JSON (${err instanceof Error ? err.message : String(err)})` };
  }
  if (!isRecord(v) || v.version !== VERSION) return { problem: `not a version-${VERSION} record` };
  if (!isRecord(v.starts) || !isRecord(v.canaries)) return { problem: 'starts or canaries missing' };
  for (const [policy, list] of Object.entries(v.starts))
    if (
      !Array.isArray(list) ||
      !list.every((s) => isRecord(s) && typeof s.node === 'string' && typeof s.atMs === 'number')
    )
      return { problem: `the starts of policy ${policy} are not a list of {node, atMs}` };
  for (const [policy, c] of Object.entries(v.canaries))
    if (!isRecord(c) || !('proven' in c) || !('out' in c))
      return { problem: `the canary record of policy ${policy} is not {proven, out}` };
  return { memory: { starts: v.starts as MemoryData['starts'], canaries: v.canaries as MemoryData['canaries'] } };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
