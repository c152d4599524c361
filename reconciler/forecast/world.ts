// The simulated cluster of the forecast: Nodes (labels, annotations, Ready, unschedulable) and the
// coordinator's grants (one Lease per granted node), kept up to date as actions are applied.
//
// Node records are written with the agent's own codec (policy/state.ts) and read back with it; the
// request a record publishes is read with the coordinator's own rule (coordinator/core/request.ts),
// and who is granted is decided by the coordinator's own core (coordinate.ts). The world only stores
// what the real API server would; the cores interpret it.
import type { Action, BlockerFacts, DrainOutcome, Facts } from '../../agent/core/facts.ts';
import type { CoreNode } from '../../coordinator/core/model.ts';
import { requestOf } from '../../coordinator/core/request.ts';
import {
  CORDONED_BY_ANNOTATION,
  LAST_REBOOT_ANNOTATION,
  REBOOT_REQUIRED_LABEL,
  REBOOT_REQUIRED_SINCE_ANNOTATION,
  STATE_ANNOTATION,
} from '../../policy/keys.ts';
import type { Grant } from '../../kube/ports.ts';
import { decodeLastReboot, decodeState, encodeLastReboot, encodeState, type StateRead } from '../../policy/state.ts';
import { nodeSelectorTermsMatch } from '../../policy/labels.ts';
import type { AgentConfig } from '../../policy/model.ts';

/** A node to simulate: its labels, its policy (null: no agent runs on it), whether it needs a reboot. */
export interface SimNodeSpec {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly config: AgentConfig | null;
  readonly pending: boolean;
}

/** One simulated Node, its host and what its agent process remembers. */
export interface SimNode {
  readonly name: string;
  readonly config: AgentConfig | null;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  ready: boolean;
  unschedulable: boolean;
  /** The host's sentinel (a reboot clears it). */
  sentinel: boolean;
  bootId: string;
  boots: number;
  /** The agent process runs (false from the reboot command until the node is back). */
  up: boolean;
  // The agent's memory (agent/runtime.ts Memory), lost when the process restarts.
  watching: boolean;
  blockers: BlockerFacts | null;
  drain: DrainOutcome | null;
  rebootCommandedMs: number | null;
  /** Last decoded state annotation, so unchanged values are not parsed again. */
  decoded: { readonly raw: string | undefined; readonly read: StateRead };
  /** The node's grant Lease. */
  grant: Grant | null;
  /** When its agent stopped renewing the grant (a reboot); null while it renews. */
  grantStoppedMs: number | null;
  /** What the coordinator sees of the node (updated in place: the core reads it every decision). */
  readonly core: { -readonly [K in keyof CoreNode]: CoreNode[K] };
}

/** Step actions: the ones the world applies at once (waits, drains and reboots take time). */
export type StepAction = Extract<
  Action,
  { kind: 'markRebootRequired' | 'writeState' | 'releaseGrant' | 'cordon' | 'uncordon' }
>;

/** What the simulator needs to hear from the world. */
export interface WorldListener {
  /** Something the coordinator decides on changed: a request, a grant given back, a node's availability. */
  changed(nowMs: number): void;
}

/**
 * N of a policy's budget group, counted as the coordinator counts it (by the policy's members): every
 * node whose labels match the policy's members, also those its DaemonSet does not run on (taints).
 */
export function countMembers(
  config: AgentConfig,
  nodes: readonly { readonly labels: Readonly<Record<string, string>> }[],
): number {
  let n = 0;
  for (const node of nodes) if (nodeSelectorTermsMatch(config.members, node.labels)) n++;
  return n;
}

export class SimWorld {
  readonly nodes: readonly SimNode[];
  /** Nodes that hold a grant. */
  readonly granted = new Set<SimNode>();
  /** Nodes whose record publishes a request. */
  requests = 0;
  readonly #listener: WorldListener;
  #epochs = 0;

  constructor(specs: readonly SimNodeSpec[], listener: WorldListener) {
    this.#listener = listener;
    // The policy each node belongs to, by its labels (with or without an agent), as the coordinator
    // resolves it.
    const configs = [
      ...new Map(specs.flatMap((s) => (s.config === null ? [] : [[s.config.policy.name, s.config]]))).values(),
    ];
    this.nodes = specs.map((s): SimNode => ({
      name: s.name,
      config: s.config,
      labels: { ...s.labels },
      annotations: {},
      ready: true,
      unschedulable: false,
      sentinel: s.pending,
      bootId: `${s.name}-boot-0`,
      boots: 0,
      up: true,
      watching: false,
      blockers: null,
      drain: null,
      rebootCommandedMs: null,
      decoded: { raw: undefined, read: { kind: 'none' } },
      grant: null,
      grantStoppedMs: null,
      core: {
        name: s.name,
        uid: `${s.name}-uid`,
        policy: configs.find((c) => nodeSelectorTermsMatch(c.members, s.labels))?.policy.name ?? null,
        ready: true,
        unschedulable: false,
        cordonedByAgent: false,
        request: null,
      },
    }));
  }

