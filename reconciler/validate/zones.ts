// Time zone names a policy may use. An IANA region (Europe/Berlin) follows its daylight saving
// rules; a fixed offset (+02:00, UTC+2, Etc/GMT-2) never does, so a window written in one moves by
// an hour against local time twice a year — refused. Legacy names (CET, US/Eastern, EST5EDT) still
// work but name no place; the warning gives the region they stand for.
import { isTimeZone } from '../../policy/calendar.ts';
import { showValue } from '../../policy/diagnostics.ts';

const FIXED_OFFSET = /^(?:[+-]\d|(?:UTC|GMT|UT)\s*[+-]\s*\d|Etc\/GMT[+-]\d)/i;
/** Names of UTC itself: no daylight saving is what they mean. */
const UTC_NAMES = new Set([
  'UTC',
  'Etc/UTC',
  'GMT',
  'Etc/GMT',
  'Etc/UCT',
  'UCT',
  'Etc/Universal',
  'Universal',
  'Etc/Zulu',
  'Zulu',
  'Etc/Greenwich',
  'Greenwich',
  'GMT0',
  'Etc/GMT0',
  'Etc/GMT+0',
  'Etc/GMT-0',
  'GMT+0',
  'GMT-0',
]);

/** The canonical IANA name of `name` as the runtime's time zone database resolves it. */
function canonical(name: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: name }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

export type ZoneCheck =
  { readonly ok: true; readonly warning?: string } | { readonly ok: false; readonly error: string };

/** Whether `name` may be a policy's time zone; a warning for legacy names. */
export function checkTimeZone(name: string): ZoneCheck {
  if (!UTC_NAMES.has(name) && FIXED_OFFSET.test(name.trim())) {
    return {
      ok: false,
      error: `${showValue(name)} is a fixed UTC offset: it never follows daylight saving time, so the window would shift by an hour against local time twice a year; use the region's name, e.g. Europe/Berlin, America/New_York (or UTC)`,
    };
  }
  if (!isTimeZone(name)) {
    return {
      ok: false,
      error: `${showValue(name)} is not an IANA time zone; use a name such as Europe/Berlin, America/New_York or UTC`,
    };
  }
  const region = canonical(name);
  if (region !== undefined && region !== name && region !== 'UTC' && !UTC_NAMES.has(name)) {
    return {
      ok: true,
      warning: `${showValue(name)} is a legacy time zone name that names no place; write the region it stands for, ${region} (same rules), or the region whose clock you mean`,
    };
  }
  return { ok: true };
}
