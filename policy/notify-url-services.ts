// One builder per notification URL service (pure): what each URL says to send where, and the
// request each service's webhook API documents (containrrr.dev/shoutrrr for the URL formats).
import {
  enc,
  iconField,
  json,
  no,
  parts,
  query,
  yes,
  type HttpTarget,
  type SmtpTarget,
  type ServiceUrl,
} from './notify-url-parts.ts';

export function slack(u: ServiceUrl): HttpTarget | string {
  const user = decodeURIComponent(u.username);
  const pass = decodeURIComponent(u.password);
  const botname = query(u, 'botname', 'username');
  const extra = { ...(botname ? { username: botname } : {}), ...iconField(query(u, 'icon', 'icon_emoji', 'icon_url')) };
  if (user === 'xoxb' || user === 'xoxp') {
    // Bot API: chat.postMessage with the token as a bearer, the channel in the host part.
    const token = `${user}-${pass}`;
    return {
      kind: 'http',
      service: 'slack',
      messages: (text) => [
        json(
          'https://slack.com/api/chat.postMessage',
          { channel: u.hostname, text, ...extra },
          { authorization: `Bearer ${token}` },
        ),
      ],
    };
  }
  // Incoming webhook: hook:A-B-C@webhook, or the older A/B/C (kured's converted --slack-hook-url), optionally botname@A/B/C.
  const tokens = user === 'hook' ? pass.split('-') : [u.hostname, ...parts(u)];
  if (tokens.length !== 3 || tokens.some((t) => !/^[A-Za-z0-9]+$/.test(t)))
    return 'a Slack URL is slack://hook:A-B-C@webhook, slack://A/B/C (the three parts of the hooks.slack.com/services/ path) or slack://xoxb:TOKEN@CHANNEL';
  const name = user !== 'hook' && user !== '' ? { username: user } : {};
  return {
    kind: 'http',
    service: 'slack',
    messages: (text) => [json(`https://hooks.slack.com/services/${tokens.join('/')}`, { text, ...name, ...extra })],
  };
}

export function teams(u: ServiceUrl): HttpTarget | string {
  const host = query(u, 'host');
  const [altId, groupOwner] = parts(u);
  const group = decodeURIComponent(u.username);
  if (!host || !group || !altId || !groupOwner)
    return 'a Teams URL is teams://GROUP@TENANT/ALTID/GROUPOWNER?host=ORG.webhook.office.com (from the webhook URL https://ORG.webhook.office.com/webhookb2/GROUP@TENANT/IncomingWebhook/ALTID/GROUPOWNER)';
  const title = query(u, 'title');
  const color = query(u, 'color');
  const url = `https://${host}/webhookb2/${enc(group)}@${u.hostname}/IncomingWebhook/${enc(altId)}/${enc(groupOwner)}`;
  // The Office 365 connector card format (MessageCard) these webhooks take.
  return {
    kind: 'http',
    service: 'teams',
    messages: (text, t) => [
      json(url, {
        '@type': 'MessageCard',
        '@context': 'http://schema.org/extensions',
        summary: text,
        text,
        ...(title || t ? { title: title ?? t } : {}),
        ...(color ? { themeColor: color } : {}),
      }),
    ],
  };
}

export function discord(u: ServiceUrl): HttpTarget | string {
  const token = decodeURIComponent(u.username);
  if (!token || !/^\d+$/.test(u.hostname))
    return 'a Discord URL is discord://TOKEN@WEBHOOKID (from https://discord.com/api/webhooks/WEBHOOKID/TOKEN)';
  const username = query(u, 'username');
  const avatar = query(u, 'avatar', 'avatarurl');
  return {
    kind: 'http',
    service: 'discord',
    messages: (text) => [
      json(`https://discord.com/api/webhooks/${u.hostname}/${enc(token)}`, {
        content: text,
        ...(username ? { username } : {}),
        ...(avatar ? { avatar_url: avatar } : {}),
      }),
    ],
  };
}

export function chatHook(u: ServiceUrl, service: 'mattermost' | 'rocketchat'): HttpTarget | string {
  const p = parts(u);
  const tokenParts = service === 'rocketchat' ? 2 : 1;
  if (!u.hostname || p.length < tokenParts || p.length > tokenParts + 1) {
    return service === 'mattermost'
      ? 'a Mattermost URL is mattermost://[USER@]HOST[:PORT]/TOKEN[/CHANNEL]'
      : 'a Rocket.Chat URL is rocketchat://[USER@]HOST[:PORT]/TOKENA/TOKENB[/CHANNEL or /@USER]';
  }
  const user = decodeURIComponent(u.username);
  const channel = p[tokenParts];
  const url = `https://${u.host}/hooks/${p.slice(0, tokenParts).map(enc).join('/')}`;
  const extra = {
    ...(user ? { username: user } : {}),
    ...(channel ? { channel: service === 'rocketchat' && !channel.startsWith('@') ? `#${channel}` : channel } : {}),
    ...(service === 'mattermost' ? iconField(query(u, 'icon', 'icon_emoji', 'icon_url')) : {}),
  };
  return { kind: 'http', service, messages: (text) => [json(url, { text, ...extra })] };
}

