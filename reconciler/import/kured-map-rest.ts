// kured's budget, blockers, node labels, lock and process flags, and where its pods ran.
import { changed, fail, found, list, scalar, setFlag, put, type MapContext } from './kured-context.ts';
import { parseGoDuration, parseGoInt } from './go-values.ts';
import { parseSelector } from './selector.ts';

export function mapBudgetAndBlockers(ctx: MapContext): void {
  const spec = ctx.policySpec;
  const concurrency = parseGoInt(scalar(ctx, 'concurrency')) ?? 1;
  if (concurrency < 1) fail(ctx, 'concurrency', `${concurrency}: kured needs at least 1`);
  else {
    spec.maxUnavailable = concurrency;
    if (setFlag(ctx, 'concurrency'))
      found(
        ctx,
        'concurrency',
        'difference',
        'kured counted only nodes holding its lock; patchwindow also counts nodes already NotReady or cordoned, so a node down for another reason uses the budget',
        'spec.maxUnavailable',
      );
  }
  const selectors = list(ctx, 'blocking-pod-selector');
  if (selectors.length > 0) {
    const pods: unknown[] = [];
    for (const text of selectors) {
      const parsed = parseSelector(text);
      if ('error' in parsed) fail(ctx, 'blocking-pod-selector', parsed.error);
      else pods.push({ selector: parsed.selector });
    }
    put(spec, 'blockers.pods', pods);
    found(
      ctx,
      'blocking-pod-selector',
      'mapped',
      'a running pod on the node matching any selector (requirements within one ANDed) holds its reboot, in every namespace',
      'spec.blockers.pods',
    );
  }
  const url = scalar(ctx, 'prometheus-url');
  if (url !== '') {
    put(spec, 'blockers.alerts.prometheusUrl', url);
    found(
      ctx,
      'prometheus-url',
      'difference',
      'any active alert holds every node, as in kured; patchwindow reads /api/v1/alerts where kured queried ALERTS (same alerts), and an unreachable Prometheus blocks in both',
      'spec.blockers.alerts.prometheusUrl',
    );
    const filter = scalar(ctx, 'alert-filter-regexp');
    if (filter !== '') {
      put(spec, 'blockers.alerts.filter', filter);
      found(
        ctx,
        'alert-filter-regexp',
        'mapped',
        'matching alert names are ignored (or, with match-only, are the only ones that block); a Go regexp read as a JavaScript one, the same for ordinary patterns',
        'spec.blockers.alerts.filter',
      );
    }
    if (scalar(ctx, 'alert-filter-match-only') === 'true') put(spec, 'blockers.alerts.filterMatchOnly', true);
    if (setFlag(ctx, 'alert-filter-match-only'))
      found(ctx, 'alert-filter-match-only', 'mapped', 'same meaning', 'spec.blockers.alerts.filterMatchOnly');
    if (scalar(ctx, 'alert-firing-only') === 'true') put(spec, 'blockers.alerts.firingOnly', true);
    if (setFlag(ctx, 'alert-firing-only'))
      found(ctx, 'alert-firing-only', 'mapped', 'pending alerts do not block', 'spec.blockers.alerts.firingOnly');
  } else {
    for (const name of ['alert-filter-regexp', 'alert-filter-match-only', 'alert-firing-only']) {
      if (changed(ctx, name)) found(ctx, name, 'not-needed', 'kured ignores it without --prometheus-url');
    }
  }
}

