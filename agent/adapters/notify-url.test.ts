// Notification URLs as kured's users write them, each sent to a real loopback server that checks the
// request the service documents (path, method, headers, JSON fields), and e-mail to a real SMTP
// server on loopback. Services on fixed public hosts (hooks.slack.com, discord.com, ...) are
// reached through a fetch that sends the very same request to the loopback server instead, keeping
// the original host in a header so the test can check it.
import { afterEach, describe, expect, it } from 'vitest';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';
import type { AddressInfo } from 'node:net';
import type { NotificationSpec } from '../../policy/model.ts';
import { startLoopback, type Loopback, type Reply } from '../../test/helpers/loopback.ts';
import { URL_UNUSABLE, urlNotifier } from './notify-url.ts';
import { policyNotifier, type SpecNotifierOptions } from './notify.ts';

const KURED = {
  drain: 'Draining node {node}',
  reboot: 'Rebooting node {node}',
  done: 'Node {node} rebooted & uncordoned successfully!',
  failed: 'Reboot of node {node} failed: {reason}',
};
const context = { node: 'aks-nodepool1-12345678-vmss000003', policy: 'kured', pool: 'nodepool1' };
const servers: { close(): Promise<void> }[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function receiver(reply: (i: number) => Reply = () => ({ status: 200, body: '{"ok":true}' })): Promise<Loopback> {
  const server = await startLoopback((i) => reply(i));
  servers.push(server);
  return server;
}

/** fetch that delivers each request to `server`, path and query unchanged, original host in x-original-host. */
function via(server: Loopback): typeof fetch {
  return (input, init) => {
    const original = new URL(input instanceof Request ? input.url : input.toString());
    const headers = {
      ...(init?.headers as Record<string, string>),
      'x-original-host': original.host,
      'x-original-scheme': original.protocol,
    };
    return fetch(`${server.url}${original.pathname}${original.search}`, { ...init, headers });
  };
}

function options(
  url: string,
  overrides: Partial<SpecNotifierOptions> = {},
): SpecNotifierOptions & { errors: string[] } {
  const errors: string[] = [];
  const spec = {
    format: 'url',
    secretKeyRef: { name: 'patchwindow-notify-kured', key: 'url' },
    events: ['drain', 'reboot', 'done'],
    templates: KURED,
  } as unknown as NotificationSpec;
  return {
    spec,
    context,
    resolveUrl: () => Promise.resolve(url),
    clock: { now: () => 0, sleep: () => Promise.resolve() },
    onError: (m) => void errors.push(m),
    errors,
    ...overrides,
  };
}

async function sendVia(
  url: string,
  event: 'drain' | 'reboot' | 'done' = 'drain',
): Promise<{ server: Loopback; errors: string[] }> {
  const server = await receiver();
  const o = options(url, { fetch: via(server) });
  await urlNotifier(o).send(event, '');
  return { server, errors: o.errors };
}

const one = (server: Loopback) => {
  expect(server.requests).toHaveLength(1);
  const r = server.requests[0]!;
  return {
    method: r.method,
    host: r.headers['x-original-host'],
    scheme: r.headers['x-original-scheme'],
    path: r.path,
    type: r.headers['content-type'],
    json: r.headers['content-type'] === 'application/json' ? (JSON.parse(r.body) as unknown) : r.body,
    auth: r.headers.authorization,
  };
};

describe('notification URLs reach each service as it documents', () => {
  it('slack:// webhook (kured: slack://A/B/C from --slack-hook-url) posts {text} to hooks.slack.com/services/A/B/C', async () => {
    const { server, errors } = await sendVia('slack://T0ABCDEF/B0GHIJKL/xYzSeCrEt123');
    expect(one(server)).toMatchObject({
      method: 'POST',
      host: 'hooks.slack.com',
      scheme: 'https:',
      path: '/services/T0ABCDEF/B0GHIJKL/xYzSeCrEt123',
      type: 'application/json',
      json: { text: `Draining node ${context.node}` },
    });
    expect(errors).toEqual([]);
  });
  it('slack://hook:A-B-C@webhook with a bot name', async () => {
    const { server } = await sendVia('slack://hook:T0ABCDEF-B0GHIJKL-xYzSeCrEt123@webhook?botname=kured');
    expect(one(server)).toMatchObject({
      path: '/services/T0ABCDEF/B0GHIJKL/xYzSeCrEt123',
      json: { text: `Draining node ${context.node}`, username: 'kured' },
    });
  });
  it('slack://xoxb:TOKEN@CHANNEL uses chat.postMessage with a bearer token', async () => {
    const { server } = await sendVia('slack://xoxb:1234-5678-aBcD@C012AB3CD');
    expect(one(server)).toMatchObject({
      host: 'slack.com',
      path: '/api/chat.postMessage',
      auth: 'Bearer xoxb-1234-5678-aBcD',
      json: { channel: 'C012AB3CD', text: `Draining node ${context.node}` },
    });
  });
  it('teams:// posts a MessageCard to the organisation webhook host', async () => {
    const { server } = await sendVia(
      'teams://11111111-2222@33333333-4444/abcdef0123/55555555-6666?host=contoso.webhook.office.com',
      'reboot',
    );
    expect(one(server)).toMatchObject({
      host: 'contoso.webhook.office.com',
      path: '/webhookb2/11111111-2222@33333333-4444/IncomingWebhook/abcdef0123/55555555-6666',
      json: {
        '@type': 'MessageCard',
        '@context': 'http://schema.org/extensions',
        text: `Rebooting node ${context.node}`,
      },
    });
  });
  it('discord://TOKEN@ID posts {content} to discord.com/api/webhooks/ID/TOKEN', async () => {
    const { server } = await sendVia('discord://W3dE2OZz4C13_4z@693853386302554172', 'done');
    expect(one(server)).toMatchObject({
      host: 'discord.com',
      path: '/api/webhooks/693853386302554172/W3dE2OZz4C13_4z',
      json: { content: `Node ${context.node} rebooted & uncordoned successfully!` },
    });
  });
  it('mattermost://user@host/token/channel posts {text, username, channel} to /hooks/token', async () => {
    const { server } = await sendVia('mattermost://kured@chat.example.com:8065/bywsw8zt5jgpte3nm65qjiru6h/ops');
    expect(one(server)).toMatchObject({
      host: 'chat.example.com:8065',
      path: '/hooks/bywsw8zt5jgpte3nm65qjiru6h',
      json: { text: `Draining node ${context.node}`, username: 'kured', channel: 'ops' },
    });
  });
  it('googlechat:// is the webhook URL with https replaced', async () => {
    const { server } = await sendVia(
      'googlechat://chat.googleapis.com/v1/spaces/AAAA1234/messages?key=kEy&token=tOkEn%3D',
    );
    expect(one(server)).toMatchObject({
      host: 'chat.googleapis.com',
      path: '/v1/spaces/AAAA1234/messages?key=kEy&token=tOkEn%3D',
      json: { text: `Draining node ${context.node}` },
    });
  });
  it('rocketchat://user@host/tokenA/tokenB/channel posts to /hooks/tokenA/tokenB', async () => {
    const { server } = await sendVia(
      'rocketchat://kured@rocket.example.com/8eGdRzc9r4YYNyvge/2XYQcX9NBwJBKfQnphpebPcnXZc/ops',
    );
    expect(one(server)).toMatchObject({
      host: 'rocket.example.com',
      path: '/hooks/8eGdRzc9r4YYNyvge/2XYQcX9NBwJBKfQnphpebPcnXZc',
      json: { text: `Draining node ${context.node}`, username: 'kured', channel: '#ops' },
    });
  });
  it('telegram://TOKEN@telegram?chats=A,B sends one sendMessage per chat', async () => {
    const server = await receiver();
    const o = options(
      'telegram://110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw@telegram?chats=@ops-channel,-1001234:42&notification=no',
      { fetch: via(server) },
    );
    await urlNotifier(o).send('drain', '');
    expect(server.requests.map((r): unknown[] => [r.path, JSON.parse(r.body) as unknown])).toEqual([
      [
        '/bot110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage',
        { chat_id: '@ops-channel', text: `Draining node ${context.node}`, disable_notification: true },
      ],
      [
        '/bot110201543:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw/sendMessage',
        {
          chat_id: '-1001234',
          message_thread_id: 42,
          text: `Draining node ${context.node}`,
          disable_notification: true,
        },
      ],
    ]);
    expect(server.requests[0]!.headers['x-original-host']).toBe('api.telegram.org');
  });
  it('generic+http:// posts the message as the body to the URL as written, query kept', async () => {
    const server = await receiver();
    const o = options(`generic+${server.url}/hooks/reboots?team=ops`);
    await urlNotifier(o).send('drain', '');
    expect(server.requests.map((r) => [r.method, r.path, r.body])).toEqual([
      ['POST', '/hooks/reboots?team=ops', `Draining node ${context.node}`],
    ]);
  });
  it('generic:// with template=json, extra $fields and @headers', async () => {
    const server = await receiver();
    const o = options(
      `generic://${server.url.slice('http://'.length)}/api/notify?disabletls=yes&template=json&$cluster=prod&@X-Api-Key=k3y`,
    );
    await urlNotifier(o).send('reboot', '');
    const r = server.requests[0]!;
    expect([r.path, r.headers['x-api-key'], JSON.parse(r.body)]).toEqual([
      '/api/notify',
      'k3y',
      { cluster: 'prod', title: `reboot: ${context.node}`, message: `Rebooting node ${context.node}` },
    ]);
  });
});

describe('smtp:// through nodemailer to a real SMTP server on loopback', () => {
  it("delivers kured's message from and to the addresses of the URL, with login", async () => {
    const mails: { from: string; to: string[]; raw: string; user?: string }[] = [];
    const smtp = new SMTPServer({
      authOptional: false,
      allowInsecureAuth: true,
      disabledCommands: ['STARTTLS'],
      onAuth: (auth, _s, cb) =>
        auth.username === 'mailer' && auth.password === 'p@ss'
          ? cb(null, { user: auth.username })
          : cb(new Error('bad login')),
      onData(stream, session, cb) {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('end', () => {
          mails.push({
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            to: session.envelope.rcptTo.map((r) => r.address),
            raw: Buffer.concat(chunks).toString('utf8'),
            user: session.user as string,
          });
          cb();
        });
      },
    });
    await new Promise<void>((resolve) => smtp.listen(0, '127.0.0.1', resolve));
    servers.push({ close: () => new Promise<void>((resolve) => smtp.close(() => resolve())) });
    const port = (smtp.server.address() as AddressInfo).port;
    const o = options(
      `smtp://mailer:p%40ss@127.0.0.1:${port}/?from=kured@example.com&to=ops@example.com,oncall@example.com&subject=Node%20reboots&starttls=no`,
    );
    await urlNotifier(o).send('done', '');
    expect(o.errors).toEqual([]);
    expect(mails).toHaveLength(1);
    const parsed = await simpleParser(mails[0]!.raw);
    expect([mails[0]!.user, mails[0]!.from, mails[0]!.to, parsed.subject, parsed.text?.trim()]).toEqual([
      'mailer',
      'kured@example.com',
      ['ops@example.com', 'oncall@example.com'],
      'Node reboots',
      `Node ${context.node} rebooted & uncordoned successfully!`,
    ]);
  });
});

describe('failures are reported, never thrown, and never hold the caller past the bound', () => {
  it('a URL that does not parse is reported once without being retried and without the URL', async () => {
    const o = options('slack://not-a-hook-url');
    await urlNotifier(o).send('drain', '');
    expect(o.errors).toHaveLength(1);
    expect(o.errors[0]).toContain('cannot be used');
    expect(o.errors[0]).not.toContain('not-a-hook-url');
  });
  it('an unknown service names the supported ones', async () => {
    const o = options('pushover://token@user');
    await urlNotifier(o).send('drain', '');
    expect(o.errors[0]).toMatch(/"pushover" is not supported; use one of slack:\/\//);
  });
  it('a server error is retried, then given up and reported; send resolves', async () => {
    const server = await receiver(() => ({ status: 503, body: 'down' }));
    const o = options('discord://tok@1234', { fetch: via(server), attempts: 3 });
    await expect(urlNotifier(o).send('drain', '')).resolves.toBeUndefined();
    expect(server.requests).toHaveLength(3);
    expect(o.errors).toEqual([expect.stringContaining('after 3 attempts: HTTP 503')]);
  });
  it('a Slack API refusal (200 with ok:false) counts as not sent', async () => {
    const server = await receiver(() => ({ status: 200, body: '{"ok":false,"error":"channel_not_found"}' }));
    const o = options('slack://xoxb:1-2-3@C1', { fetch: via(server) });
    await urlNotifier(o).send('drain', '');
    expect(o.errors).toEqual([expect.stringContaining('channel_not_found')]);
  });
  it('a server that never answers costs at most attempts x the attempt limit, then the send resolves', async () => {
    const server = await receiver(() => 'hang');
    const o = options('mattermost://chat.example.com/tok', { fetch: via(server), attempts: 2, attemptTimeoutMs: 200 });
    const started = Date.now();
    await urlNotifier(o).send('reboot', '');
    // Not a timing assertion on the product: the bound is what keeps a dead receiver from holding a reboot.
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(o.errors).toEqual([expect.stringContaining('after 2 attempts: no answer within 200 ms')]);
  });
  it('a mail server that refuses the connection is reported, not thrown', async () => {
    const o = options('smtp://127.0.0.1:1/?from=a@example.com&to=b@example.com&starttls=no', { attempts: 1 });
    await expect(urlNotifier(o).send('drain', '')).resolves.toBeUndefined();
    expect(o.errors).toEqual([expect.stringContaining('mail not accepted: ECONNREFUSED')]);
  });
  it('policyNotifier sends format url notifications through this notifier, with the unusable-URL marker', async () => {
    const errors: string[] = [];
    const o = options('nope://x');
    const n = policyNotifier({
      specs: [o.spec],
      context,
      resolveUrl: () => Promise.resolve('nope://x'),
      clock: o.clock,
      onError: (m) => void errors.push(m),
    });
    await n.send('drain', '');
    expect(errors).toEqual([expect.stringContaining(URL_UNUSABLE)]);
  });
});
