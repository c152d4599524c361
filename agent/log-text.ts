// The agent's log lines as plain text for people reading `kubectl logs`, in the shape kured's users
// know (logrus's text formatter): time="…" level=info msg="…" then the fields as key=value, sorted.
// A value is quoted (JSON string escapes) unless it is made only of letters, digits and -._/@^+.

const BARE = /^[A-Za-z0-9\-._/@^+]+$/;

function value(v: unknown): string {
  // JSON.stringify throws on a cycle or a BigInt; the caller then writes the line without fields.
  const text = typeof v === 'string' ? v : v === undefined ? '' : (JSON.stringify(v) ?? '');
  return BARE.test(text) ? text : JSON.stringify(text);
}

/** One text line (without its newline) of a log entry holding `time`, `level`, `msg` and fields. */
export function textLine(entry: Readonly<Record<string, unknown>>): string {
  const { time, level, msg, ...fields } = entry;
  const head = [`time=${JSON.stringify(time)}`, `level=${String(level)}`, `msg=${JSON.stringify(String(msg))}`];
  const rest = Object.keys(fields)
    .sort()
    .map((k) => `${k}=${value(fields[k])}`);
  return [...head, ...rest].join(' ');
}
