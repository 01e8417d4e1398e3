// The one door into user code for REST, triggers, timers and `ClearBlade.Code().execute`:
// resolveService → authorizeCaller → resolveRunAs → run (engine) → keepLogs. Reads memory only.
import { randomUUID } from 'node:crypto';
import type { Caller, InvokeRequest, InvokeResult, ServiceVersion } from '../../engine/types.js';
import type { IdentityService, Principal } from '../identity/types.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Clock } from '../clock.js';
import type { CodeLogs } from './logs.js';
import type { CurrentService, Registry } from './registry.js';

/** What the door needs of the engine. */
export interface EngineInvoke {
  invoke(version: ServiceVersion, request: InvokeRequest): Promise<InvokeResult>;
}

export interface InvokeOptions {
  /** Depth of the chain that led here (0 for REST). */
  readonly hop?: number;
  /** Logging-enabled header (or the caller's flag); the service's own switch also turns logging on. */
  readonly logging?: boolean;
  /** `?id=` of the execute call. */
  readonly instanceId?: string;
  /** Check the caller's service permission (REST, Code().execute); triggers and timers skip it. */
  readonly authorize?: boolean;
}

/** The signature triggers, timers, REST and the Host share. */
export type InvokeService = (
  systemKey: string,
  name: string,
  params: unknown,
  caller: Caller,
  options?: InvokeOptions,
) => Promise<InvokeResult>;

export interface InvokerDeps {
  readonly registry: Registry;
  readonly engine: () => EngineInvoke;
  readonly identity: IdentityService;
  readonly logs: CodeLogs;
  readonly clock: Clock;
  readonly memoryLimitMb: number;
  /** Deepest chain of service calls (config engine.hopLimit). */
  readonly hopLimit: number;
}

export interface Invoker {
  readonly invoke: InvokeService;
  /** The engine's view of a current version (one object per version, so engine caches can key on it). */
  versionOf(current: CurrentService): ServiceVersion;
  /** The engine request for a run of `current` by `caller` (runAs resolved, system secret filled in). */
  request(
    current: CurrentService,
    caller: Caller,
    options: { params: unknown; instanceId?: string; logging: boolean; hop: number },
  ): Promise<InvokeRequest>;
  /** A caller for platform-started runs (stream services at boot): the system's owner. */
  systemCaller(systemKey: string): Caller;
}

/** A Caller as identity's permission checks want it. */
export function principalOf(caller: Caller): Principal {
  return {
    kind: caller.kind,
    id: caller.id,
    name: caller.email,
    systemKey: caller.kind === 'developer' ? null : caller.systemKey,
    token: caller.token,
    expiresAt: Number.MAX_SAFE_INTEGER,
  };
}

/** A Principal (REST) as the engine's Caller, in the system of the path. */
export function callerOf(principal: Principal, systemKey: string): Caller {
  return {
    kind: principal.kind,
    id: principal.id,
    email: principal.name,
    token: principal.token,
    systemKey,
  };
}

/** Run-user tokens are reused until this close to expiry. */
const TOKEN_MARGIN_MS = 60_000;

/** Builds the invoke door over the registry, identity and (late-bound) engine. */
export function createInvoker(deps: InvokerDeps): Invoker {
  const { registry, identity, logs, clock } = deps;
  const versions = new WeakMap<CurrentService['record'], ServiceVersion>();
  const tokens = new Map<string, { token: string; expiresAt: number }>();

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
        concurrency: r.concurrency,
        autoRestart: r.auto_restart,
        loggingEnabled: r.logging_enabled,
        runUser: r.run_user === '' ? undefined : r.run_user,
      };
      versions.set(current.record, v);
    }
    return v;
  };

  const runAs = async (current: CurrentService, caller: Caller): Promise<Caller> => {
    const { system_key: systemKey, run_user: userId } = current.record;
    if (userId === '') return caller;
    const user = identity.userById(systemKey, userId);
    if (user === undefined) throw new IsobarError('CB_ERR_CODE_RUN_USER_UNKNOWN', { userId, systemKey });
    const k = `${systemKey}\u0000${userId}`;
    let issued = tokens.get(k);
    if (issued === undefined || issued.expiresAt - TOKEN_MARGIN_MS <= clock.now()) {
      const login = await identity.issueUserToken(systemKey, userId);
      issued = { token: login.token, expiresAt: login.expiresAt };
      tokens.set(k, issued);
    }
    return { kind: 'user', id: user.id, email: user.email, token: issued.token, systemKey };
  };

  const requestFor: Invoker['request'] = async (current, caller, o) => ({
    params: o.params ?? {},
    caller,
    runAs: await runAs(current, caller),
    systemSecret: identity.system(current.record.system_key)?.systemSecret ?? '',
    instanceId: o.instanceId,
    logging: o.logging,
    hop: o.hop,
  });

  const invoke: InvokeService = async (systemKey, name, params, caller, options = {}) => {
    const hop = options.hop ?? 0;
    // resolveService
    const current = registry.find(systemKey, name);
    if (current === undefined) throw new IsobarError('CB_ERR_CODE_SERVICE_UNKNOWN', { name });
    if (hop > deps.hopLimit) throw new IsobarError('CB_ERR_CODE_CALL_DEPTH', { name, limit: deps.hopLimit });
    // authorizeCaller
    if (options.authorize === true && !identity.serviceAllowed(principalOf(caller), systemKey, name)) {
      throw new IsobarError('CB_ERR_CODE_EXECUTE_DENIED', { principal: caller.email || caller.id, name });
    }
    const version = versionOf(current);
    const logging = options.logging === true || current.record.logging_enabled;
    const request = await requestFor(current, caller, {
      params,
      instanceId: options.instanceId ?? randomUUID(),
      logging,
      hop,
    });
    const startedAt = clock.now();
    const result = await deps.engine().invoke(version, request);
    // keepLogs
    if (logging) {
      logs.record({
        systemKey,
        name,
        version: version.version,
        instanceId: result.instanceId,
        startedAt,
        durationMs: result.durationMs,
        success: result.success,
        lines: result.logs,
        ttlMinutes: current.record.log_ttl_minutes,
      });
    }
    return result;
  };

  return {
    invoke,
    versionOf,
    request: requestFor,
    systemCaller(systemKey) {
      const system = identity.system(systemKey);
      return { kind: 'developer', id: system?.ownerId ?? '', email: '', token: '', systemKey };
    },
  };
}
