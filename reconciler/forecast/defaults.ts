// Defaults of a forecast, shared by `patchwindow forecast` and the plan's forecast aspect. Drain and
// reboot durations have none of their own: they are each policy's (durations.ts).
import { START_HORIZON_MS } from '../../policy/windows.ts';

/** Nodes not done this long after the start are reported. */
export const DEFAULT_HORIZON_MS = 30 * 86_400_000;
/** How far ahead starts (and so lower bounds and next windows) are looked for, as people read it. */
export const START_HORIZON_TEXT = `${START_HORIZON_MS / 86_400_000} days`;
