// The wire between an edge and its platform: one MQTT connection from the edge to the platform's broker,
// inside the edge's system, on topics under `$edge/<name>/`. Leading wildcards never match `$` topics, so
// ordinary `#` subscribers do not see this traffic.
//
//   $edge/<name>/up/<topic>     edge → platform: a relay message published on the edge as <topic>
//   $edge/<name>/down/<topic>   platform → edge: a relay message to publish on the edge as <topic>
//   $edge/<name>/ctl/<op>       platform → edge: control (identity snapshot, deployment manifest)
//   $edge/<name>/report/<op>    edge → platform: hello, bye (also the will), deployment results

export const CHANNEL_ROOT = '$edge/';

export type ChannelDirection = 'up' | 'down' | 'ctl' | 'report';

/** Builds a channel topic. */
export function channelTopic(edge: string, direction: ChannelDirection, rest: string): string {
  return `${CHANNEL_ROOT}${edge}/${direction}/${rest}`;
}

/** A parsed channel topic, or undefined for anything else. */
export interface ChannelMessage {
  readonly edge: string;
  readonly direction: ChannelDirection;
  readonly rest: string;
}

const DIRECTIONS: readonly string[] = ['up', 'down', 'ctl', 'report'];

/** Splits `$edge/<name>/<direction>/<rest>`. */
export function parseChannelTopic(topic: string): ChannelMessage | undefined {
  if (!topic.startsWith(CHANNEL_ROOT)) return undefined;
  const a = topic.indexOf('/', CHANNEL_ROOT.length);
  if (a <= CHANNEL_ROOT.length) return undefined;
  const b = topic.indexOf('/', a + 1);
  if (b < 0) return undefined;
  const direction = topic.slice(a + 1, b);
  const rest = topic.slice(b + 1);
  if (!DIRECTIONS.includes(direction) || rest === '') return undefined;
  return { edge: topic.slice(CHANNEL_ROOT.length, a), direction: direction as ChannelDirection, rest };
}

/** Control and report operations. */
export const OPS = {
  hello: 'hello',
  bye: 'bye',
  identity: 'identity',
  deploy: 'deploy',
  result: 'result',
} as const;
