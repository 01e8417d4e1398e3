// The engine's contract. The engine runs user code in isolates and knows nothing of HTTP, SQL or aedes:
// what a service may do outside its isolate it asks of a Host, implemented in services/.

import type { Clock } from '../runtime-api/clock.js';
import type { ErrorCode } from '../runtime-api/errors/index.js';
import type { Identity } from '../runtime-api/identity.js';
import type { Log } from '../runtime-api/log.js';

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
  /**
   * WebAssembly in the sandbox: off (the global is removed) unless set; when on, the memories its modules
   * may declare add up to at most `memoryLimitMb` per run (V8 does not count them against the heap limit).
   */
  readonly wasm?: boolean;
  /**
   * Strict isolation: every run in a fresh V8 context (the service's own setting `strict_isolation`).
   * Otherwise runs share a warm context of the version, each in a fresh scope (engine/README.md).
   */
  readonly strictIsolation?: boolean;
}

/**
 * The identity a service is called by, or runs as: the one identity type (runtime-api/identity.ts) that
 * REST and MQTT authenticated, handed back unchanged in every HostContext and on to the broker.
 */
export type Caller = Identity;

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
  /**
   * The value given to resp.success/error (JSON type kept), or the service's thrown error as
   * `"<ErrorName>: <message>"`; null when the platform ended or refused the run (then `code` says why).
   */
  readonly results: unknown;
  readonly logs: readonly LogLine[];
  /**
   * Set when the platform ended or refused the run (timeout, memory, call depth, …), or
   * CB_ERR_SANDBOX_UNCAUGHT when the service threw. Kept apart from `results`: the edges that show a run
   * (REST envelope, `Code().execute` callback) join them once, with runtime-api/results.ts.
   */
  readonly code?: ErrorCode;
  /** The message of `code`, filled in. */
  readonly message?: string;
  /** The V8 stack of the error the service threw (CB_ERR_SANDBOX_UNCAUGHT), positions in the bundle. */
  readonly stack?: string;
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
  /**
   * Subscribes for this run; messages go to `onMessage` until the returned function is called. `message`
   * is the same object for every subscription one published message matches: the engine queues it once.
   */
  subscribe(
    ctx: HostContext,
    filter: string,
    onMessage: (topic: string, payload: string, message?: object) => void,
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

/** Where a stream instance is in its life. */
export type StreamState = 'starting' | 'running' | 'backoff' | 'stopped';

/** One instance of a stream service, as `GET /codeadmin/v/3/running/{systemKey}` lists it. */
export interface RunningInstance {
  readonly instanceId: string;
  readonly systemKey: string;
  readonly name: string;
  readonly version: number;
  /** Epoch ms of the first start. */
  readonly started: number;
  readonly restarts: number;
  readonly state: StreamState;
  /** Code of the last exit, when the instance has exited at least once. */
  readonly lastExit?: string;
  /** Text of the last exit (the thrown error, the fault's message, or the returned value). */
  readonly lastMessage?: string;
  /** Stack of the error the last exit threw, positions in the bundle. */
  readonly lastStack?: string;
  /** Messages queued for the running instance outside its isolate (counted once per message). */
  readonly buffered?: { readonly messages: number; readonly bytes: number; readonly dropped: number };
}

/** One delayed publish (Messaging().setTimeout/setInterval) waiting, as `Engine.delayedPublishes` lists it. */
export interface DelayedPublishInfo {
  readonly id: string;
  readonly systemKey: string;
  readonly service: string;
  readonly topic: string;
  /** Characters of topic + payload held until it fires. */
  readonly bytes: number;
  /** 0 for a one-shot setTimeout. */
  readonly intervalMs: number;
  /** Epoch ms of the next publish. */
  readonly nextAt: number;
  /** Publishes left; -1 = until cancelled. */
  readonly remaining: number;
}

/** Per-run limits; every field has a default in engine/limits.ts. */
export interface EngineLimits {
  /** Characters of the result's JSON text. */
  readonly maxResultBytes: number;
  /** Nesting of arrays/objects in a result; deeper ones end the run with CB_ERR_SANDBOX_RESULT_TOO_DEEP. */
  readonly maxResultDepth: number;
  /** Log lines of one micro-service run (stream services are rate-limited instead). */
  readonly maxLogLines: number;
  /** Characters of all log lines of one micro-service run. */
  readonly maxLogBytes: number;
  /** Characters of one log line; longer ones are cut. */
  readonly maxLogLineChars: number;
  /** Publishes of one micro-service run. */
  readonly maxPublishes: number;
  /** Messages buffered per run (stream instance) before the oldest are dropped (and counted). */
  readonly maxBufferedMessages: number;
  /** Characters (topics + payloads) buffered per run before the oldest messages are dropped. */
  readonly maxBufferedBytes: number;
  /** Subscriptions one run may hold. */
  readonly maxSubscriptions: number;
  /** Host publishes in flight per run before the isolate waits (back-pressure). */
  readonly maxPublishesInFlight: number;
  /** Delayed publishes (Messaging().setTimeout/setInterval) waiting per system. */
  readonly maxDelayedPublishes: number;
  /** Delayed publishes waiting per service. */
  readonly maxDelayedPerService: number;
  /** Characters (topics + payloads) of the delayed publishes waiting per service. */
  readonly maxDelayedBytesPerService: number;
  /** Shortest period of Messaging().setInterval, ms. */
  readonly minDelayedIntervalMs: number;
  /** Stream services: log lines per second per instance before lines are dropped (and counted). */
  readonly streamLogLinesPerSecond: number;
}

export interface EngineOptions {
  readonly defaults: { readonly memoryLimitMb: number; readonly executionTimeoutS: number };
  /** Cap on isolates alive at once (warm + busy); invocations wait for one beyond it. */
  readonly maxIsolates?: number;
  /** Micro-service runs of one system at once (its share of the isolate slots); default 16. */
  readonly maxRunsPerSystem?: number;
  /** Micro-service runs of one service at once; default 8. */
  readonly maxRunsPerService?: number;
  /** Runs waiting for a slot per system; beyond it `invoke` rejects CB_ERR_SANDBOX_BUSY; default 128. */
  readonly maxQueuedPerSystem?: number;
  /** Warm idle isolates kept per service version. */
  readonly maxIdlePerVersion?: number;
  /** Blank isolates (prelude compiled) kept ready so a new version is ready in well under 2 ms; default 2. */
  readonly blankIsolates?: number;
  /** Context builds in flight across the engine (a waited-for build goes first); default 16. */
  readonly contextBuilds?: number;
  readonly limits?: Partial<EngineLimits>;
  /** Stream restart backoff: first delay and cap, ms. */
  readonly restartBackoff?: { readonly initialMs: number; readonly maxMs: number };
  readonly edge?: { readonly isEdge: boolean; readonly edgeId: string; readonly platformUrl: string };
  /** `cbmeta.node_id`. */
  readonly nodeId?: string;
  /** close(): how long in-flight runs may take before they are ended with CB_ERR_SANDBOX_CLOSED; default 5 s. */
  readonly closeGraceMs?: number;
  /** Warm contexts: runs one context serves (default 1000) and idle ms before it is replaced (default 300 s). */
  readonly warm?: { readonly maxRuns?: number; readonly idleMs?: number };
}

/** Context lifecycle counters since the engine started (Engine.stats): what tests and benches observe. */
export interface EngineStats {
  /** Contexts built (warm and strict). */
  readonly contextsBuilt: number;
  /** Micro runs served by a warm context / by a fresh context (strict isolation). */
  readonly warmRuns: number;
  readonly strictRuns: number;
  /** Crossings that carried more than one run (invokeBatch), and the runs they carried. */
  readonly batches: number;
  readonly batchedRuns: number;
  /**
   * Warm contexts replaced, by reason: `runs` (served maxRuns), `idle`, `fault` (the engine ended the run:
   * timeout, memory, a limit; the isolate goes with it), `uncaught` (an error escaped the run), `doubt`
   * (the run left the global object or a built-in the prelude relies on changed, or used WebAssembly).
   */
  readonly recycled: Readonly<Record<'runs' | 'idle' | 'fault' | 'uncaught' | 'doubt', number>>;
}

/** What the engine holds right now (Engine.resources): read by metrics at scrape time. */
export interface EngineResources {
  /** Isolates in the pool (idle and busy; stream instances have their own, outside it). */
  readonly isolates: number;
  /** Heap used by the pooled isolates, bytes. */
  readonly isolateHeapBytes: number;
  /** Micro runs holding a run slot, and runs waiting for one. */
  readonly runsRunning: number;
  readonly runsWaiting: number;
}

export interface EngineDeps {
  readonly host: Host;
  readonly log: Log;
  readonly clock: Clock;
}

/** What the engine reports to whoever watches it (the platform, tests waiting for a state). */
export interface EngineEventMap {
  /** A stream instance changed state (running, backoff, stopped). */
  stream: RunningInstance;
}

/** The code engine: the one door into user code. */
export interface Engine {
  /** Compiles and warms a version so its first run pays no compile; rejects CB_ERR_SANDBOX_COMPILE. */
  prepare(version: ServiceVersion): Promise<void>;
  /**
   * Runs a micro service (or one run of any service); never rejects for the service's faults. Rejects
   * CB_ERR_SANDBOX_BUSY when the system's queue for run slots is full (the service did not run).
   */
  invoke(version: ServiceVersion, request: InvokeRequest): Promise<InvokeResult>;
  /**
   * Runs requests of one version in order, up to all of them in one crossing into a warm context, each with
   * its own scope, logs and result (strict isolation: one `invoke` each). A run that times out or breaks the
   * context ends only itself; the rest run in a fresh context. Answers in the order of `requests`.
   */
  invokeBatch(version: ServiceVersion, requests: readonly InvokeRequest[]): Promise<InvokeResult[]>;
  /** Starts `concurrency` instances of a stream service (replacing running ones of the same name). */
  startStream(version: ServiceVersion, request: InvokeRequest): Promise<void>;
  /** Stops every instance of a stream service; resolves once they are gone. */
  stopStream(systemKey: string, name: string): Promise<void>;
  /** Stops one instance by id; false when no such instance. */
  stopInstance(instanceId: string): Promise<boolean>;
  running(systemKey?: string): RunningInstance[];
  /** Registers a listener for what the engine reports (EngineEventMap); returns its remover. */
  on<K extends keyof EngineEventMap>(event: K, listener: (event: EngineEventMap[K]) => void): () => void;
  /** Delayed publishes waiting, of a system (and service). */
  delayedPublishes(systemKey: string, name?: string): DelayedPublishInfo[];
  /** Drops warm isolates of every version of a service and cancels its delayed publishes (after an update or delete). */
  retire(systemKey: string, name: string, keepVersion?: number): void;
  /** Stops streams, waits for in-flight runs, disposes every isolate; idempotent. */
  close(): Promise<void>;
  /** Context lifecycle counters (warm runs, recycling). */
  stats(): EngineStats;
  /** Isolates, their heap and run-slot queues now (one pass over the pool's isolates). */
  resources(): EngineResources;
}
