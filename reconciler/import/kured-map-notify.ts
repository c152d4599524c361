// kured's notification flags into a policy notification that reads its URL from a Secret. The URL
// itself never goes to a file: the report prints the kubectl command that creates the Secret.
import { found, scalar, setFlag, type MapContext } from './kured-context.ts';
import { parseNotifyUrl } from '../../policy/notify-url.ts';

/** Notification Secrets carry the install settings' name prefix (default `patchwindow-notify-`). */
export const NOTIFY_SECRET = 'patchwindow-notify-kured';
export const NOTIFY_KEY = 'url';

/** kured's default messages (cmd/kured/main.go), with its `%s` as `{node}`. */
export const KURED_TEMPLATES = {
  drain: 'Draining node {node}',
  reboot: 'Rebooting node {node}',
  done: 'Node {node} rebooted & uncordoned successfully!',
} as const;

/** A Go Sprintf template with one string argument (the node name) as a patchwindow template. */
export function convertTemplate(template: string): { text: string; difference?: string } {
  let used = false;
  let difference: string | undefined;
  const text = template.replace(/%(%|[-+# 0]*\d*(?:\.\d+)?[a-zA-Z])/g, (whole, verb: string) => {
    if (verb === '%') return '%';
    if (!used && /[sv]$/.test(verb)) {
      used = true;
      return '{node}';
    }
    difference = `kured printed "${whole}" as %!${verb.at(-1)}(MISSING) or quoted; written as {node}`;
    used = true;
    return '{node}';
  });
  if (!used)
    return {
      text,
      difference:
        'the template has no %s: kured appended "%!(EXTRA string=<node>)"; patchwindow prints the text as written',
    };
  return { text, ...(difference ? { difference } : {}) };
}

function stripQuotes(text: string): string {
  if (text.length > 2 && text[0] === text.at(-1) && (text[0] === '"' || text[0] === "'")) return text.slice(1, -1);
  return text;
}

export function mapNotifications(ctx: MapContext): void {
  const notify = setFlag(ctx, 'notify-url');
  const slack = setFlag(ctx, 'slack-hook-url');
  const useNotify = notify !== undefined && (notify.secretRef !== undefined || scalar(ctx, 'notify-url') !== '');
  const useSlack =
    !useNotify && slack !== undefined && (slack.secretRef !== undefined || scalar(ctx, 'slack-hook-url') !== '');
  for (const name of ['slack-username', 'slack-channel']) {
    if (setFlag(ctx, name))
      found(
        ctx,
        name,
        'not-needed',
        'kured parses it but never uses it; write the channel or user into the URL if the service supports it',
      );
  }
  if (!useNotify && !useSlack) {
    for (const name of ['message-template-drain', 'message-template-reboot', 'message-template-uncordon']) {
      if (setFlag(ctx, name))
        found(ctx, name, 'not-needed', 'kured sends nothing without --notify-url or --slack-hook-url');
    }
    return;
  }
  if (useNotify && slack) found(ctx, 'slack-hook-url', 'not-needed', 'kured ignores it when --notify-url is set');
  const name = useNotify ? 'notify-url' : 'slack-hook-url';
  const flag = (useNotify ? notify : slack)!;
  if (!flag.secretRef) {
    const url = stripQuotes(scalar(ctx, name));
    const problem = useNotify
      ? (parseNotifyUrl(url) as { error?: string }).error
      : /^https:\/\/hooks\.slack\.com\/services\/[^/]+\/[^/]+\/[^/]+$/.test(url)
        ? undefined
        : 'kured expects https://hooks.slack.com/services/A/B/C and sends nothing otherwise';
    if (problem !== undefined) {
      found(ctx, name, 'unmapped', `the URL cannot be used: ${problem}`);
      return;
    }
  }
  const templates: Record<string, string> = {};
  const kuredNames = {
    drain: 'message-template-drain',
    reboot: 'message-template-reboot',
    done: 'message-template-uncordon',
  } as const;
  for (const [event, flagName] of Object.entries(kuredNames)) {
    const converted = convertTemplate(scalar(ctx, flagName));
    templates[event] = converted.text;
    if (setFlag(ctx, flagName))
      found(
        ctx,
        flagName,
        converted.difference ? 'difference' : 'mapped',
        converted.difference ?? '%s becomes {node}',
        `spec.notifications[0].templates.${event}`,
      );
  }
  const origin = flag.origins.find((o) => o.line > 0) ?? flag.origins[0]!;
  const where = flag.secretRef
    ? `key ${flag.secretRef.key} of Secret ${flag.secretRef.namespace}/${flag.secretRef.name}`
    : `${name} at ${origin.file}:${origin.line}`;
  const command = flag.secretRef
    ? `kubectl -n ${flag.secretRef.namespace} get secret ${flag.secretRef.name} -o jsonpath='{.data.${flag.secretRef.key}}' | base64 -d | kubectl -n ${ctx.namespace} create secret generic ${NOTIFY_SECRET} --from-file=${NOTIFY_KEY}=/dev/stdin`
    : `kubectl -n ${ctx.namespace} create secret generic ${NOTIFY_SECRET} --from-file=${NOTIFY_KEY}=/dev/stdin   # paste the ${name} from ${origin.file}:${origin.line}, then Ctrl-D`;
  ctx.secrets.push({ name: NOTIFY_SECRET, key: NOTIFY_KEY, from: where, command });
  ctx.policySpec.notifications = [
    {
      // A kured notify URL is a shoutrrr URL; a Slack hook URL is an https webhook URL.
      format: useNotify ? 'url' : 'slack',
      urlFrom: { secretKeyRef: { name: NOTIFY_SECRET, key: NOTIFY_KEY } },
      events: ['drain', 'reboot', 'done'],
      templates,
    },
  ];
  found(
    ctx,
    name,
    'mapped',
    `the URL goes to Secret ${NOTIFY_SECRET} (key ${NOTIFY_KEY}), never to a file; kured's three messages (drain, reboot, uncordon) are sent, a failed send never holds a reboot`,
    'spec.notifications[0]',
  );
}
