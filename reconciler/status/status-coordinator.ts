// What `patchwindow status` shows of the coordinator: each node's grant (and how to free a stalled
// one) and each fleet's coordinator, present or missing, from the Leases read (status-read.ts).
import { grantLeaseName } from '../../kube/grants.ts';
import type { Grant } from '../../kube/ports.ts';
import { hookJobName, hookLogsCommand, type HookKind } from '../../policy/hooks.ts';

/** A fleet's coordinator election Lease as read. */
export interface CoordinatorLease {
  readonly fleet: string;
  readonly namespace: string;
  /** Empty: nobody leads (the last leader stopped). */
  readonly holder: string;
  readonly renewedMs: number;
  readonly durationMs: number;
}

/** A node's grant, as status shows it. */
export interface GrantCell {
  readonly sinceMs: number;
  /** The holder stopped renewing it since this instant (it keeps it: free it by hand if the node is gone for good). */
  readonly stalledSinceMs: number | null;
  /** The command that frees it (operators only: the node's agent must not act any more). */
  readonly freeCommand: string;
  /** A hook Job the node waits for (spec.hooks), since about when (its record's last step), and how to read its output. */
  readonly hook?: { readonly kind: HookKind; readonly job: string; readonly sinceMs: number; readonly logs: string };
}

/** A fleet's coordinator: present (a leader renewing its Lease) or missing. */
export interface CoordinatorRow {
  readonly fleet: string;
  readonly leader: string | null;
  readonly renewedMs: number | null;
  /** No leader renewed within the Lease duration: no new grants; reboots already granted finish. */
  readonly missing: boolean;
}

export function grantCell(g: Grant, namespace: string, nowMs: number, recordSinceMs?: number): GrantCell {
  const stale = nowMs >= g.renewedMs + g.ttlMs;
  const kind = (['preReboot', 'postReboot'] as const).find((k) => g.hooks?.[k]?.state === 'pending');
  const job = kind === undefined ? undefined : hookJobName(kind, g.node, g.epoch);
  return {
    sinceMs: g.grantedMs,
    stalledSinceMs: stale ? g.renewedMs : null,
    freeCommand: `kubectl -n ${namespace} delete lease ${grantLeaseName(g.node)}`,
    ...(kind !== undefined && job !== undefined
      ? {
          hook: {
            kind,
            job,
            sinceMs: Math.max(g.grantedMs, recordSinceMs ?? g.grantedMs),
            logs: hookLogsCommand(namespace, job),
          },
        }
      : {}),
  };
}

export function coordinatorRow(fleet: string, lease: CoordinatorLease | undefined, nowMs: number): CoordinatorRow {
  if (lease === undefined || lease.holder === '')
    return { fleet, leader: null, renewedMs: lease?.renewedMs ?? null, missing: true };
  return {
    fleet,
    leader: lease.holder,
    renewedMs: lease.renewedMs,
    missing: nowMs > lease.renewedMs + lease.durationMs,
  };
}
