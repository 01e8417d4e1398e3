// The code engine: the only module that runs user code. `createEngine` wires the isolate pool, the invoke
// pipeline, the stream supervisor and the delayed publishes; see engine/README.md for the contract.

import { IsobarError } from '../runtime-api/errors/index.js';
import { BuildSlots } from './build-slots.js';
import { ContextCounters } from './context-stats.js';
import { createDelayedPublishes } from './delayed-publish.js';
import { createInvoker } from './invoke.js';
import { IsolatePool } from './isolate-pool.js';
import { DEFAULT_BACKOFF, DEFAULT_LIMITS, MIN_MEMORY_MB } from './limits.js';
import { preludeSource } from './prelude.js';
import { ExecuteCalls, RunSlots } from './run-slots.js';
import type { SandboxOptions } from './sandbox.js';
import { createStreamSupervisor } from './stream-supervisor.js';
import type {
  Engine,
  EngineDeps,
  EngineLimits,
  EngineOptions,
  InvokeRequest,
  InvokeResult,
  ServiceVersion,
} from './types.js';

export type * from './types.js';

/** Creates the engine; bundles the prelude now so no run pays for it. Starts nothing. */
export async function createEngine(options: EngineOptions, deps: EngineDeps): Promise<Engine> {
  preludeSource();
  const limits: EngineLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const log = deps.log.child({ component: 'engine' });
  const delayed = createDelayedPublishes({
    host: deps.host,
    clock: deps.clock,
    log,
    limits: {
      maxPerSystem: limits.maxDelayedPublishes,
      maxPerService: limits.maxDelayedPerService,
      maxBytesPerService: limits.maxDelayedBytesPerService,
      minIntervalMs: limits.minDelayedIntervalMs,
    },
  });
  const edge = options.edge ?? { isEdge: false, edgeId: '', platformUrl: '' };
  const defaultMemoryMb = Math.max(MIN_MEMORY_MB, options.defaults.memoryLimitMb);
  const onCatastrophicError = (message: string) => log.error('isolate catastrophic error', { message });
  const builds = new BuildSlots(options.contextBuilds ?? 16);
  const memoryOf = (version: ServiceVersion): number =>
    version.memoryLimitMb > 0 ? Math.max(MIN_MEMORY_MB, version.memoryLimitMb) : defaultMemoryMb;
  const counters = new ContextCounters();
  const warm = {
    maxRuns: Math.max(1, options.warm?.maxRuns ?? 100_000),
    idleMs: Math.max(0, options.warm?.idleMs ?? 300_000),
    now: () => deps.clock.now(),
  };
  // Stream instances (`dedicated`) run once in their own isolate: the plain script, as before warm runs.
  const sandboxOptions = (version: ServiceVersion, dedicated = false): SandboxOptions => ({
    memoryLimitMb: memoryOf(version),
    delayed,
    onCatastrophicError,
    builds,
    events: counters,
    ...(dedicated || version.strictIsolation === true ? {} : { warm }),
    config: {
      systemSecret: '',
      isEdge: edge.isEdge,
      edgeId: edge.edgeId,
      platformUrl: edge.platformUrl,
      nodeId: options.nodeId ?? 'isobar',
      maxResultBytes: limits.maxResultBytes,
      maxResultDepth: limits.maxResultDepth,
      maxLogLineChars: limits.maxLogLineChars,
      // WebAssembly memory lives outside the isolate's heap limit: off unless the service asks for it.
      wasmMemoryMb: version.wasm === true ? memoryOf(version) : 0,
    },
  });
  const maxIsolates = options.maxIsolates ?? 64;
  const pool = new IsolatePool({
    maxIsolates,
    maxIdlePerVersion: options.maxIdlePerVersion ?? 16,
    sandbox: sandboxOptions,
    blanks: options.blankIsolates ?? 2,
    defaultMemoryMb,
    onCatastrophicError,
    onError: (what, err) => log.error('engine background work failed', { what, err: String(err) }),
  });
  const slots = new RunSlots({
    total: maxIsolates,
    perSystem: options.maxRunsPerSystem ?? 16,
    perService: options.maxRunsPerService ?? 8,
    queuePerSystem: options.maxQueuedPerSystem ?? 128,
  });
  const executeCalls = new ExecuteCalls();
  const runDeps = {
    host: executeCalls.wrap(deps.host),
    clock: deps.clock,
    log,
    limits,
    delayed,
    defaultTimeoutS: options.defaults.executionTimeoutS,
    slots,
    executeCalls,
    counters,
  };
  const invoker = createInvoker(pool, runDeps);
  const supervisor = createStreamSupervisor(options.restartBackoff ?? DEFAULT_BACKOFF, {
    clock: deps.clock,
    log,
    runInstance: async (version, request, onRun) =>
      invoker.invoke(version, request, {
        stream: true,
        sandbox: await pool.dedicated(version),
        onRun,
      }),
  });
  let closing: Promise<void> | undefined;
  const open = () => {
    if (closing !== undefined) throw new IsobarError('CB_ERR_SANDBOX_CLOSED');
  };

  return {
    async prepare(version) {
      open();
      const error = await pool.prepare(version);
      if (error !== undefined)
        throw new IsobarError('CB_ERR_SANDBOX_COMPILE', { service: version.name, error });
    },
    invoke(version, request) {
      if (closing !== undefined) return Promise.resolve(closedResult(request));
      return invoker.invoke(version, request);
    },
    invokeBatch(version, requests) {
      if (closing !== undefined) return Promise.resolve(requests.map(closedResult));
      return invoker.invokeBatch(version, requests);
    },
    async startStream(version, request) {
      open();
      await supervisor.start(version, request);
    },
    stopStream: (systemKey, name) => supervisor.stop(systemKey, name),
    stopInstance: (instanceId) => supervisor.stopInstance(instanceId),
    running: (systemKey) => supervisor.running(systemKey),
    on: (_event, listener) => supervisor.onChange(listener),
    delayedPublishes: (systemKey, name) => delayed.list(systemKey, name),
    retire(systemKey, name, keep) {
      // An updated or deleted service's delayed publishes go with the code that scheduled them.
      delayed.cancelService(systemKey, name);
      pool.retire(systemKey, name, keep);
    },
    stats: () => counters.snapshot(),
    resources() {
      const s = slots.stats();
      return {
        isolates: pool.size,
        isolateHeapBytes: pool.heapUsedBytes(),
        runsRunning: s.running,
        runsWaiting: s.waiting,
      };
    },
    close() {
      closing ??= (async () => {
        await supervisor.close();
        delayed.close();
        // In-flight runs may finish; a run still blocked (say in waitForMessage) after the grace is ended.
        const cancel = deps.clock.setTimer(options.closeGraceMs ?? 5000, () =>
          invoker.killAll('CB_ERR_SANDBOX_CLOSED'),
        );
        await invoker.idle();
        cancel();
        pool.close();
      })();
      return closing;
    },
  };
}

/** What a run asked for after `close()` answers: the engine is closed. */
function closedResult(request: InvokeRequest): InvokeResult {
  return {
    success: false,
    results: null,
    code: 'CB_ERR_SANDBOX_CLOSED',
    message: new IsobarError('CB_ERR_SANDBOX_CLOSED').message,
    logs: [],
    instanceId: request.instanceId ?? '',
    durationMs: 0,
  };
}
