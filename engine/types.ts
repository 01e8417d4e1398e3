// The engine's contract. The engine runs user code in isolates and knows nothing of HTTP, SQL or aedes:
// what a service may do outside its isolate it asks of a Host, implemented in services/.

import type { ErrorCode } from '../runtime-api/errors/index.js';

/** One immutable, ready-to-run version of a service. */
export interface ServiceVersion {
  readonly systemKey: string;
  readonly name: string;
  readonly version: number;
  /** Bundled JavaScript (esbuild output); defines a global function named `name` or `module.exports.default`. */
  readonly code: string;
  /** seconds; -1 = stream service (never times out). */
  readonly executionTimeout: number;
  readonly memoryLimitMb: number;
  /** Stream services: number of instances. */
  readonly concurrency: number;
  readonly autoRestart: boolean;
  readonly loggingEnabled: boolean;
  /** user_id the service runs as; undefined = the caller. */
  readonly runUser?: string;
}

/** The identity a service is called by, or runs as. */
export interface Caller {
  readonly kind: 'developer' | 'user' | 'device' | 'anon';
  readonly id: string;
  /** email (developer, user) or device name. */
  readonly email: string;
  readonly token: string;
  readonly systemKey: string;
}

export interface InvokeRequest {
  /** `req.params`. */
  readonly params: unknown;
  readonly caller: Caller;
  /** Identity for ACL of publishes/subscriptions: the service's run_user if set, else the caller. */
  readonly runAs: Caller;
  readonly systemSecret: string;
  /** `?id=` of the execute call, else generated: `req.service_instance_id`. */
  readonly instanceId?: string;
  /** Logging-enabled header or service setting. */
  readonly logging?: boolean;
  /** Depth of the publish chain that led here (triggers). */
  readonly hop?: number;
}

export interface LogLine {
  readonly level: 'debug' | 'info' | 'warn' | 'error';
  readonly time: number;
  readonly message: string;
}

export interface InvokeResult {
  readonly success: boolean;
  /** The value given to resp.success/error (JSON type kept), or `"<ErrorName>: <message>"`. */
  readonly results: unknown;
  readonly logs: readonly LogLine[];
  /** Set when the engine ended the run (timeout, memory, …). */
  readonly code?: ErrorCode;
  readonly instanceId: string;
  readonly durationMs: number;
  /** From resp.status / resp.set. */
  readonly status?: number;
  readonly headers?: Readonly<Record<string, string>>;
}

/** What a running service is doing this call for: passed to every Host method. */
export interface HostContext {
  readonly service: ServiceVersion;
  readonly runAs: Caller;
  readonly instanceId: string;
  readonly hop: number;
}

/** What the engine asks of the platform for the bridge. Errors are IsobarErrors; the bridge maps them to `cb(true, message)`. */
export interface Host {
  publish(
    ctx: HostContext,
    topic: string,
    payload: string | Uint8Array,
    qos: 0 | 1 | 2,
    retain: boolean,
  ): Promise<void>;
  /** Subscribes for this run; messages go to `onMessage` until the returned function is called. */
  subscribe(
    ctx: HostContext,
    filter: string,
    onMessage: (topic: string, payload: string) => void,
  ): Promise<() => Promise<void>>;
  execute(ctx: HostContext, name: string, params: unknown, logging: boolean): Promise<InvokeResult>;
  /**
   * Platform resources reachable from services (history, triggers, timers, …), by operation name listed in
   * runtime-api/bridge-ops.ts. Arguments and result are JSON values.
   */
  call(ctx: HostContext, op: string, args: readonly unknown[]): Promise<unknown>;
  /** A log line of a run (also kept in the result). */
  log(ctx: HostContext, line: LogLine): void;
}
