// Each system is its own topic space. Inside aedes every topic and filter carries its system's prefix;
// clients never see it. The prefix ends in U+0000, which client topics may not contain [MQTT-4.7.3-2],
// so an internal topic can never be forged or confused with a client's. Topics starting with `$` get a
// second prefix (`$<systemKey>`), so a client's `#` (internally `<systemKey>\0/#`) cannot match them
// [MQTT-4.7.2-1] while `$trigger/#` still can.

const MARK = '\u0000';

/** The internal form of a client topic or filter of `systemKey`. */
export function toInternal(systemKey: string, topic: string): string {
  return topic.charCodeAt(0) === 36 ? `$${systemKey}${MARK}/${topic}` : `${systemKey}${MARK}/${topic}`;
}

/** True when `topic` is in internal form (client topics never contain U+0000). */
export function isInternal(topic: string): boolean {
  return topic.includes(MARK);
}

/** Splits an internal topic into its system and the client-visible topic; undefined for other topics. */
export function fromInternal(topic: string): { systemKey: string; topic: string } | undefined {
  const mark = topic.indexOf(MARK);
  if (mark <= 0 || topic.charCodeAt(mark + 1) !== 47) return undefined;
  const start = topic.charCodeAt(0) === 36 ? 1 : 0;
  return { systemKey: topic.slice(start, mark), topic: topic.slice(mark + 2) };
}

/**
 * The client-visible topic when `topic` belongs to `systemKey`; undefined when it belongs elsewhere.
 * Hot path: one prefix comparison and a slice.
 */
export function stripFor(systemKey: string, topic: string): string | undefined {
  const start = topic.charCodeAt(0) === 36 ? 1 : 0;
  const end = start + systemKey.length;
  if (topic.charCodeAt(end) !== 0 || topic.charCodeAt(end + 1) !== 47) return undefined;
  if (!topic.startsWith(systemKey, start)) return undefined;
  return topic.slice(end + 2);
}

/**
 * Where a client's `$share/<group>/<filter>` subscription lives inside aedes: a filter no published
 * topic can match (its first level is `<systemKey>\0share`), so aedes keeps and persists the
 * subscription while the shared-subscription module does the delivering.
 */
export function sharePlaceholder(systemKey: string, group: string, filter: string): string {
  return `${systemKey}${MARK}share/${group}/${filter}`;
}

/** Parses a placeholder made by `sharePlaceholder`. */
export function parsePlaceholder(
  topic: string,
): { systemKey: string; group: string; filter: string } | undefined {
  const mark = topic.indexOf(`${MARK}share/`);
  if (mark <= 0) return undefined;
  const rest = topic.slice(mark + 7);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  return { systemKey: topic.slice(0, mark), group: rest.slice(0, slash), filter: rest.slice(slash + 1) };
}

/** A topic nothing subscribes to: denied PUBLISHes are redirected here so QoS 1/2 are still acknowledged. */
export const SINK_TOPIC = `${MARK}denied`;

/** The internal client id: client ids are unique per system, not across systems. */
export function internalClientId(systemKey: string, clientId: string): string {
  return `${systemKey}:${clientId}`;
}