function labels(ctx: MapContext, name: string): Record<string, string> | undefined {
  const out: Record<string, string> = {};
  for (const item of list(ctx, name)) {
    const eq = item.indexOf('=');
    if (eq <= 0) {
      fail(ctx, name, `"${item}" is not key=value (kured would crash on it)`);
      return undefined;
    }
    out[item.slice(0, eq)] = item.slice(eq + 1).split('=')[0]!;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}

export function mapLabels(ctx: MapContext): void {
  const pre = labels(ctx, 'pre-reboot-node-labels');
  const post = labels(ctx, 'post-reboot-node-labels');
  if (pre) {
    put(ctx.policySpec, 'nodeLabels.preReboot', pre);
    found(
      ctx,
      'pre-reboot-node-labels',
      'difference',
      'set before the cordon as in kured; patchwindow also removes them after the reboot (kured left them until post-reboot labels overwrote the same keys)',
      'spec.nodeLabels.preReboot',
    );
  }
  if (post) {
    put(ctx.policySpec, 'nodeLabels.postReboot', post);
    found(
      ctx,
      'post-reboot-node-labels',
      'difference',
      'set after a successful reboot, also when the node was cordoned by an admin (kured skipped them then)',
      'spec.nodeLabels.postReboot',
    );
  }
}

export function mapProcess(ctx: MapContext): void {
  if (setFlag(ctx, 'node-id'))
    found(ctx, 'node-id', 'not-needed', 'patchwindow agents learn their node from the downward API');
  for (const name of ['ds-name', 'ds-namespace', 'lock-annotation']) {
    if (setFlag(ctx, name))
      found(
        ctx,
        name,
        'not-needed',
        "kured's lock lived in an annotation of its DaemonSet; patchwindow grants slots with Leases. Remove the annotation when you uninstall kured (docs/from-kured.md)",
      );
  }
  if (setFlag(ctx, 'period'))
    found(
      ctx,
      'period',
      'difference',
      `not carried over: patchwindow hands a freed slot to the next node by watch within a second instead of every ${scalar(ctx, 'period')}; if the period spaced reboots out, lower maxUnavailable or use a narrower window`,
    );
  const ttl = parseGoDuration(scalar(ctx, 'lock-ttl')) ?? 0;
  if (ttl > 0)
    found(
      ctx,
      'lock-ttl',
      'difference',
      'not carried over: a grant is never taken from a node that may still act (that is how kured reboots two nodes at once); a deleted node frees its grant, and a stuck one is visible in `patchwindow status`',
    );
  if ((parseGoDuration(scalar(ctx, 'lock-release-delay')) ?? 0) > 0)
    found(
      ctx,
      'lock-release-delay',
      'unmapped',
      'patchwindow frees the slot once the node is back; to space reboots out, lower maxUnavailable, gate on an alert that fires while workloads recover, or narrow the window',
    );
  if (scalar(ctx, 'annotate-nodes') === 'true')
    found(
      ctx,
      'annotate-nodes',
      'difference',
      'patchwindow always records its state on the Node (its own annotation); the weave.works/kured-* annotations are not written, so tools that read them must read `patchwindow status` instead',
    );
  if (scalar(ctx, 'prefer-no-schedule-taint') !== '')
    found(
      ctx,
      'prefer-no-schedule-taint',
      'unmapped',
      'patchwindow does not taint nodes that wait for a slot; nodes wait uncordoned and untainted until granted',
    );
  if (setFlag(ctx, 'log-format')?.origins.some((o) => o.line > 0)) {
    const format = scalar(ctx, 'log-format');
    ctx.fleetSpec.agent = { ...(ctx.fleetSpec.agent as object), logFormat: format === 'json' ? 'json' : 'text' };
    found(
      ctx,
      'log-format',
      'mapped',
      `agents log ${format === 'json' ? 'JSON lines' : 'plain text like kured'}`,
      'Fleet spec.agent.logFormat',
    );
  }
  if (changed(ctx, 'metrics-port')) {
    ctx.fleetSpec.agent = { ...(ctx.fleetSpec.agent as object), metricsPort: parseGoInt(scalar(ctx, 'metrics-port')) };
    found(
      ctx,
      'metrics-port',
      'difference',
      'the agents serve /metrics and /healthz on this port; kured_reboot_required becomes patchwindow_reboot_required (see docs/from-kured.md for the metrics)',
      'Fleet spec.agent.metricsPort',
    );
  } else if (setFlag(ctx, 'metrics-port')?.origins.some((o) => o.line > 0))
    found(
      ctx,
      'metrics-port',
      'difference',
      "kured's default 8080; patchwindow agents use their default 9464 (change your scrape config)",
    );
  if (scalar(ctx, 'metrics-host') !== '')
    found(ctx, 'metrics-host', 'not-needed', 'patchwindow agents listen on the pod IP');
}

export function mapPod(ctx: MapContext, policyName: string): void {
  const { nodeSelector, tolerations, affinity } = ctx.pod;
  if (nodeSelector && Object.keys(nodeSelector.value).length > 0) {
    ctx.policySpec.nodeSelector = { matchLabels: { ...nodeSelector.value } };
    ctx.findings.push({
      key: nodeSelector.origin.field,
      origin: nodeSelector.origin,
      verdict: 'mapped',
      to: 'spec.nodeSelector',
      note: 'the policy takes the nodes kured ran on',
    });
  } else {
    ctx.fleetSpec.defaultPolicy = policyName;
  }
  if (tolerations) {
    ctx.fleetSpec.agent = { ...(ctx.fleetSpec.agent as object), tolerations: tolerations.value };
    ctx.findings.push({
      key: tolerations.origin.field,
      origin: tolerations.origin,
      verdict: 'mapped',
      to: 'Fleet spec.agent.tolerations',
      note: "kept, so agents run (and nodes reboot) only where kured ran; patchwindow's default tolerates every taint",
    });
  }
  if (affinity)
    ctx.findings.push({
      key: affinity.origin.field,
      origin: affinity.origin,
      verdict: 'unmapped',
      note: "node affinity is not converted: write the nodes it selects as the policy's nodeSelector (or nodePools with --pool-label)",
    });
}