  /** What the agent of `node` would gather now (agent/loop.ts `gather`). */
  facts(node: SimNode): Facts {
    const raw = node.annotations[STATE_ANNOTATION];
    if (node.decoded.raw !== raw) node.decoded = { raw, read: decodeState(raw) };
    return {
      nodeName: node.name,
      node: {
        labels: node.labels,
        annotations: node.annotations,
        unschedulable: node.unschedulable,
        ready: node.ready,
      },
      state: node.decoded.read,
      lastReboot: decodeLastReboot(node.annotations[LAST_REBOOT_ANNOTATION]) ?? null,
      rebootRequired: node.sentinel,
      bootId: node.bootId,
      // Grants are freed only with their Node, which the forecast never deletes: never lost.
      grant: node.watching ? { mine: node.grant, lost: null } : null,
      blockers: node.blockers,
      drain: node.drain,
      rebootCommandedMs: node.rebootCommandedMs,
      dryRun: false,
      dryRunReportedMs: null,
    };
  }

  /** The coordinator granted the node: its grant Lease is created. */
  grant(node: SimNode, nowMs: number): void {
    const epoch = `grant-${++this.#epochs}`;
    node.grant = {
      node: node.name,
      policy: node.core.policy ?? '',
      epoch,
      nodeUid: node.core.uid,
      grantedMs: nowMs,
      renewedMs: nowMs,
      ttlMs: node.config!.agent.slotTtlMs,
      resourceVersion: epoch,
    };
    node.grantStoppedMs = node.up && node.watching ? null : nowMs;
    this.granted.add(node);
  }

  /** Applies a step the way the API server would take its patch or Lease call. */
  apply(node: SimNode, a: StepAction, nowMs: number): void {
    switch (a.kind) {
      case 'markRebootRequired':
        setOrDelete(node.labels, REBOOT_REQUIRED_LABEL, a.required ? 'true' : null);
        setOrDelete(
          node.annotations,
          REBOOT_REQUIRED_SINCE_ANNOTATION,
          a.required ? new Date(nowMs).toISOString() : null,
        );
        return;
      case 'writeState': {
        setOrDelete(node.annotations, STATE_ANNOTATION, a.state === null ? null : encodeState(a.state));
        if (a.lastReboot !== undefined) node.annotations[LAST_REBOOT_ANNOTATION] = encodeLastReboot(a.lastReboot);
        for (const [key, value] of Object.entries(a.labels ?? {})) setOrDelete(node.labels, key, value);
        const asked = node.core.request !== null;
        node.core.request = requestOf(node, node.core.policy);
        if (asked === (node.core.request !== null)) return;
        this.requests += asked ? -1 : 1;
        if (!asked) this.#listener.changed(nowMs);
        return;
      }
      case 'releaseGrant':
        // Deleted with the epoch as precondition.
        if (node.grant?.epoch !== a.grant.epoch) return;
        node.grant = null;
        this.granted.delete(node);
        this.#listener.changed(nowMs);
        return;
      case 'cordon':
        // Only under the grant of that epoch and on a schedulable node; the mark in the same write.
        if (node.grant?.epoch !== a.epoch || node.unschedulable) return;
        node.unschedulable = true;
        node.annotations[CORDONED_BY_ANNOTATION] = a.epoch;
        return this.#availability(node, nowMs);
      case 'uncordon':
        if (node.annotations[CORDONED_BY_ANNOTATION] !== a.epoch) return;
        node.unschedulable = false;
        delete node.annotations[CORDONED_BY_ANNOTATION];
        return this.#availability(node, nowMs);
    }
  }

  /** The agent process starts or stops renewing (watching and up). */
  setRenewing(node: SimNode, watching: boolean, up: boolean, nowMs: number): void {
    node.watching = watching;
    node.up = up;
    node.grantStoppedMs = up && watching ? null : (node.grantStoppedMs ?? nowMs);
  }

  setReady(node: SimNode, ready: boolean, nowMs: number): void {
    node.ready = ready;
    this.#availability(node, nowMs);
  }

  #availability(node: SimNode, nowMs: number): void {
    node.core.ready = node.ready;
    node.core.unschedulable = node.unschedulable;
    node.core.cordonedByAgent = node.unschedulable && node.annotations[CORDONED_BY_ANNOTATION] !== undefined;
    this.#listener.changed(nowMs);
  }
}

function setOrDelete(record: Record<string, string>, key: string, value: string | null): void {
  if (value === null) delete record[key];
  else record[key] = value;
}
