// `patchwindow validate` on hostile 1 MiB files (the loader's limit): random bytes, deep nesting,
// a huge flow list, long strings, many anchors, huge numbers, unicode tricks. Each runs as a user
// runs it, in a fresh process; the figures are wall time, peak RSS (GNU time's %M) and the exit
// code, which must be 0, 1 or 2 — the targets are under 2 s and 256 MiB per file.
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const MIB = 1024 * 1024;
const root = new URL('..', import.meta.url).pathname;
const fill = (unit: string, bytes = MIB - 64): string => unit.repeat(Math.floor(bytes / unit.length));
const cases: Record<string, string | Buffer> = {
  'random bytes': randomBytes(MIB - 64),
  'deep flow nesting': fill('['),
  'deep block nesting': Array.from({ length: 700 }, (_, i) => `${' '.repeat(i)}a:`).join('\n'),
  'huge flow list': `apiVersion: patchwindow.io/v1alpha1\nkind: RebootPolicy\nmetadata: { name: x }\nspec:\n  nodePools: [${fill('p, ', MIB - 200)}p]\n`,
  'long string': `kind: Fleet\nmetadata: { name: "${fill('é')}" }\n`,
  'many anchors': fill('- &a [x]\n- *a\n'),
  'huge numbers': fill('- 1e99999999\n- 0x' + 'f'.repeat(40) + '\n'),
  'unicode tricks': fill('\u202E\u200B\uFEFF: \uD83D\uDE00\n'),
  'many documents': fill('---\nkind: RebootPolicy\n'),
};

const dir = mkdtempSync(join(tmpdir(), 'patchwindow-loader-bench-'));
try {
  for (const [name, content] of Object.entries(cases)) {
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, content);
    const r = spawnSync(
      '/usr/bin/time',
      ['-f', '%e %M', process.execPath, join(root, 'bin/patchwindow.js'), 'validate', file],
      {
        cwd: root,
        encoding: 'utf8',
        maxBuffer: 256 * MIB,
      },
    );
    const [seconds, kib] = r.stderr.trim().split('\n').at(-1)!.split(' ').map(Number);
    const stack = /\n\s+at .+:\d+:\d+/.test(`${r.stdout}${r.stderr}`);
    console.log(
      JSON.stringify({
        bench: 'loader',
        case: name,
        bytes: Buffer.byteLength(content),
        exitCode: r.status,
        wallS: seconds,
        peakRssMiB: Math.round((kib! / 1024) * 10) / 10,
        stackTrace: stack,
      }),
    );
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
