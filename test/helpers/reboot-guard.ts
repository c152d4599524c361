// Checks the cluster at the very instant an agent runs a host command: the simulated hosts' fake
// nsenter POSTs each command here and waits for the answer before it records the command (see
// agent-host.ts). The test's check reads the cluster afresh (no cache, no watch lag), so "no reboot
// command without a live grant" is judged on what the API server holds at that moment.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the check says about `command` run on `node`: undefined when it may run, else why not. */
export type CommandCheck = (node: string, command: string) => Promise<string | undefined>;

export interface CommandRecord {
  readonly atMs: number;
  readonly node: string;
  readonly command: string;
  /** Why the command should not have run (undefined: fine). */
  readonly problem: string | undefined;
}

export interface RebootGuard {
  /** Base URL for E2eFleetOptions.commandGuardUrl. */
  readonly url: string;
  readonly records: CommandRecord[];
  /** The records with a problem, as lines. */
  problems(): string[];
  close(): Promise<void>;
}

export async function startRebootGuard(check: CommandCheck): Promise<RebootGuard> {
  const records: CommandRecord[] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const atMs = Date.now();
      const node = decodeURIComponent((req.url ?? '/').slice(1));
      const command = Buffer.concat(chunks).toString('utf8');
      void check(node, command)
        .catch((err: unknown) => `cannot check: ${err instanceof Error ? err.message : String(err)}`)
        .then((problem) => {
          records.push({ atMs, node, command, problem });
          res.writeHead(200).end();
        });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    records,
    problems: () =>
      records
        .filter((r) => r.problem !== undefined)
        .map((r) => `${new Date(r.atMs).toISOString().slice(11, 23)} ${r.node} ran "${r.command}": ${r.problem}`),
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
