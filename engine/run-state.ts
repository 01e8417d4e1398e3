// Everything the host side knows about one run: its identity, logs, publishes in flight, subscriptions,
// pending sleeps, and the fault that ended it. The bridge writes here; the pipeline reads it at the end.

import type { Clock } from '../runtime-api/clock.js';
import type { ErrorCode, ErrorParams } from '../runtime-api/errors/index.js';
import type { Log } from '../runtime-api/log.js';
import type { DelayedPublishes } from './delayed-publish.js';
import { RunSubscriptions } from './subscriptions.js';
import type { EngineLimits, Host, HostContext, LogLine } from './types.js';

export interface Fault {
  readonly code: ErrorCode;
  readonly params: ErrorParams;
}

export interface RunDeps {
  readonly host: Host;
  readonly clock: Clock;
  readonly log: Log;
  readonly limits: EngineLimits;
  /** Delayed publishes, so a run the engine ended (or a stream instance) takes its own with it. */
  readonly delayed?: DelayedPublishes;
}

/** Host-side state of one run; `kill` ends it with a code by disposing its isolate. */
export class RunState {
  readonly ctx: HostContext;
  readonly stream: boolean;
  readonly logging: boolean;
  readonly deps: RunDeps;
  readonly logs: LogLine[] = [];
  /** Built on first use: most runs (triggers) never subscribe, and it is ~6 allocations per run. */
  #subscriptions: RunSubscriptions | undefined;
  fault: Fault | undefined;
  publishes = 0;
  #logChars = 0;
  #logWindowStart = 0;
  #logWindowLines = 0;
  #droppedLogs = 0;
  #inFlight = 0;
  #drainWaiters: Array<() => void> = [];
  /** Pending sleeps: cancel the clock timer, or fire now to wake a killed isolate. */
  readonly #timers = new Map<() => void, () => void>();
  #killer: (() => void) | undefined;
  #ended = false;

  constructor(ctx: HostContext, options: { stream: boolean; logging: boolean }, deps: RunDeps) {
    this.ctx = ctx;
    this.stream = options.stream;
    this.logging = options.logging;
    this.deps = deps;
  }

  /** The run's subscriptions and message buffer; one first asked for after the run ended is closed at once. */
  get subscriptions(): RunSubscriptions {
    let subs = this.#subscriptions;
    if (subs === undefined) {
      const limits = this.deps.limits;
      subs = new RunSubscriptions(
        { maxMessages: limits.maxBufferedMessages, maxBytes: limits.maxBufferedBytes },
        (filter, dropped) =>
          this.note('warn', `${dropped} message(s) dropped on ${filter}: the subscription buffer is full`),
      );
      this.#subscriptions = subs;
      if (this.#ended) void subs.close();
    }
    return subs;
  }

  /** How `kill` stops the run (disposing the isolate); set once the run is on an isolate. */
  onKill(killer: () => void): void {
    this.#killer = killer;
  }

  /** Ends the run with `code` (first fault wins). */
  kill(code: ErrorCode, params: ErrorParams = {}): void {
    if (this.#ended) return;
    this.fault ??= { code, params: { service: this.ctx.service.name, ...params } };
    this.#killer?.();
    this.#wake();
  }

  /**
   * Settles every host call the isolate may be blocked in. Disposing an isolate that waits in
   * applySyncPromise does not always end the wait; answering it lets the termination take effect.
   */
  #wake(): void {
    this.#subscriptions?.interrupt();
    for (const [cancel, fire] of this.#timers) {
      cancel();
      fire();
    }
    this.#timers.clear();
    const waiters = this.#drainWaiters;
    this.#drainWaiters = [];
    for (const w of waiters) w();
  }

  get ended(): boolean {
    return this.#ended;
  }

  /** A log line from user code, counted against the run's limits. */
  userLog(level: LogLine['level'], message: string): void {
    if (this.#ended) return;
    const limits = this.deps.limits;
    if (this.stream) {
      const now = this.deps.clock.now();
      if (now - this.#logWindowStart >= 1000) {
        if (this.#droppedLogs > 0) {
          const dropped = this.#droppedLogs;
          this.#droppedLogs = 0;
          this.note('warn', `${dropped} log line(s) dropped: more than ${limits.streamLogLinesPerSecond}/s`);
        }
        this.#logWindowStart = now;
        this.#logWindowLines = 0;
      }
      if (++this.#logWindowLines > limits.streamLogLinesPerSecond) {
        this.#droppedLogs++;
        return;
      }
    } else {
      this.#logChars += message.length;
      if (this.logs.length >= limits.maxLogLines)
        return this.kill('CB_ERR_SANDBOX_LOG_LIMIT', { limit: `${limits.maxLogLines} lines` });
      if (this.#logChars > limits.maxLogBytes)
        return this.kill('CB_ERR_SANDBOX_LOG_LIMIT', { limit: `${limits.maxLogBytes} characters` });
    }
    this.#append({ level, time: this.deps.clock.now(), message });
  }

  /** A line the engine adds about the run (dropped messages, failed publishes). */
  note(level: LogLine['level'], message: string): void {
    if (this.#ended) return;
    this.#append({ level, time: this.deps.clock.now(), message });
  }

  #append(line: LogLine): void {
    // Stream instances run for days: keep only the most recent lines in memory; the host keeps them all.
    if (this.stream && this.logs.length >= this.deps.limits.maxLogLines) this.logs.shift();
    this.logs.push(line);
    try {
      this.deps.host.log(this.ctx, line);
    } catch (err) {
      this.deps.log.warn('host log failed', { err: String(err) });
    }
  }

  /** Tracks one host publish for back-pressure; failures become warn lines of the run. */
  track(publish: Promise<void>, topic: string): void {
    this.#inFlight++;
    publish.then(
      () => this.#settled(),
      (err: unknown) => {
        this.#settled();
        this.note('warn', `publish to ${topic} failed: ${err instanceof Error ? err.message : String(err)}`);
      },
    );
  }

  /** Resolves once fewer than the limit of publishes are in flight. */
  drain(): Promise<void> {
    if (this.#inFlight < this.deps.limits.maxPublishesInFlight || this.#ended) return Promise.resolve();
    return new Promise((resolve) => this.#drainWaiters.push(resolve));
  }

  #settled(): void {
    this.#inFlight--;
    if (this.#inFlight * 2 <= this.deps.limits.maxPublishesInFlight && this.#drainWaiters.length > 0) {
      const waiters = this.#drainWaiters;
      this.#drainWaiters = [];
      for (const w of waiters) w();
    }
  }

  /** A timer that dies with the run (sleep). */
  timer(ms: number, fn: () => void): void {
    if (this.#ended) return fn();
    const cancel = this.deps.clock.setTimer(ms, () => {
      this.#timers.delete(cancel);
      fn();
    });
    this.#timers.set(cancel, fn);
  }

  /** Releases everything the run holds; idempotent. */
  async end(): Promise<void> {
    if (this.#ended) return;
    this.#ended = true;
    this.#wake();
    // A stream instance's delayed publishes end with it; so do those of a run the engine had to end
    // (timeout, limit, stop): a run that ended normally leaves them to fire, as ClearBlade does.
    if (this.stream || this.fault !== undefined) this.deps.delayed?.cancelRun(this.ctx);
    if (this.#subscriptions !== undefined) await this.#subscriptions.close();
  }
}
