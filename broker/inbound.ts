// Every packet a client sends passes here before aedes handles it (a listener prepended on the
// client's parser). Checks: limits (packet size, topic length and levels), topics with U+0000 or
// invalid UTF-8 [MQTT-1.5.3-1], wildcards in PUBLISH [MQTT-3.3.2-2], malformed filters [MQTT-4.7.1-2].
// A violation turns the packet into one aedes answers by closing the connection (a clean disconnect).
// UNSUBSCRIBE has no aedes hook, so its filters are put into internal form here; acknowledgements
// feed the inflight count and the shared-subscription bookkeeping.
import { filterProblem, parseShared } from '../runtime-api/topics.js';
import type { Log } from '../runtime-api/log.js';
import type { Session } from './client-ids.js';
import type { ClientInternals, WirePacket } from './internal.js';
import { packetBreach, partialLength, type Breach } from './limits.js';
import type { SharedSubscriptions } from './shared-subscriptions.js';
import { sharePlaceholder, toInternal } from './tenancy.js';
import type { BrokerLimits } from './types.js';

/**
 * Why one topic or filter from a client is refused, or undefined: one pass over the characters (this
 * runs on every PUBLISH), the full filter grammar only for SUBSCRIBE / UNSUBSCRIBE.
 */
function topicViolation(topic: string, isFilter: boolean, limits: BrokerLimits): string | Breach | undefined {
  const length = topic.length;
  if (length === 0) return 'empty topic'; // [MQTT-4.7.3-1]
  if (length > limits.maxTopicLength)
    return { limit: 'maxTopicLength', value: length, max: limits.maxTopicLength };
  let levels = 1;
  let wildcard = false;
  for (let i = 0; i < length; i++) {
    const c = topic.charCodeAt(i);
    if (c === 47) levels++;
    else if (c === 0 || c === 0xfffd) return 'topic is not valid UTF-8 or contains U+0000';
    else if (c === 35 || c === 43) wildcard = true;
  }
  if (levels > limits.maxTopicLevels)
    return { limit: 'maxTopicLevels', value: levels, max: limits.maxTopicLevels };
  if (!isFilter) return wildcard ? 'wildcards are not allowed in a PUBLISH topic' : undefined; // [MQTT-3.3.2-2]
  const shared = parseShared(topic);
  return filterProblem(shared?.filter ?? topic);
}

function violation(packet: WirePacket, limits: BrokerLimits): string | Breach | undefined {
  const size = packetBreach(typeof packet.length === 'number' ? packet.length : undefined, limits);
  if (size !== undefined) return size;
  switch (packet.cmd) {
    case 'publish':
      return topicViolation(String(packet.topic), false, limits);
    case 'subscribe':
      for (const sub of packet.subscriptions as Array<{ topic: string }>) {
        const problem = topicViolation(sub.topic, true, limits);
        if (problem !== undefined) return problem;
      }
      return undefined;
    case 'unsubscribe':
      for (const topic of packet.unsubscriptions as string[]) {
        const problem = topicViolation(topic, true, limits);
        if (problem !== undefined) return problem;
      }
      return undefined;
    default:
      return undefined;
  }
}

/** Installs the checks on one admitted client. */
export function wireInbound(
  client: ClientInternals,
  session: Session,
  ctx: { limits: BrokerLimits; log: Log; shared: SharedSubscriptions; onBreach: () => void },
): void {
  const { limits, log, shared } = ctx;
  const parser = client._parser;
  const refuse = (problem: string | Breach) => {
    const fields = { systemKey: session.systemKey, clientId: session.clientId, address: session.address };
    if (typeof problem === 'string') {
      log.info('mqtt protocol violation: connection closed', { ...fields, problem });
    } else {
      ctx.onBreach();
      log.warn(`mqtt limit ${problem.limit} breached: connection closed`, { ...fields, ...problem });
    }
  };
  const parse = parser.parse.bind(parser);
  parser.parse = (buf: Buffer) => {
    const consumed = parse(buf);
    const breach = packetBreach(partialLength(parser), limits);
    if (breach !== undefined && !client.conn.destroyed) {
      refuse(breach);
      client.conn.destroy();
    }
    return consumed;
  };
  parser.prependListener('packet', (packet: WirePacket) => {
    const problem = violation(packet, limits);
    if (problem !== undefined) {
      refuse(problem);
      packet.cmd = 'auth'; // not an MQTT 3.1.1 packet: aedes closes the connection
      return;
    }
    switch (packet.cmd) {
      case 'unsubscribe':
        packet.unsubscriptions = (packet.unsubscriptions as string[]).map((topic) => {
          const share = parseShared(topic);
          return share === undefined
            ? toInternal(session.systemKey, topic)
            : sharePlaceholder(session.systemKey, share.group, share.filter);
        });
        return;
      case 'puback':
      case 'pubcomp':
        if (session.inflight > 0) session.inflight--;
        shared.acked(session, Number(packet.messageId));
        return;
      case 'pubrec':
        shared.acked(session, Number(packet.messageId));
        return;
      default:
        return;
    }
  });
}
