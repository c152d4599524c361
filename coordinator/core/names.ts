// Node names in a hold's detail (pure): an Event message, a log line and `status` name the nodes a
// pool waits for, and at 5,000 nodes "taken by" thousands of names would be a message of 100 KB.

/** The first `max` names, then how many more there are. */
export function listNames(names: readonly string[], max = 10): string {
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')} and ${names.length - max} more`;
}
