// kured's window flags into the policy's timeZone and windows (see kured-time.ts for the rule).
import { Temporal } from 'temporal-polyfill';
import { changed, fail, found, list, scalar, setFlag, type MapContext } from './kured-context.ts';
import {
  clock,
  kuredWindows,
  offsetChangeNotes,
  parseKuredDays,
  parseKuredTime,
  KURED_TIME_FORMS,
} from './kured-time.ts';

/** The zone kured used, or undefined (with an error) when kured would not have started. */
function zoneOf(ctx: MapContext): string | undefined {
  const written = scalar(ctx, 'time-zone');
  if (written === '' || written === 'UTC') return 'UTC';
  if (written === 'Local') {
    // Go's Local is the container's zone: TZ if set, else /etc/localtime, which kured's image lacks.
    const zone = ctx.pod.tz ?? 'UTC';
    found(
      ctx,
      'time-zone',
      'difference',
      `"Local" in the kured container was ${ctx.pod.tz ? `TZ=${ctx.pod.tz}` : 'UTC (its image has no local zone and no TZ was set)'}; written as ${zone}`,
      'spec.timeZone',
    );
    return zone;
  }
  try {
    const canonical = Temporal.Now.zonedDateTimeISO(written).timeZoneId;
    if (canonical.toLowerCase() === written.toLowerCase() && canonical !== written) {
      fail(
        ctx,
        'time-zone',
        `"${written}": kured loads zones from files whose names are case-sensitive, so it would not start; use ${canonical}`,
      );
      return undefined;
    }
    return written;
  } catch {
    fail(
      ctx,
      'time-zone',
      `"${written}" is not a time zone kured knows (it would not start); use UTC or an IANA name such as Europe/Berlin`,
    );
    return undefined;
  }
}

export function mapWindow(ctx: MapContext): void {
  const zone = zoneOf(ctx);
  const days = parseKuredDays(list(ctx, 'reboot-days'));
  if ('error' in days) fail(ctx, 'reboot-days', `${days.error} (kured would not start)`);
  const startSec = parseKuredTime(scalar(ctx, 'start-time'));
  const endSec = parseKuredTime(scalar(ctx, 'end-time'));
  if (startSec === undefined)
    fail(
      ctx,
      'start-time',
      `"${scalar(ctx, 'start-time')}" is not a time kured reads (it would not start); use ${KURED_TIME_FORMS}`,
    );
  if (endSec === undefined)
    fail(
      ctx,
      'end-time',
      `"${scalar(ctx, 'end-time')}" is not a time kured reads (it would not start); use ${KURED_TIME_FORMS}`,
    );
  if (zone === undefined || 'error' in days || startSec === undefined || endSec === undefined) return;

  ctx.policySpec.timeZone = zone;
  const converted = kuredWindows(days.days, startSec, endSec);
  const dst = zone === 'UTC' ? [] : offsetChangeNotes(zone, startSec, endSec, ctx.nowMs);
  const differences = [...converted.differences, ...dst];
  if (converted.windows.length === 0) {
    // kured never reboots with no day (or a window shorter than a minute): a paused policy says so.
    ctx.policySpec.windows = [
      { days: ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'], start: '00:00', end: '00:00' },
    ];
    ctx.policySpec.paused = true;
    const why =
      days.days.size === 0
        ? 'no reboot day is listed, so kured never rebooted'
        : `the window ${clock(startSec)}-${clock(endSec)} holds no whole minute`;
    ctx.findings.push({
      key: '--reboot-days',
      verdict: 'difference',
      to: 'spec.paused',
      note: `${why}; the policy is paused: write the windows you want and remove paused`,
    });
    return;
  }
  ctx.policySpec.windows = converted.windows.map((w) => ({ ...w }));
  const wraps = startSec > endSec;
  const summary = `${[...days.days].length} day(s) ${clock(startSec)}-${clock(endSec)} ${zone}, judged by the weekday of the moment${wraps ? ': split at midnight so that no night opens that kured did not allow' : ''}`;
  const verdict = differences.length > 0 ? 'difference' : 'mapped';
  for (const name of ['reboot-days', 'start-time', 'end-time', 'time-zone']) {
    if (name === 'time-zone' && scalar(ctx, name) === 'Local') continue;
    if (setFlag(ctx, name) && (changed(ctx, name) || setFlag(ctx, name)!.origins.some((o) => o.line > 0))) {
      found(
        ctx,
        name,
        verdict,
        name === 'reboot-days'
          ? `${summary}${differences.length > 0 ? `; ${differences.join('; ')}` : ''}`
          : 'see --reboot-days',
        'spec.windows',
      );
    }
  }
  if (!setFlag(ctx, 'reboot-days') && differences.length > 0)
    ctx.findings.push({
      key: '--start-time/--end-time',
      verdict: 'difference',
      to: 'spec.windows',
      note: differences.join('; '),
    });
}
