// One frame of `patchwindow status --watch` (pure): per policy a progress bar (progress.ts), the
// budget in use and what holds it; per Fleet its fleet-wide cap and coordinator; per node its phase,
// the grant it holds and why it waits. Everything comes from one Status (status.ts); the frame adds
// no decision of its own. JSON: one line per frame, the `status --format json` document plus
// `progress` and `reconnecting`.
import { formatZoned } from '../../policy/calendar.ts';
import { FLEET_GROUP } from '../../policy/budget.ts';
import { formatTable } from '../../io/table.ts';
import { settled, type PolicyProgress } from './progress.ts';
import type { GroupRow, NodeRow, Status } from './status.ts';
import { statusJson } from './status-format.ts';
import { pendingFor } from './status-why.ts';

export interface Frame {
  readonly status: Status;
  readonly progress: readonly PolicyProgress[];
  /** Watches that failed and are being opened again: what they said (the view may be stale meanwhile). */
  readonly reconnecting: readonly string[];
  readonly nowMs: number;
}

const BAR_WIDTH = 10;
const DASH = '-';

/** `[####......] 4/10 rebooted`: a `#` per tenth done, rounded down (full only when all are). */
export function progressBar(p: Pick<PolicyProgress, 'rebooted' | 'total'>): string {
  const filled = p.total === 0 ? 0 : Math.floor((p.rebooted * BAR_WIDTH) / p.total);
  return `[${'#'.repeat(filled)}${'.'.repeat(BAR_WIDTH - filled)}] ${p.rebooted}/${p.total} rebooted`;
}

/** A node waits for its turn: it needs a reboot and holds no grant. */
const waiting = (r: NodeRow) => !settled(r) && r.grant === null;

/** What holds a policy back (halted, no coordinator, paused, outside the window, budget or cap full); null when nothing does. */
export function holdOf(s: Status, g: GroupRow, nowMs: number): string | null {
  const halt = s.halted.find((h) => h.fleet === g.fleet && h.policy === g.group);
  if (halt) return `HALTED after ${halt.failures.length} failures; resume: ${halt.resumeCommand}`;
  const members = s.nodes.filter((r) => r.fleet === g.fleet && r.policies[0] === g.group);
  if (!members.some(waiting)) return null;
  if (s.coordinators.find((c) => c.fleet === g.fleet)?.missing) return 'no coordinator: no new grants';
  if (g.paused) return g.paused;
  if (!g.window) return 'no effective window within the horizon';
  if (g.window.startMs > nowMs) return `outside the window; next ${formatZoned(g.window.startMs, g.timeZone ?? 'UTC')}`;
  if (g.unavailable >= g.allowed) return `budget full: ${g.unavailable} of ${g.allowed} unavailable`;
  const cap = s.groups.find((c) => c.fleet === g.fleet && c.group === FLEET_GROUP);
  if (cap && cap.unavailable >= cap.allowed) return `fleet-wide cap full: ${cap.unavailable} of ${cap.allowed}`;
  return null;
}

function grantText(r: NodeRow, nowMs: number): string {
  if (r.grant === null) return DASH;
  const held = `held ${pendingFor(r.grant.sinceMs, nowMs) ?? '?'}`;
  return r.grant.stalledSinceMs === null ? held : `${held}, STALLED`;
}

/** The frame as text for a terminal or a log (no trailing blank line). */
export function watchFrameText(f: Frame): string {
  const { status: s, nowMs } = f;
  const fleets = new Set(s.groups.map((g) => g.fleet));
  const name = (fleet: string | null, policy: string) => (fleets.size > 1 && fleet ? `${fleet}/${policy}` : policy);
  const out: string[] = [];
  for (const r of f.reconnecting) out.push(`reconnecting: ${r} (showing the last state seen)\n`);
  const policies = s.groups.filter((g) => g.group !== FLEET_GROUP);
  out.push(
    formatTable(
      ['POLICY', 'PROGRESS', 'BUDGET IN USE', 'HELD'],
      policies.map((g) => {
        const p = f.progress.find((x) => x.fleet === g.fleet && x.policy === g.group) ?? { rebooted: 0, total: 0 };
        return [name(g.fleet, g.group), progressBar(p), `${g.unavailable}/${g.allowed}`, holdOf(s, g, nowMs) ?? DASH];
      }),
    ),
  );
  for (const fleet of fleets) {
    const cap = s.groups.find((g) => g.fleet === fleet && g.group === FLEET_GROUP);
    const c = s.coordinators.find((x) => x.fleet === fleet);
    const coordinator = !c || c.missing ? 'coordinator MISSING' : `coordinator ${c.leader ?? DASH}`;
    out.push(
      `fleet ${fleet}: ${cap ? `fleet-wide cap ${cap.unavailable}/${cap.allowed} in use; ` : ''}${coordinator}\n`,
    );
  }
  out.push(
    formatTable(
      ['NODE', 'POLICY', 'PHASE', 'GRANT', 'WAITING FOR'],
      s.nodes.map((r) => [
        r.node,
        r.policies.length === 0 ? DASH : name(r.fleet, r.policies.join('+')),
        r.phase,
        grantText(r, nowMs),
        r.blocker ?? DASH,
      ]),
    ),
  );
  return out.join('');
}

/** The frame as one JSON line (ends with a newline). */
export function watchFrameJson(f: Frame): string {
  const progress = f.progress.map((p) => {
    const g = f.status.groups.find((x) => x.fleet === p.fleet && x.group === p.policy);
    return {
      ...p,
      budgetInUse: g?.unavailable ?? 0,
      budgetAllowed: g?.allowed ?? 0,
      held: g ? holdOf(f.status, g, f.nowMs) : null,
    };
  });
  return `${JSON.stringify({ ...statusJson(f.status, f.nowMs), progress, reconnecting: f.reconnecting })}\n`;
}
