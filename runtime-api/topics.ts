// Pure MQTT topic helpers shared by the broker (ACL, tenancy), the services (trigger filters, history)
// and the isolate prelude (waitForMessage matching). No Node imports: compiles under both configs.

/** Prefix of a shared subscription [MQTT-5 4.8.2, used by ClearBlade on 3.1.1]. */
export const SHARE_PREFIX = '$share/';

/** Why a topic or filter is invalid, or undefined when it is valid. */
export function publishTopicProblem(topic: string, maxLength = 65535, maxLevels = 128): string | undefined {
  if (topic.length === 0) return 'empty topic'; // [MQTT-4.7.3-1]
  if (topic.length > maxLength) return `longer than ${maxLength} characters`;
  if (topic.includes('\u0000')) return 'contains U+0000'; // [MQTT-4.7.3-2]
  if (topic.includes('+') || topic.includes('#')) return 'wildcards are not allowed in a publish topic'; // [MQTT-3.3.2-2]
  if (countLevels(topic) > maxLevels) return `more than ${maxLevels} levels`;
  return undefined;
}

/** Why a subscription filter is invalid, or undefined when it is valid. */
export function filterProblem(filter: string, maxLength = 65535, maxLevels = 128): string | undefined {
  if (filter.length === 0) return 'empty filter'; // [MQTT-4.7.3-1]
  if (filter.length > maxLength) return `longer than ${maxLength} characters`;
  if (filter.includes('\u0000')) return 'contains U+0000';
  const levels = filter.split('/');
  if (levels.length > maxLevels) return `more than ${maxLevels} levels`;
  for (let i = 0; i < levels.length; i++) {
    const level = levels[i];
    if (level.includes('#') && (level !== '#' || i !== levels.length - 1)) {
      return "'#' must be a whole level and the last one"; // [MQTT-4.7.1-2]
    }
    if (level.includes('+') && level !== '+') return "'+' must be a whole level"; // [MQTT-4.7.1-3]
  }
  return undefined;
}

function countLevels(topic: string): number {
  let n = 1;
  for (let i = 0; i < topic.length; i++) if (topic.charCodeAt(i) === 47) n++;
  return n;
}

/** Does `filter` match the concrete `topic`? Leading wildcards never match `$` topics [MQTT-4.7.2-1]. */
export function topicMatches(filter: string, topic: string): boolean {
  if (filter === topic) return true;
  if (topic.startsWith('$') && (filter.startsWith('+') || filter.startsWith('#'))) return false;
  const f = filter.split('/');
  const t = topic.split('/');
  for (let i = 0; i < f.length; i++) {
    const level = f[i];
    if (level === '#') return true; // '#' also matches the parent level [MQTT-4.7.1-2]
    if (i >= t.length) return false;
    if (level !== '+' && level !== t[i]) return false;
  }
  return f.length === t.length;
}

/**
 * Does the role filter `granted` allow a subscription to `requested`? True when every topic `requested`
 * can match is also matched by `granted` (`sensors/#` covers `sensors/+/temp`, not the reverse).
 */
export function filterCovers(granted: string, requested: string): boolean {
  if (granted === requested) return true;
  const g = granted.split('/');
  const r = requested.split('/');
  // A granted leading wildcard does not extend to `$` topics [MQTT-4.7.2-1].
  if (r[0].startsWith('$') && (g[0] === '+' || g[0] === '#')) return false;
  for (let i = 0; i < g.length; i++) {
    const gl = g[i];
    if (gl === '#') return true;
    if (i >= r.length) return false;
    const rl = r[i];
    if (rl === '#') return false; // requested is broader than a non-# granted level
    if (gl === '+') continue;
    if (rl === '+' || rl !== gl) return false;
  }
  return g.length === r.length;
}

/** A parsed `$share/<group>/<filter>`, or undefined for an ordinary filter. */
export interface SharedFilter {
  readonly group: string;
  readonly filter: string;
}

/** Splits `$share/<group>/<filter>`; undefined when `topic` is not a well-formed shared filter. */
export function parseShared(topic: string): SharedFilter | undefined {
  if (!topic.startsWith(SHARE_PREFIX)) return undefined;
  const rest = topic.slice(SHARE_PREFIX.length);
  const slash = rest.indexOf('/');
  if (slash <= 0) return undefined;
  const group = rest.slice(0, slash);
  const filter = rest.slice(slash + 1);
  if (group.includes('+') || group.includes('#') || filter.length === 0) return undefined;
  return { group, filter };
}
