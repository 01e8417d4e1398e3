// Stream services: `concurrency` instances, each in its own isolate, started and restarted here. An instance
// that exits (crash, kill, or plain return) is restarted when `autoRestart`, after a backoff that doubles per
// quick exit up to a cap and resets once an instance has stayed up for the cap. Timers come from the Clock.

import { randomUUID } from 'node:crypto';
import type { Clock } from '../runtime-api/clock.js';
import type { Log } from '../runtime-api/log.js';
import type { RunState } from './run-state.js';
import type { InvokeRequest, InvokeResult, RunningInstance, ServiceVersion, StreamState } from './types.js';

/** Runs one instance to its end; `onRun` hands over the run so the supervisor can stop it. */
export type RunInstance = (
  version: ServiceVersion,
  request: InvokeRequest,
  onRun: (run: RunState) => void,
) => Promise<InvokeResult>;

interface Instance {
  readonly instanceId: string;
  readonly version: ServiceVersion;
  readonly request: InvokeRequest;
  readonly started: number;
  restarts: number;
  quickExits: number;
  lastStart: number;
  state: StreamState;
  lastExit?: string;
  /** Text and stack of the last exit (what the author reads in the live tail and failed-run logs). */
  lastMessage?: string;
  lastStack?: string;
  run?: RunState;
  done?: Promise<void>;
  cancelBackoff?: () => void;
}

export interface StreamSupervisor {
  start(version: ServiceVersion, request: InvokeRequest): Promise<void>;
  stop(systemKey: string, name: string): Promise<void>;
  stopInstance(instanceId: string): Promise<boolean>;
  running(systemKey?: string): RunningInstance[];
  /** Reports every state change of an instance (running, backoff, stopped): what waiters and tests watch. */
  onChange(listener: (instance: RunningInstance) => void): () => void;
  close(): Promise<void>;
}

/** Creates the supervisor; nothing runs until `start`. */
export function createStreamSupervisor(
  options: { initialMs: number; maxMs: number },
  deps: { clock: Clock; log: Log; runInstance: RunInstance },
): StreamSupervisor {
  const instances = new Map<string, Instance>();
  const listeners = new Set<(instance: RunningInstance) => void>();
  let closed = false;

  const describe = (i: Instance): RunningInstance => ({
    instanceId: i.instanceId,
    systemKey: i.version.systemKey,
    name: i.version.name,
    version: i.version.version,
    started: i.started,
    restarts: i.restarts,
    state: i.state,
    ...(i.lastExit === undefined ? {} : { lastExit: i.lastExit }),
    ...(i.lastMessage === undefined ? {} : { lastMessage: i.lastMessage }),
    ...(i.lastStack === undefined ? {} : { lastStack: i.lastStack }),
    // What the instance holds outside its isolate: queued messages, each counted once.
    ...(i.run === undefined ? {} : { buffered: i.run.subscriptions.stats }),
  });
  const changed = (inst: Instance): void => {
    if (listeners.size === 0) return;
    const snapshot = describe(inst);
    for (const l of [...listeners]) {
      try {
        l(snapshot);
      } catch (err) {
        deps.log.error('stream instance listener failed', { err: String(err) });
      }
    }
  };

  const launch = (inst: Instance): void => {
    inst.state = 'running';
    inst.lastStart = deps.clock.now();
    inst.cancelBackoff = undefined;
    changed(inst);
    const request = { ...inst.request, instanceId: inst.instanceId };
    inst.done = deps
      .runInstance(inst.version, request, (run) => {
        inst.run = run;
        if (inst.state === 'stopped') run.kill('CB_ERR_SANDBOX_STOPPED');
      })
      .then((result) => exited(inst, result))
      .catch((err: unknown) => exited(inst, { code: 'CB_ERR_SANDBOX_CRASHED', message: String(err) }));
  };

  const exited = (
    inst: Instance,
    result: Pick<InvokeResult, 'code' | 'message' | 'stack'> & { success?: boolean; results?: unknown },
  ): void => {
    inst.run = undefined;
    inst.lastExit = result.code ?? (result.success === false ? 'error' : 'returned');
    const text =
      result.message ??
      (typeof result.results === 'string' ? result.results : JSON.stringify(result.results));
    inst.lastMessage = typeof text === 'string' ? text.slice(0, 2000) : undefined;
    inst.lastStack = result.stack;
    if (inst.state === 'stopped' || closed) return;
    const service = inst.version.name;
    deps.log.warn('stream service instance exited', {
      service,
      instanceId: inst.instanceId,
      exit: inst.lastExit,
      results: String(result.message ?? result.results).slice(0, 200),
    });
    if (!inst.version.autoRestart) {
      inst.state = 'stopped';
      instances.delete(inst.instanceId);
      changed(inst);
      return;
    }
    const upFor = deps.clock.now() - inst.lastStart;
    inst.quickExits = upFor >= options.maxMs ? 0 : inst.quickExits + 1;
    const delay = Math.min(options.maxMs, options.initialMs * 2 ** Math.max(0, inst.quickExits - 1));
    inst.state = 'backoff';
    inst.cancelBackoff = deps.clock.setTimer(delay, () => {
      if (inst.state !== 'backoff' || closed) return;
      inst.restarts++;
      launch(inst);
    });
    changed(inst);
  };

  const stopOne = async (inst: Instance): Promise<void> => {
    inst.state = 'stopped';
    // Listeners hear a stop as this exit, not as a repeat of an earlier crash.
    inst.lastExit = 'CB_ERR_SANDBOX_STOPPED';
    inst.lastMessage = undefined;
    inst.lastStack = undefined;
    inst.cancelBackoff?.();
    inst.run?.kill('CB_ERR_SANDBOX_STOPPED');
    instances.delete(inst.instanceId);
    changed(inst);
    await inst.done;
  };

  const stop = async (systemKey: string, name: string): Promise<void> => {
    const mine = [...instances.values()].filter(
      (i) => i.version.systemKey === systemKey && i.version.name === name,
    );
    await Promise.all(mine.map(stopOne));
  };

  return {
    async start(version, request) {
      if (closed) return;
      await stop(version.systemKey, version.name);
      const now = deps.clock.now();
      for (let i = 0; i < Math.max(1, version.concurrency); i++) {
        const inst: Instance = {
          instanceId: randomUUID(),
          version,
          request,
          started: now,
          restarts: 0,
          quickExits: 0,
          lastStart: now,
          state: 'starting',
        };
        instances.set(inst.instanceId, inst);
        launch(inst);
      }
    },
    stop,
    async stopInstance(instanceId) {
      const inst = instances.get(instanceId);
      if (inst === undefined) return false;
      await stopOne(inst);
      return true;
    },
    running(systemKey) {
      return [...instances.values()]
        .filter((i) => systemKey === undefined || i.version.systemKey === systemKey)
        .map(describe);
    },
    onChange(listener) {
      listeners.add(listener);
      return () => {
        listeners.delete(listener);
      };
    },
    async close() {
      closed = true;
      await Promise.all([...instances.values()].map(stopOne));
    },
  };
}
