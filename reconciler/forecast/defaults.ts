// Defaults of a forecast, shared by `patchwindow forecast` and the plan's forecast aspect.

/** How long draining a node takes when nothing else is known. */
export const DEFAULT_DRAIN_MS = 3 * 60_000;
/** From the reboot command until the node is Ready again. */
export const DEFAULT_REBOOT_MS = 5 * 60_000;
/** Nodes not done this long after the start are reported. */
export const DEFAULT_HORIZON_MS = 30 * 86_400_000;
