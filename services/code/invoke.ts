// The one door into user code for REST, triggers, timers and `ClearBlade.Code().execute`:
// resolveService → limitDepth → authorizeCaller → resolveRunAs (run-as.ts) → run (engine) → record
// (run-record.ts: positions mapped to the author's source, a log row when logging or failed, the live tail).
// Reads memory only (a user token for a run-as identity is issued once and cached).
//
// The call-depth rule lives here and nowhere else: a run's `hop` counts the services before it in its
// chain (REST and timers 0, a trigger the hop of the publish that fired it, `Code().execute` its caller's
// hop + 1), and a run at hop ≥ `engine.hopLimit` is refused with CB_ERR_SANDBOX_DEPTH as its result — so a
// chain of triggers and one of `Code().execute` both run at most `hopLimit` services, and the calling
// service (its execute callback) or the trigger's log sees the code.
import { randomUUID } from 'node:crypto';
import type { Caller, InvokeRequest, InvokeResult, ServiceVersion } from '../../engine/types.js';
import type { IdentityService } from '../identity/types.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Clock } from '../kernel/clock.js';
import type { RunRecorder } from './run-record.js';
import type { RunSource } from './run-tail.js';
import type { CurrentService, Registry } from './registry.js';
import type { RunAs } from './run-as.js';

/** What the door needs of the engine. */
export interface EngineInvoke {
  invoke(version: ServiceVersion, request: InvokeRequest): Promise<InvokeResult>;
  invokeBatch(version: ServiceVersion, requests: readonly InvokeRequest[]): Promise<InvokeResult[]>;
}

export interface InvokeOptions {
  /** Services before this run in its chain (0 for REST and timers); refused at `hopLimit`. */
  readonly hop?: number;
  /** Logging-enabled header (or the caller's flag); the service's own switch also turns logging on. */
  readonly logging?: boolean;
  /** `?id=` of the execute call. */
  readonly instanceId?: string;
  /** Check the caller's service permission (REST, Code().execute); triggers and timers skip it. */
  readonly authorize?: boolean;
  /** Where the run comes from, for its log row and the live tail; default 'rest'. */
  readonly source?: RunSource;
}

/** The signature triggers, timers, REST and the Host share. */
export type InvokeService = (
  systemKey: string,
  name: string,
  params: unknown,
  caller: Caller,
  options?: InvokeOptions,
) => Promise<InvokeResult>;

/** One run of a batch: what differs between the events of one service. */
export interface BatchItem {
  readonly params: unknown;
  readonly caller: Caller;
  readonly hop: number;
  /** Where the event comes from (its log row and the live tail); default 'trigger'. */
  readonly source?: RunSource;
}

/**
 * The door for a batch of events of one service (triggers): the same steps as `InvokeService` per item
 * (no caller authorization: triggers and timers skip it), then one `engine.invokeBatch` for the items that
 * may run. Answers in the order of `items`.
 */
export type InvokeServiceBatch = (
  systemKey: string,
  name: string,
  items: readonly BatchItem[],
) => Promise<InvokeResult[]>;

export interface InvokerDeps {
  readonly registry: Registry;
  readonly engine: () => EngineInvoke;
  readonly identity: IdentityService;
  readonly runAs: RunAs;
  readonly recorder: RunRecorder;
  readonly clock: Clock;
  readonly memoryLimitMb: number;
  /** Most services in one chain of triggers or `Code().execute` calls (config engine.hopLimit). */
  readonly hopLimit: number;
}

export interface Invoker {
  readonly invoke: InvokeService;
  readonly invokeBatch: InvokeServiceBatch;
  /** The engine's view of a current version (one object per version, so engine caches can key on it). */
  versionOf(current: CurrentService): ServiceVersion;
  /**
   * The engine request that starts a stream service: it runs as (and is called by) its run_user or the
   * identity that saved it; throws CB_ERR_CODE_RUN_USER_UNKNOWN / CB_ERR_CODE_AUTHOR_UNKNOWN.
   */
  streamRequest(current: CurrentService): Promise<InvokeRequest>;
}

