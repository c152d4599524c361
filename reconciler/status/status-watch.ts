// `patchwindow status --watch`: keeps the view of `status` live. It renders a frame (watch-frame.ts)
// from the live objects (status-live.ts) whenever they change — at most one frame per
// MIN_FRAME_GAP_MS, so a burst of changes is one frame — and at least every `intervalMs` (times such
// as "held 2m" move on). On a terminal it redraws in place; otherwise (a pipe, a log, a test) it
// prints a frame only when its content changed, after a blank line and a timestamp line, or in
// JSON one line per changed frame. `untilDone` ends the watch with the rollout (progress.ts:
// verdict): 0 when done, 1 when a node failed or a pool halted. Stopping (`signal`) ends it with 0.
import type { Clock } from '../../policy/clock.ts';
import { progressOf, remember, verdict, type Seen } from './progress.ts';
import { computeStatus } from './status.ts';
import { statusInputOf } from './status-objects.ts';
import type { LiveStatus } from './status-live.ts';
import { watchFrameJson, watchFrameText, type Frame } from './watch-frame.ts';

/** At most four frames a second: changes closer together are shown in one. */
export const MIN_FRAME_GAP_MS = 250;

/** Home, clear the screen; hide and show the cursor. */
const CLEAR = '\x1b[H\x1b[2J';
const HIDE_CURSOR = '\x1b[?25l';
const SHOW_CURSOR = '\x1b[?25h';

export interface WatchStatusOptions {
  readonly source: Pick<LiveStatus, 'objects' | 'reconnecting' | 'onChange'>;
  readonly clock: Clock;
  /** Aborted: stop (Ctrl-C), exit 0. */
  readonly signal: AbortSignal;
  readonly write: (text: string) => void;
  readonly warn: (text: string) => void;
  readonly format: 'text' | 'json';
  /** stdout is a terminal: redraw in place (text only). */
  readonly tty: boolean;
  readonly intervalMs: number;
  readonly untilDone: boolean;
}

const stamp = (ms: number) =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d+Z$/, ' UTC');

/** Runs the watch; resolves to the exit code. */
export async function watchStatus(o: WatchStatusOptions): Promise<number> {
  let changed = new AbortController();
  const off = o.source.onChange(() => changed.abort());
  const redraw = o.tty && o.format === 'text';
  const warned = new Set<string>();
  let seen: Seen = new Map();
  let last: string | undefined;
  if (redraw) o.write(HIDE_CURSOR);
  try {
    for (;;) {
      if (o.signal.aborted) return 0;
      // A change from here on wakes the next wait.
      changed = new AbortController();
      const nowMs = o.clock.now();
      const objects = o.source.objects();
      for (const w of objects.warnings.filter((x) => !warned.has(x))) {
        warned.add(w);
        o.warn(w);
      }
      const status = computeStatus(statusInputOf(objects, nowMs));
      seen = remember(seen, status);
      const reconnecting = o.source.reconnecting();
      const frame: Frame = { status, progress: progressOf(seen, status), reconnecting, nowMs };
      last = show(o, frame, last, redraw);
      if (o.untilDone && reconnecting.length === 0) {
        const v = verdict(status);
        if (v !== 'running') return v === 'done' ? 0 : 1;
      }
      await o.clock.sleep(o.intervalMs, AbortSignal.any([o.signal, changed.signal]));
      const gapMs = nowMs + MIN_FRAME_GAP_MS - o.clock.now();
      if (changed.signal.aborted && gapMs > 0) await o.clock.sleep(gapMs, o.signal);
    }
  } finally {
    off();
    if (redraw) o.write(SHOW_CURSOR);
  }
}

/** Writes the frame as the output wants it; returns what the next frame is compared with. */
function show(o: WatchStatusOptions, frame: Frame, last: string | undefined, redraw: boolean): string {
  if (o.format === 'json') {
    const line = watchFrameJson(frame);
    const { time: _time, ...content } = JSON.parse(line) as { time: unknown };
    const key = JSON.stringify(content);
    if (key !== last) o.write(line);
    return key;
  }
  const text = watchFrameText(frame);
  if (redraw) o.write(`${CLEAR}patchwindow status --watch  ${stamp(frame.nowMs)}  (Ctrl-C to stop)\n\n${text}`);
  else if (text !== last) o.write(`${last === undefined ? '' : '\n'}--- ${stamp(frame.nowMs)}\n${text}`);
  return text;
}
