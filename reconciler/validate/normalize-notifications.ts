// Normalizing notifications (pure): events, message templates and their variables.
import type { RebootPolicy } from '../../policy/generated/rebootpolicy.ts';
import { dns1123SubdomainProblem } from '../../policy/labels.ts';
import type { NotificationSpec } from '../../policy/model.ts';
import type { Report } from './normalize-fields.ts';
import { DEFAULT_TEMPLATES, NOTIFY_EVENTS } from '../../policy/notify.ts';
import { showValue, type FieldPath } from '../../policy/diagnostics.ts';

const TEMPLATE_VARIABLES = ['node', 'policy', 'pool', 'event', 'reason'];

/**
 * Notifications; their Secrets must carry the install settings' name prefix, so that a policy can
 * never point the agents' Role at another Secret of the namespace.
 */
export function notifications(
  report: Report,
  written: RebootPolicy['spec']['notifications'],
  secretPrefix: string,
): NotificationSpec[] {
  return (written ?? []).map((n, i) => {
    const at: FieldPath = ['spec', 'notifications', i];
    const ref = n.urlFrom.secretKeyRef;
    const p = dns1123SubdomainProblem(ref.name);
    if (p) report.error([...at, 'urlFrom', 'secretKeyRef', 'name'], `${showValue(ref.name)} ${p}`, 'name');
    else if (!ref.name.startsWith(secretPrefix)) {
      report.error(
        [...at, 'urlFrom', 'secretKeyRef', 'name'],
        `${showValue(ref.name)} does not start with ${showValue(secretPrefix)}: the agents may read only notification Secrets named so (install settings notificationSecrets.namePrefix); rename the Secret, e.g. ${showValue(`${secretPrefix}${ref.name}`)}`,
        'secret-prefix',
      );
    }
    if (!/^[-._a-zA-Z0-9]+$/.test(ref.key)) {
      report.error(
        [...at, 'urlFrom', 'secretKeyRef', 'key'],
        `${showValue(ref.key)} is not a Secret key; use letters, digits, "-", "_" and "."`,
        'name',
      );
    }
    const templates = { ...DEFAULT_TEMPLATES, ...(n.templates ?? {}) };
    for (const [event, text] of Object.entries(n.templates ?? {}) as [string, string][]) {
      for (const match of text.matchAll(/\{([^}]*)\}/g)) {
        if (!TEMPLATE_VARIABLES.includes(match[1]!)) {
          report.error(
            [...at, 'templates', event],
            `{${match[1]!}} is not a template variable; use ${TEMPLATE_VARIABLES.map((v) => `{${v}}`).join(', ')}`,
            'template',
          );
        }
      }
    }
    return {
      format: n.format,
      secretKeyRef: { name: ref.name, key: ref.key },
      events: n.events ? [...new Set(n.events)] : [...NOTIFY_EVENTS],
      templates,
    };
  });
}
