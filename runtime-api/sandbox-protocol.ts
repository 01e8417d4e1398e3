// The private wire between the prelude (inside the isolate) and engine/bridge.ts (in Node).
// Everything crossing is a primitive: strings, numbers, booleans. No Node imports: compiles under both configs.

/** Operations the prelude sends without waiting (`applyIgnored`): they never block the isolate. */
export const SEND_OPS = {
  log: 'log', // [level, message]
  publish: 'publish', // [topic, payload, qos, retain]
  publishBinary: 'publishBinary', // [topic, latin1Payload, qos, retain]
  publishBatch: 'publishBatch', // [encodeOutbox(...)]: a stream's publishes, sent together
  next: 'next', // [index, outcomeJson, outbox]: run `index` of a batch ended (outbox: its publishes); later ops belong to the next run
} as const;

/** Operations the prelude waits for (`applySyncPromise`): the isolate blocks, Node does not. */
export const CALL_OPS = {
  subscribe: 'subscribe', // [filter] -> subscription id
  unsubscribe: 'unsubscribe', // [filter]
  wait: 'wait', // [idsJson, outbox] -> message batch (see encodeBatch); outbox = pending publishes or ''
  sleep: 'sleep', // [ms]
  drain: 'drain', // [] -> resolves once the host has room for more publishes
  execute: 'execute', // [name, paramsJson, logging] -> InvokeResult JSON
  platform: 'platform', // [op, argsJson] -> Host.call result JSON
  random: 'random', // [] -> hex string
  limit: 'limit', // [what, detail] -> the prelude saw a limit breached; the host ends the run with its code
} as const;

/** Prefix of a successful call answer; anything else is `ANSWER_ERR` + message. */
export const ANSWER_OK = '0';
export const ANSWER_ERR = '1';

/** Log levels of LogLine, in the order console maps onto them. */
export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Publishes the prelude may send before it must wait for the host to catch up (back-pressure). */
export const PUBLISH_WINDOW = 256;

/** Publishes a stream service may hold before sending them (they also leave with its next waited call). */
export const OUTBOX_SIZE = 64;

/**
 * The outcome of one run as the prelude reports it: `s` success, `r` results as JSON text,
 * `st`/`h` from resp.status/resp.set, `c` an engine code when the prelude itself refused (result too large,
 * no entry point), `e` true when `r` is an uncaught error rendered as "<Name>: <message>", `d` (warm
 * contexts) when the run left the context in doubt: the engine replaces the context before another run.
 */
export interface Outcome {
  s: boolean;
  r: string;
  st?: number;
  h?: Record<string, string>;
  c?: 'CB_ERR_SANDBOX_RESULT_TOO_LARGE' | 'CB_ERR_SANDBOX_RESULT_TOO_DEEP' | 'CB_ERR_SANDBOX_NO_ENTRY';
  e?: boolean;
  /** The thrown error's V8 stack (clipped), when `e`: the host maps its positions to the author's source. */
  k?: string;
  d?: 1;
}

/** What the engine tells the prelude once per context (install) and once per run (begin). */
export interface InstallConfig {
  systemKey: string;
  /** Empty at install; `begin` fills it (the secret comes with the request). */
  systemSecret: string;
  serviceName: string;
  version: number;
  isEdge: boolean;
  edgeId: string;
  platformUrl: string;
  nodeId: string;
  maxResultBytes: number;
  /** Nesting of arrays/objects a result may have (runtime-api/json-depth.ts). */
  maxResultDepth: number;
  maxLogLineChars: number;
  /** MB of WebAssembly memory a run's modules may declare; 0 = no WebAssembly (the global is removed). */
  wasmMemoryMb: number;
  /**
   * Warm context: the prelude waits for the service's factory (`__isobarFactory`) and answers many runs,
   * each in a fresh scope; otherwise (strict isolation) the context serves one run of the plain script.
   */
  warm: boolean;
}

export interface BeginRequest {
  /** `req.params` as JSON values inside the request's JSON (one parse in the isolate, no second escaping). */
  params?: unknown;
  systemSecret: string;
  userEmail: string;
  userid: string;
  userToken: string;
  isLogging: boolean;
  instanceId: string;
  random: string;
  /** Stream runs batch their publishes (see OUTBOX_SIZE). */
  stream: boolean;
}

/**
 * A batch of queued messages in one string, so that one crossing hands over everything: a header of
 * comma-separated numbers (subscription id, topic length, payload length per message) ended by `;`, then the
 * topics and payloads concatenated. Slicing inside the isolate is cheap; no JSON escaping of payloads.
 */
export function encodeBatch(messages: ReadonlyArray<readonly [number, string, string]>): string {
  const header: number[] = [];
  let body = '';
  for (const [sub, topic, payload] of messages) {
    header.push(sub, topic.length, payload.length);
    body += topic + payload;
  }
  return header.join(',') + ';' + body;
}

/** The inverse of encodeBatch: [subscription id, topic, payload] triples. */
export function decodeBatch(batch: string): Array<[number, string, string]> {
  const end = batch.indexOf(';');
  const out: Array<[number, string, string]> = [];
  if (end <= 0) return out;
  const nums = batch.slice(0, end).split(',');
  let at = end + 1;
  for (let i = 0; i + 2 < nums.length; i += 3) {
    const topicEnd = at + Number(nums[i + 1]);
    const payloadEnd = topicEnd + Number(nums[i + 2]);
    out.push([Number(nums[i]), batch.slice(at, topicEnd), batch.slice(topicEnd, payloadEnd)]);
    at = payloadEnd;
  }
  return out;
}

/** One publish waiting in a stream's outbox. */
export type OutboxEntry = readonly [
  topic: string,
  payload: string,
  qos: number,
  retain: boolean,
  binary: boolean,
];

/** Publishes in one string, framed like encodeBatch: lengths and flags first, then topics and payloads. */
export function encodeOutbox(entries: readonly OutboxEntry[]): string {
  const header: number[] = [];
  let body = '';
  for (const [topic, payload, qos, retain, binary] of entries) {
    header.push(topic.length, payload.length, qos | (retain ? 4 : 0) | (binary ? 8 : 0));
    body += topic + payload;
  }
  return header.join(',') + ';' + body;
}

/** The inverse of encodeOutbox. */
export function decodeOutbox(text: string): OutboxEntry[] {
  const end = text.indexOf(';');
  const out: OutboxEntry[] = [];
  if (end <= 0) return out;
  const nums = text.slice(0, end).split(',');
  let at = end + 1;
  for (let i = 0; i + 2 < nums.length; i += 3) {
    const topicEnd = at + Number(nums[i]);
    const payloadEnd = topicEnd + Number(nums[i + 1]);
    const flags = Number(nums[i + 2]);
    out.push([
      text.slice(at, topicEnd),
      text.slice(topicEnd, payloadEnd),
      flags & 3,
      (flags & 4) !== 0,
      (flags & 8) !== 0,
    ]);
    at = payloadEnd;
  }
  return out;
}
