import { parseAllDocuments, stringify } from 'yaml';

/**
 * Node annotation that makes kwok report the node NotReady (value "true"), like a kubelet that
 * is up but not ready, e.g. right after a reboot. Removing it (or any other value) makes kwok's
 * node-initialize stage report Ready again.
 *
 * Why not just patch the Ready condition: kwok's upstream `node-initialize` stage matches every
 * node whose Ready condition is not True and immediately writes Ready=True back, and kwok keeps
 * renewing the node's Lease, so a hand-written NotReady status is overwritten within
 * milliseconds. The annotation switches the stages instead (see composeKwokStages).
 */
export const NOT_READY_ANNOTATION = 'testenv.patchwindow.dev/not-ready';

interface Selector {
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}
interface StageDoc {
  kind?: string;
  metadata?: { name?: string };
  spec?: { selector?: Selector };
}

const annotationKey = `.metadata.annotations["${NOT_READY_ANNOTATION}"]`;

/** Reports Ready=False (reason KubeletNotReady) for annotated nodes; other conditions as kwok's defaults. */
const notReadyStage = {
  apiVersion: 'kwok.x-k8s.io/v1alpha1',
  kind: 'Stage',
  metadata: { name: 'testenv-node-not-ready' },
  spec: {
    resourceRef: { apiGroup: 'v1', kind: 'Node' },
    selector: {
      matchExpressions: [
        { key: annotationKey, operator: 'In', values: ['true'] },
        // Not already False: without this the stage would match its own result again and loop.
        { key: '.status.conditions.[] | select( .type == "Ready" ) | .status', operator: 'NotIn', values: ['False'] },
      ],
    },
    next: {
      statusTemplate: [
        '{{ $now := Now }}',
        'conditions:',
        '{{ range NodeConditions }}',
        '{{ if eq .type "Ready" }}',
        '- lastHeartbeatTime: {{ $now | Quote }}',
        '  lastTransitionTime: {{ $now | Quote }}',
        '  message: "testenv: simulated NotReady (annotation ' + NOT_READY_ANNOTATION + ')"',
        '  reason: KubeletNotReady',
        '  status: "False"',
        '  type: Ready',
        '{{ else }}',
        '- lastHeartbeatTime: {{ $now | Quote }}',
        '  lastTransitionTime: {{ $now | Quote }}',
        '  message: {{ .message | Quote }}',
        '  reason: {{ .reason | Quote }}',
        '  status: {{ .status | Quote }}',
        '  type: {{ .type | Quote }}',
        '{{ end }}',
        '{{ end }}',
        '',
      ].join('\n'),
    },
  },
};

interface NodeStageDoc extends StageDoc {
  spec?: { resourceRef?: { kind?: string }; selector?: Selector };
}

/**
 * Turns the upstream stage file (build.sh copies kwok's node-initialize, node-heartbeat-with-lease,
 * pod-ready, pod-complete, pod-delete) into the one the harness runs: every upstream Node stage
 * skips nodes annotated NOT_READY_ANNOTATION=true, and testenv-node-not-ready reports them NotReady.
 * The selectors must be mutually exclusive: when several stages match, kwok picks one at random
 * (equal weights), and picking node-heartbeat-with-lease would delay the NotReady by ~10 minutes.
 * Pure: same input, same output.
 */
export function composeKwokStages(upstreamYaml: string): string {
  const docs = parseAllDocuments(upstreamYaml)
    .map((d) => d.toJS() as NodeStageDoc | null)
    .filter((d): d is NodeStageDoc => d !== null && d.kind === 'Stage');
  const nodeStages = docs.filter((d) => d.spec?.resourceRef?.kind === 'Node');
  if (!nodeStages.some((d) => d.metadata?.name === 'node-initialize')) {
    throw new Error('testenv: kwok stages file has no node-initialize stage; rebuild with test/testenv/build.sh');
  }
  for (const { spec } of nodeStages) {
    if (spec === undefined) continue;
    const selector = (spec.selector ??= {});
    (selector.matchExpressions ??= []).push({ key: annotationKey, operator: 'NotIn', values: ['true'] });
  }
  return [...docs, notReadyStage].map((d) => stringify(d, { blockQuote: 'literal', lineWidth: 0 })).join('---\n');
}
