// Durations as written in policies: one or more number-unit pairs, largest unit first ("1h30m").

const UNIT_MS: Readonly<Record<string, number>> = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const UNIT_ORDER = ['d', 'h', 'm', 's', 'ms'];
const PAIR = /(\d+)(ms|s|m|h|d)/y;

/** Milliseconds of a duration such as `90s`, `30m`, `1h30m`, `2d`; undefined when malformed. */
export function parseDuration(text: string): number | undefined {
  if (text.length === 0 || text.length > 64) return undefined;
  PAIR.lastIndex = 0;
  let total = 0;
  let lastUnit = -1;
  while (PAIR.lastIndex < text.length) {
    const match = PAIR.exec(text);
    if (!match) return undefined;
    const unit = UNIT_ORDER.indexOf(match[2]!);
    if (unit <= lastUnit) return undefined; // units must be distinct and in descending order
    lastUnit = unit;
    total += Number(match[1]) * UNIT_MS[match[2]!]!;
  }
  return Number.isSafeInteger(total) ? total : undefined;
}

/** A compact human form of a duration in ms: `1h30m`, `45s`, `0s`. */
export function formatDuration(ms: number): string {
  if (ms === 0) return '0s';
  let rest = Math.abs(ms);
  let out = ms < 0 ? '-' : '';
  for (const unit of UNIT_ORDER) {
    const size = UNIT_MS[unit]!;
    const n = Math.floor(rest / size);
    if (n > 0) {
      out += `${n}${unit}`;
      rest -= n * size;
    }
  }
  return out;
}