/** Builds the invoke door over the registry, identity and (late-bound) engine. */
export function createInvoker(deps: InvokerDeps): Invoker {
  const { registry, identity, recorder, clock } = deps;
  const versions = new WeakMap<CurrentService['record'], ServiceVersion>();

  const versionOf = (current: CurrentService): ServiceVersion => {
    let v = versions.get(current.record);
    if (v === undefined) {
      const r = current.record;
      v = {
        systemKey: r.system_key,
        name: r.name,
        version: r.current_version,
        code: current.bundle,
        executionTimeout: r.execution_timeout,
        memoryLimitMb: r.memory_limit_mb ?? deps.memoryLimitMb,
        wasm: r.allow_wasm,
        strictIsolation: r.strict_isolation,
        concurrency: r.concurrency,
        autoRestart: r.auto_restart,
        loggingEnabled: r.logging_enabled,
        runUser: r.run_user === '' ? undefined : r.run_user,
      };
      versions.set(current.record, v);
    }
    return v;
  };

  const systemSecret = (systemKey: string) => identity.system(systemKey)?.systemSecret ?? '';

  /** Execute permission of the caller and of every identity that bounds it (run-as.ts). */
  const authorized = (caller: Caller, systemKey: string, name: string): boolean =>
    [caller, ...deps.runAs.boundsOf(caller)].every((who) => identity.serviceAllowed(who, systemKey, name));

  /** The outcome of a run refused for its depth; it never reached the engine. */
  const tooDeep = (name: string, instanceId: string | undefined): InvokeResult => ({
    success: false,
    results: null,
    code: 'CB_ERR_SANDBOX_DEPTH',
    message: new IsobarError('CB_ERR_SANDBOX_DEPTH', { service: name, limit: deps.hopLimit }).message,
    logs: [],
    instanceId: instanceId ?? randomUUID(),
    durationMs: 0,
  });

  /** The engine's request for one run (the run-as identity is issued once per caller and cached: run-as.ts). */
  const requestOf = async (
    current: CurrentService,
    secret: string,
    item: BatchItem,
    logging: boolean,
    instanceId: string,
  ): Promise<InvokeRequest> => ({
    params: item.params ?? {},
    caller: item.caller,
    runAs: await deps.runAs.micro(current, item.caller),
    systemSecret: secret,
    instanceId,
    logging,
    hop: item.hop,
  });

  /** Hands an ended run to the recorder (its log row, the live tail), with where it came from and who ran it. */
  const recorded = (
    version: ServiceVersion,
    current: CurrentService,
    run: { source: RunSource; logging: boolean; startedAt: number; caller: Caller },
    result: InvokeResult,
  ): InvokeResult => {
    const { kind, id } = run.caller;
    return recorder.ended(version, current.record.log_ttl_minutes, { ...run, caller: { kind, id } }, result);
  };

  const invoke: InvokeService = async (systemKey, name, params, caller, options = {}) => {
    const hop = options.hop ?? 0;
    // resolveService
    const current = registry.find(systemKey, name);
    if (current === undefined) throw new IsobarError('CB_ERR_CODE_SERVICE_UNKNOWN', { name });
    // limitDepth: refused as a result, not a throw, so every source hands it on like any ended run.
    if (hop >= deps.hopLimit) return tooDeep(name, options.instanceId);
    // authorizeCaller
    if (options.authorize === true && !authorized(caller, systemKey, name)) {
      throw new IsobarError('CB_ERR_CODE_EXECUTE_DENIED', { principal: caller.name || caller.id, name });
    }
    const version = versionOf(current);
    const logging = options.logging === true || current.record.logging_enabled;
    const instanceId = options.instanceId ?? randomUUID();
    const request = await requestOf(
      current,
      systemSecret(systemKey),
      { params, caller, hop },
      logging,
      instanceId,
    );
    const startedAt = clock.now();
    const result = await deps.engine().invoke(version, request);
    return recorded(
      version,
      current,
      { source: options.source ?? 'rest', logging, startedAt, caller },
      result,
    );
  };

  const invokeBatch: InvokeServiceBatch = async (systemKey, name, items) => {
    const current = registry.find(systemKey, name);
    if (current === undefined) throw new IsobarError('CB_ERR_CODE_SERVICE_UNKNOWN', { name });
    const version = versionOf(current);
    const logging = current.record.logging_enabled;
    const secret = systemSecret(systemKey);
    const results: Array<InvokeResult | undefined> = [];
    const requests: InvokeRequest[] = [];
    const at: number[] = [];
    for (let i = 0; i < items.length; i++) {
      const item = items[i];
      // limitDepth, per item: a too-deep event answers CB_ERR_SANDBOX_DEPTH and the others still run.
      if (item.hop >= deps.hopLimit) {
        results[i] = tooDeep(name, undefined);
        continue;
      }
      requests.push(await requestOf(current, secret, item, logging, randomUUID()));
      at.push(i);
    }
    const startedAt = clock.now();
    const ran = requests.length === 0 ? [] : await deps.engine().invokeBatch(version, requests);
    ran.forEach((result, j) => {
      const { source = 'trigger', caller } = items[at[j]];
      results[at[j]] = recorded(version, current, { source, logging, startedAt, caller }, result);
    });
    return results.map((r) => r ?? tooDeep(name, undefined));
  };

  return {
    invoke,
    invokeBatch,
    versionOf,
    async streamRequest(current) {
      const runAs = await deps.runAs.stream(current);
      return {
        params: {},
        caller: runAs,
        runAs,
        systemSecret: systemSecret(current.record.system_key),
        logging: current.record.logging_enabled,
        hop: 0,
      };
    },
  };
}
