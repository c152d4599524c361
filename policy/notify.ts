// The notification vocabulary of the model: which events a notification can announce and what each
// says unless the policy sets its own template.
import type { NotifyEvent } from './model.ts';

export const NOTIFY_EVENTS: readonly NotifyEvent[] = ['drain', 'reboot', 'done', 'failed'];
export const DEFAULT_TEMPLATES: Readonly<Record<NotifyEvent, string>> = {
  drain: 'Draining node {node} ({policy})',
  reboot: 'Rebooting node {node} ({policy})',
  done: 'Node {node} rebooted and back in service ({policy})',
  failed: 'Reboot of node {node} failed: {reason} ({policy})',
};
