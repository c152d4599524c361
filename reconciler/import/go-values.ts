// How kured's Go flag library reads values (pflag over strconv, time.ParseDuration, encoding/csv):
// what kured accepted, and so what the importer accepts. Pure.

const GO_UNIT_MS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  μs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/** Milliseconds of a Go duration (`1h30m`, `1.5h`, `300ms`, `0`), or undefined when Go refuses it. */
export function parseGoDuration(text: string): number | undefined {
  if (text === '0' || text === '+0' || text === '-0') return 0;
  const m = /^([+-]?)((?:(?:\d+\.?\d*|\.\d+)(?:ns|us|µs|μs|ms|s|m|h))+)$/.exec(text);
  if (!m) return undefined;
  let total = 0;
  for (const part of m[2]!.matchAll(/(\d+\.?\d*|\.\d+)(ns|us|µs|μs|ms|s|m|h)/g))
    total += Number(part[1]) * GO_UNIT_MS[part[2]!]!;
  return (m[1] === '-' ? -1 : 1) * Math.round(total);
}

/** Go strconv.ParseBool. */
export function parseGoBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/** Go strconv.ParseInt(text, 0, 64) for the ranges kured uses (decimal, 0x, 0o, 0b, signs). */
export function parseGoInt(text: string): number | undefined {
  const m = /^([+-]?)(0x[0-9a-f_]+|0o[0-7_]+|0b[01_]+|0[0-7_]*|[1-9][0-9_]*)$/i.exec(text);
  if (!m) return undefined;
  const body = m[2]!.replaceAll('_', '');
  const n = /^0[0-7]+$/.test(body) ? Number.parseInt(body, 8) : Number(body.replace(/^0o/i, '0o'));
  if (!Number.isSafeInteger(n)) return undefined;
  return m[1] === '-' ? -n : n;
}

/** One value of a string-slice flag, split as pflag does (one CSV record, quotes allowed). */
export function splitCsv(text: string): string[] | undefined {
  if (text === '') return [];
  const out: string[] = [];
  let i = 0;
  while (i <= text.length) {
    if (text[i] === '"') {
      let field = '';
      i++;
      for (;;) {
        if (i >= text.length) return undefined; // unterminated quote: pflag refuses the value
        if (text[i] === '"' && text[i + 1] === '"') {
          field += '"';
          i += 2;
        } else if (text[i] === '"') {
          i++;
          break;
        } else field += text[i++];
      }
      if (i < text.length && text[i] !== ',') return undefined;
      out.push(field);
      i++;
    } else {
      const comma = text.indexOf(',', i);
      const end = comma < 0 ? text.length : comma;
      const field = text.slice(i, end);
      if (field.includes('"')) return undefined;
      out.push(field);
      i = end + 1;
    }
  }
  return out;
}
