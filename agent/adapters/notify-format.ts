// What a notification says and how each receiver wants it (pure): the policy's template for the
// event with its variables filled in, wrapped as Slack, Microsoft Teams or generic webhook JSON.
import type { NotificationSpec, NotifyEvent } from '../../policy/model.ts';

/** The node the agent runs for: fills `{node}`, `{policy}` and `{pool}`. */
export interface NotifyContext {
  readonly node: string;
  readonly policy: string;
  /** The node's pool (value of the fleet's poolLabel); empty when the node has none. */
  readonly pool: string;
}

export interface TemplateVars extends NotifyContext {
  readonly event: NotifyEvent;
  readonly reason: string;
}

const VARIABLE = /\{(node|policy|pool|event|reason)\}/g;

/** Replaces `{node}`, `{policy}`, `{pool}`, `{event}` and `{reason}`; other text stays as written. */
export function renderTemplate(template: string, vars: TemplateVars): string {
  return template.replace(VARIABLE, (_, name: keyof TemplateVars) => vars[name]);
}

/** The JSON body to post for one event to the receiver the spec names. */
export function webhookBody(
  spec: Pick<NotificationSpec, 'format' | 'templates'>,
  context: NotifyContext,
  event: NotifyEvent,
  reason: string,
  nowMs: number,
): unknown {
  const text = renderTemplate(spec.templates[event], { ...context, event, reason });
  switch (spec.format) {
    case 'slack':
      // Slack incoming webhook: plain `text` (mrkdwn) is enough and renders everywhere.
      return { text };
    case 'teams':
      // Teams Workflows ("Post to a channel when a webhook request is received") expects a message
      // carrying an Adaptive Card; the retired Office 365 connector's MessageCard is not accepted.
      return {
        type: 'message',
        attachments: [
          {
            contentType: 'application/vnd.microsoft.card.adaptive',
            content: {
              type: 'AdaptiveCard',
              $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
              version: '1.4',
              body: [{ type: 'TextBlock', text, wrap: true }],
            },
          },
        ],
      };
    case 'webhook':
      return {
        event,
        node: context.node,
        policy: context.policy,
        pool: context.pool,
        text,
        time: new Date(nowMs).toISOString(),
      };
  }
}