export function googlechat(u: ServiceUrl): HttpTarget | string {
  if (!u.searchParams.has('key') || !u.searchParams.has('token'))
    return 'a Google Chat URL is the webhook URL with https replaced by googlechat: googlechat://chat.googleapis.com/v1/spaces/SPACE/messages?key=KEY&token=TOKEN';
  const url = `https://${u.host}${u.pathname}${u.search}`;
  return { kind: 'http', service: 'googlechat', messages: (text) => [json(url, { text })] };
}

export function telegram(u: ServiceUrl): HttpTarget | string {
  const token = `${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`;
  const chats = (query(u, 'chats', 'channels') ?? '').split(',').filter((c) => c !== '');
  if (!u.username || !u.password || chats.length === 0)
    return 'a Telegram URL is telegram://BOTTOKEN@telegram?chats=CHAT[,CHAT...] (the bot token has the form 110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw)';
  const parseMode = query(u, 'parsemode');
  const options = {
    ...(no(query(u, 'notification')) ? { disable_notification: true } : {}),
    ...(no(query(u, 'preview')) ? { disable_web_page_preview: true } : {}),
    ...(parseMode && parseMode.toLowerCase() !== 'none'
      ? {
          parse_mode:
            parseMode.toLowerCase() === 'markdownv2'
              ? 'MarkdownV2'
              : parseMode.toLowerCase() === 'html'
                ? 'HTML'
                : 'Markdown',
        }
      : {}),
  };
  return {
    kind: 'http',
    service: 'telegram',
    messages: (text) =>
      chats.map((chat) => {
        const [chatId, thread] = chat.split(':');
        return json(`https://api.telegram.org/bot${token}/sendMessage`, {
          chat_id: chatId,
          text,
          ...(thread ? { message_thread_id: Number(thread) } : {}),
          ...options,
        });
      }),
  };
}

export function generic(u: ServiceUrl, scheme: string): HttpTarget | string {
  if (scheme !== 'generic') {
    // generic+https://host/path?q: the target URL as written, its query forwarded untouched.
    const url = `${scheme.slice('generic+'.length)}://${u.host}${u.pathname}${u.search}`;
    return {
      kind: 'http',
      service: 'generic',
      messages: (text) => [{ url, method: 'POST', headers: { 'content-type': 'application/json' }, body: text }],
    };
  }
  if (!u.host)
    return 'a generic URL is generic://HOST[:PORT]/PATH[?template=json&disabletls=yes] or generic+https://HOST/PATH';
  const headers: Record<string, string> = { 'content-type': query(u, 'contenttype') ?? 'application/json' };
  const extra: Record<string, string> = {};
  const forward = new URLSearchParams();
  const own = ['template', 'contenttype', 'disabletls', 'title', 'titlekey', 'messagekey', 'method'];
  for (const [k, v] of u.searchParams) {
    // @acceptLanguage=x becomes the header Accept-Language: x; a name with dashes stays as written.
    if (k.startsWith('@'))
      headers[(k.includes('-') ? k.slice(1) : k.slice(1).replace(/([a-z0-9])([A-Z])/g, '$1-$2')).toLowerCase()] = v;
    else if (k.startsWith('$')) extra[k.slice(1)] = v;
    else if (!own.includes(k.toLowerCase())) forward.append(k, v);
  }
  const qs = forward.toString();
  const url = `${yes(query(u, 'disabletls')) ? 'http' : 'https'}://${u.host}${u.pathname}${qs ? `?${qs}` : ''}`;
  const template = query(u, 'template');
  if (template !== undefined && template.toLowerCase() !== 'json')
    return `template=${template}: only template=json is known`;
  const method = (query(u, 'method') ?? 'POST').toUpperCase();
  return {
    kind: 'http',
    service: 'generic',
    messages: (text, title) => [
      {
        url,
        method,
        headers,
        body: template
          ? JSON.stringify({
              ...extra,
              [query(u, 'titlekey') ?? 'title']: query(u, 'title') ?? title,
              [query(u, 'messagekey') ?? 'message']: text,
            })
          : text,
      },
    ],
  };
}

export function smtp(u: ServiceUrl): SmtpTarget | string {
  const from = query(u, 'fromaddress', 'from');
  const to = (query(u, 'toaddresses', 'to') ?? '').split(',').filter((a) => a !== '');
  if (!u.hostname || !from || to.length === 0)
    return 'an e-mail URL is smtp://USER:PASSWORD@HOST:PORT/?from=FROM&to=TO[,TO...]';
  const port = u.port ? Number(u.port) : 25;
  const encryption = (query(u, 'encryption') ?? 'auto').toLowerCase();
  const implicit = encryption === 'implicittls' || encryption === 'implicit' || (encryption === 'auto' && port === 465);
  return {
    kind: 'smtp',
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port,
    username: decodeURIComponent(u.username),
    password: decodeURIComponent(u.password),
    from,
    fromName: query(u, 'fromname') ?? '',
    to,
    subject: query(u, 'subject', 'title') ?? 'Shoutrrr Notification',
    encryption: implicit
      ? 'implicit'
      : encryption === 'none' || no(query(u, 'usestarttls', 'starttls'))
        ? 'none'
        : 'starttls',
  };
}
