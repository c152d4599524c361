// Defaults of a forecast, shared by `patchwindow forecast` and the plan's forecast aspect.
import { START_HORIZON_MS } from '../../policy/windows.ts';

/** How long draining a node takes when nothing else is known. */
export const DEFAULT_DRAIN_MS = 3 * 60_000;
/** From the reboot command until the node is Ready again. */
export const DEFAULT_REBOOT_MS = 5 * 60_000;
/** Nodes not done this long after the start are reported. */
export const DEFAULT_HORIZON_MS = 30 * 86_400_000;
/** How far ahead starts (and so lower bounds and next windows) are looked for, as people read it. */
export const START_HORIZON_TEXT = `${START_HORIZON_MS / 86_400_000} days`;
