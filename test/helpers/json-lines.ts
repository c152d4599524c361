// The JSON log lines a process has written so far. Only whole lines count: the last one may still
// be arriving (a line is written in one piece, but a pipe may deliver it in two).
export function jsonLines(out: string): Record<string, unknown>[] {
  return out
    .slice(0, out.lastIndexOf('\n') + 1)
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}
