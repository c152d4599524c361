// The parts every notification URL service shares (pure): the request and mail shapes, the URL's
// parts split as shoutrrr reads them, and small readers of its query.

/** An HTTP request that posts one message. */
export interface HttpMessage {
  readonly url: string;
  readonly method: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** Mail settings of an smtp:// URL. */
export interface SmtpTarget {
  readonly kind: 'smtp';
  readonly host: string;
  readonly port: number;
  readonly username: string;
  readonly password: string;
  readonly from: string;
  readonly fromName: string;
  readonly to: readonly string[];
  readonly subject: string;
  /** `implicit`: TLS from the first byte (port 465); `starttls`: upgrade if offered (required unless starttls=no); `none`. */
  readonly encryption: 'implicit' | 'starttls' | 'none';
}

export interface HttpTarget {
  readonly kind: 'http';
  readonly service: string;
  /** The requests for one message (telegram sends one per chat). */
  readonly messages: (text: string, title: string) => readonly HttpMessage[];
}

export type NotifyTarget = HttpTarget | SmtpTarget;

export const json = (url: string, body: unknown, headers: Record<string, string> = {}): HttpMessage => ({
  url,
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
});

/**
 * The parts of a service URL. The authority is split by hand: WHATWG URL would read an all-digit
 * host (a Discord webhook id) as an IPv4 number; path and query are read by URL.
 */
export interface ServiceUrl {
  readonly username: string;
  readonly password: string;
  /** As written (case kept). */
  readonly hostname: string;
  readonly port: string;
  /** hostname[:port] */
  readonly host: string;
  readonly pathname: string;
  readonly search: string;
  readonly searchParams: URLSearchParams;
}

export function serviceUrl(rest: string): ServiceUrl {
  const end = rest.search(/[/?#]/);
  const authority = end < 0 ? rest : rest.slice(0, end);
  const tail = new URL(`http://h${end < 0 ? '' : rest.slice(end)}`);
  const at = authority.lastIndexOf('@');
  const userinfo = at < 0 ? '' : authority.slice(0, at);
  const hostport = at < 0 ? authority : authority.slice(at + 1);
  const colon = userinfo.indexOf(':');
  const m = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostport);
  if (!m || /[\s]/.test(authority)) throw new Error('malformed authority');
  return {
    username: colon < 0 ? userinfo : userinfo.slice(0, colon),
    password: colon < 0 ? '' : userinfo.slice(colon + 1),
    hostname: m[1]!,
    port: m[2] ?? '',
    host: hostport,
    pathname: tail.pathname === '/' && end < 0 ? '' : tail.pathname,
    search: tail.search,
    searchParams: tail.searchParams,
  };
}

export const enc = encodeURIComponent;
export const parts = (u: ServiceUrl): string[] =>
  u.pathname
    .split('/')
    .filter((p) => p !== '')
    .map(decodeURIComponent);
export const query = (u: ServiceUrl, ...keys: string[]): string | undefined => {
  for (const [k, v] of u.searchParams) if (keys.includes(k.toLowerCase())) return v;
  return undefined;
};
export const no = (value: string | undefined): boolean => value !== undefined && /^(no|false|0)$/i.test(value);
export const yes = (value: string | undefined): boolean => value !== undefined && /^(yes|true|1)$/i.test(value);
export const iconField = (icon: string | undefined): Record<string, string> =>
  icon ? (/^https?:\/\//.test(icon) ? { icon_url: icon } : { icon_emoji: icon }) : {};
