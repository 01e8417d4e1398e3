// A Host for engine unit tests: records what services publish and log, feeds messages to their
// subscriptions, and answers Host.call from a table. Not a broker: no ACL, no retained messages.

import { EventEmitter } from 'node:events';
import { parseShared, topicMatches } from '../../runtime-api/topics.js';
import type { Host, HostContext, InvokeResult, LogLine } from '../../engine/types.js';
import { waitFor } from '../helpers/wait-for.js';

export interface Published {
  readonly service: string;
  readonly topic: string;
  readonly payload: string | Uint8Array;
  readonly qos: number;
  readonly retain: boolean;
  /** Id of the identity the run published as (HostContext.runAs). */
  readonly runAs: string;
}

interface Sub {
  readonly service: string;
  readonly filter: string;
  readonly onMessage: (topic: string, payload: string, message?: object) => void;
}

export interface FakeHost extends Host {
  readonly published: Published[];
  readonly logs: Array<{ service: string; line: LogLine }>;
  readonly calls: Array<{ op: string; args: readonly unknown[] }>;
  /** Emits 'changed' after every publish, subscription and log line: what tests wait on. */
  readonly events: EventEmitter;
  /** Filters currently subscribed. */
  subscriptions(): string[];
  /** Delivers to every matching subscription (one message object, as the broker does); returns how many got it. */
  feed(topic: string, payload: string): number;
  /** Resolves when a subscription to `filter` exists. */
  subscribed(filter: string, timeoutMs?: number): Promise<void>;
  /** Resolves when `n` subscriptions to `filter` exist (one per stream instance). */
  subscribedTimes(filter: string, n: number, timeoutMs?: number): Promise<void>;
  /** Resolves when `n` publishes to `topic` have been made. */
  publishedTo(topic: string, n?: number, timeoutMs?: number): Promise<Published[]>;
  /** Answers for Host.call by op. */
  answers: Record<string, (args: readonly unknown[], ctx: HostContext) => unknown>;
  /** Filters whose subscription the host refuses. */
  deny: Set<string>;
  executor?: (ctx: HostContext, name: string, params: unknown, logging: boolean) => Promise<InvokeResult>;
}

/** A fresh fake host. */
export function createFakeHost(): FakeHost {
  const subs = new Set<Sub>();
  // 'changed' after every publish, subscription and log line: what `subscribed` and `publishedTo` wait on.
  const events = new EventEmitter();
  const notify = () => events.emit('changed');
  /** Answers `check()` once it is defined, re-looked at on every change; rejects after `timeoutMs`. */
  const when = async <T>(check: () => T | undefined, timeoutMs: number, what: string): Promise<T> => {
    let value = check();
    if (value === undefined) {
      await waitFor(events, 'changed', () => (value = check()) !== undefined, { timeoutMs, what });
    }
    return value as T;
  };

  const host: FakeHost = {
    events,
    published: [],
    logs: [],
    calls: [],
    answers: {},
    deny: new Set(),
    async publish(ctx, topic, payload, qos, retain) {
      if (topic.startsWith('denied/')) throw new Error(`not allowed to publish to ${topic}`);
      host.published.push({ service: ctx.service.name, topic, payload, qos, retain, runAs: ctx.runAs.id });
      notify();
    },
    async subscribe(ctx, filter, onMessage) {
      if (host.deny.has(filter)) throw new Error(`not allowed to subscribe to ${filter}`);
      const sub: Sub = { service: ctx.service.name, filter, onMessage };
      subs.add(sub);
      notify();
      return async () => {
        subs.delete(sub);
      };
    },
    async execute(ctx, name, params, logging) {
      if (host.executor === undefined) throw new Error('no executor');
      return host.executor(ctx, name, params, logging);
    },
    async call(ctx, op, args) {
      host.calls.push({ op, args });
      const answer = host.answers[op];
      if (answer === undefined) throw new Error(`no answer for ${op}`);
      return answer(args, ctx);
    },
    log(ctx, line) {
      host.logs.push({ service: ctx.service.name, line });
      notify();
    },
    subscriptions: () => [...subs].map((s) => s.filter),
    feed(topic, payload) {
      const message = {};
      let n = 0;
      for (const s of subs) {
        const filter = parseShared(s.filter)?.filter ?? s.filter;
        if (topicMatches(filter, topic)) {
          s.onMessage(topic, payload, message);
          n++;
        }
      }
      return n;
    },
    subscribed: (filter, timeoutMs = 5000) => host.subscribedTimes(filter, 1, timeoutMs),
    subscribedTimes: (filter, n, timeoutMs = 5000) =>
      when(
        () => ([...subs].filter((s) => s.filter === filter).length >= n ? true : undefined),
        timeoutMs,
        `${String(n)} subscription(s) to ${filter}`,
      ).then(() => {}),
    publishedTo: (topic, n = 1, timeoutMs = 5000) =>
      when(
        () => {
          const got = host.published.filter((p) => p.topic === topic);
          return got.length >= n ? got : undefined;
        },
        timeoutMs,
        `${n} publish(es) to ${topic}`,
      ),
  };
  return host;
}
