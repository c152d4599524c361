// Listening, closing and answering on a node:http server the same way for the agent and the
// reconciler: a port that cannot be bound is a TerminalError naming it; close also ends idle
// keep-alive connections; replies are plain text. Types only from node:http: importing it loads
// far more than the agent's supervisor needs (see agent/adapters/http.ts).
import type { Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TerminalError } from '../policy/errors.ts';

export interface Listening {
  /** Starts listening (host default: every interface); resolves with the port (useful with port 0). */
  listen(port: number, host?: string): Promise<number>;
  /** Stops accepting connections, closes idle keep-alive ones and resolves when all are closed. */
  close(): Promise<void>;
}

/** listen/close for `server`; `what` names it in errors ("serve metrics"). */
export function listening(server: Server, what: string): Listening {
  return {
    listen: (port, host) =>
      new Promise((resolve, reject) => {
        const onError = (err: Error): void =>
          reject(new TerminalError(`cannot ${what} on ${host ?? '*'}:${port}: ${err.message}`, { cause: err }));
        server.once('error', onError);
        server.listen(port, host, () => {
          server.off('error', onError);
          resolve((server.address() as AddressInfo).port);
        });
      }),
    close: () =>
      new Promise((resolve, reject) => {
        if (!server.listening) return resolve();
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeIdleConnections();
      }),
  };
}

/** Answers with `body` as plain UTF-8 text unless `headers` set another content-type. */
export function reply(
  res: ServerResponse,
  status: number,
  body: string,
  headers: Readonly<Record<string, string>> = {},
): void {
  res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...headers });
  res.end(body);
}
