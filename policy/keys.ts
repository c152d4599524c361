// The label and annotation keys the agent reads and writes on its Node. They are API: admins,
// dashboards and alerts match on them, so they never change meaning.

/** Label `true` while the node needs a reboot (sentinel present); removed when it no longer does. */
export const REBOOT_REQUIRED_LABEL = 'patchwindow.io/reboot-required';

/** Annotation: when the agent first saw that the node needs a reboot (RFC 3339). */
export const REBOOT_REQUIRED_SINCE_ANNOTATION = 'patchwindow.io/reboot-required-since';

/** Annotation: the agent's record of its work on the node (JSON, policy/state.ts). */
export const STATE_ANNOTATION = 'patchwindow.io/state';

/** Annotation: the last reboot the agent completed (JSON, policy/state.ts); feeds the loop guard. */
export const LAST_REBOOT_ANNOTATION = 'patchwindow.io/last-reboot';

/**
 * Label or annotation an admin sets to keep the node from starting a reboot; any value but
 * `false` holds it (the value is shown as the reason). A reboot already under way finishes.
 */
export const HOLD_KEY = 'patchwindow.io/hold';

/**
 * Annotation: the epoch of the grant under which an agent cordoned the node. Written in the same
 * write as the cordon itself, so an agent undoes only a cordon it provably made.
 */
export const CORDONED_BY_ANNOTATION = 'patchwindow.io/cordoned-by';

/**
 * Annotation: the agent's recent failed attempts on the node (JSON list, policy/failures.ts), written
 * in the same write as the record that ends the attempt; the coordinator counts them for spec.halt.
 */
export const FAILURES_ANNOTATION = 'patchwindow.io/failures';
