// Notification URLs as kured's users write them (shoutrrr's URL formats, containrrr.dev/shoutrrr):
// what each says to send where, and the request that sends a message over each service's documented
// webhook API. Pure: parsing and request building only; adapters do the sending.
import { serviceUrl, type NotifyTarget, type ServiceUrl } from './notify-url-parts.ts';
import { slack, teams, discord, chatHook, googlechat, telegram, generic, smtp } from './notify-url-services.ts';
export type { HttpMessage, HttpTarget, NotifyTarget, SmtpTarget } from './notify-url-parts.ts';

/** Services a notification URL may name. */
export const NOTIFY_URL_SCHEMES = [
  'slack',
  'teams',
  'discord',
  'mattermost',
  'googlechat',
  'rocketchat',
  'telegram',
  'generic',
  'generic+https',
  'generic+http',
  'smtp',
] as const;

/** What the URL says to send where, or why it cannot be used (the message never repeats the URL: it holds secrets). */
export function parseNotifyUrl(text: string): { target: NotifyTarget } | { error: string } {
  const trimmed = text.trim();
  const scheme = /^([a-z+]+):\/\//i.exec(trimmed)?.[1]?.toLowerCase();
  if (scheme === undefined || !(NOTIFY_URL_SCHEMES as readonly string[]).includes(scheme)) {
    return {
      error: `${scheme === undefined ? 'it is not a URL' : `the service "${scheme}" is not supported`}; use one of ${NOTIFY_URL_SCHEMES.map((s) => `${s}://`).join(', ')}`,
    };
  }
  let u: ServiceUrl;
  try {
    u = serviceUrl(trimmed.slice(scheme.length + 3));
  } catch {
    return { error: `it is not a well-formed ${scheme}:// URL (check for unescaped characters such as # or spaces)` };
  }
  const result =
    scheme === 'slack'
      ? slack(u)
      : scheme === 'teams'
        ? teams(u)
        : scheme === 'discord'
          ? discord(u)
          : scheme === 'mattermost' || scheme === 'rocketchat'
            ? chatHook(u, scheme)
            : scheme === 'googlechat'
              ? googlechat(u)
              : scheme === 'telegram'
                ? telegram(u)
                : scheme === 'smtp'
                  ? smtp(u)
                  : generic(u, scheme);
  return typeof result === 'string' ? { error: result } : { target: result };
}
