#!/usr/bin/env node
// Entry point of the `patchwindow` command. The sources are TypeScript run by Node's type stripping
// (Node >= 24); an image built with `npm run build` ships the compiled `dist/` instead.
import { existsSync } from 'node:fs';
import { setTimeout } from 'node:timers';

const major = Number(process.versions.node.split('.')[0]);
if (major < 24) {
  process.stderr.write(
    `patchwindow: needs Node.js >= 24, this is ${process.version}.\n` +
      `  Run it through npm (npm ci, then npx patchwindow ...) so the project's own Node 24 is used.\n`,
  );
  process.exit(2);
}
const argv = process.argv.slice(2);
// `patchwindow agent` runs on every node all the time: its entry loads the agent command alone, not
// every command's dependencies (docs/decisions/0006-light-idle-agent.md).
const module = argv[0] === 'agent' ? 'agent-main' : 'main';
const source = new URL(`../cli/${module}.ts`, import.meta.url);
const compiled = new URL(`../dist/cli/${module}.js`, import.meta.url);
const entry = existsSync(source) ? source : compiled;
const { main } = await import(entry.href);
process.exitCode = await main(argv);
// The command is over. Anything still holding the event loop (e.g. a git transfer a stopping
// reconciler abandoned) must not keep the process alive; the unref'd timer lets a normal exit
// happen first, so buffered output is never cut off.
setTimeout(() => process.exit(), 1_000).unref();
