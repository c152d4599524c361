// The `--listen [HOST]:PORT` argument of the long-running commands. A module of its own because
// `patchwindow agent` loads only its own command (cli/agent-main.ts), not reconcile's.
import { InvalidArgumentError } from 'commander';

/** `[HOST]:PORT` or `PORT`. */
export function listenArg(value: string): { host?: string; port: number } {
  const m = /^(?:(.*):)?(\d{1,5})$/.exec(value);
  const port = Number(m?.[2]);
  if (!m || port > 65535) throw new InvalidArgumentError('use [HOST]:PORT, e.g. :8080 or 127.0.0.1:8080');
  const host = m[1]?.replace(/^\[(.*)\]$/, '$1');
  return host ? { host, port } : { port };
}
