// Stream services (execution_timeout -1) follow the registry: started at platform start and whenever a
// version is saved, stopped when the service is deleted or stops being a stream. The engine supervises
// the instances (restart with backoff); this module only decides what should run.
import type { Engine, RunningInstance } from '../../engine/types.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import type { Log } from '../log.js';
import type { Invoker } from './invoke.js';
import type { Registry } from './registry.js';
import type { RegistryChange } from './types.js';

/** What the REST routes see of running streams. */
export interface StreamControl {
  /** `instanceId → instance` of a system (ClearBlade answers a map). */
  running(systemKey: string): Record<string, RunningInstance>;
  /** Stops one instance of the system; CB_ERR_CODE_INSTANCE_UNKNOWN when there is none. */
  stop(systemKey: string, instanceId: string): Promise<void>;
}

export interface Streams extends StreamControl {
  /** Reacts to a registry change (awaited by the registry). */
  onChange(change: RegistryChange): Promise<void>;
  /** Prepares every current version and starts every stream service (platform start). */
  startAll(): Promise<void>;
}

/** Builds the stream follower over the (late-bound) engine. */
export function createStreams(deps: {
  engine: () => Engine;
  registry: Registry;
  invoker: Invoker;
  log: Log;
}): Streams {
  const { registry, invoker, log } = deps;

  const start = async (systemKey: string, name: string): Promise<void> => {
    const current = registry.find(systemKey, name);
    if (current === undefined) return;
    const caller = invoker.systemCaller(systemKey);
    const version = invoker.versionOf(current);
    const request = await invoker.request(current, caller, {
      params: {},
      logging: current.record.logging_enabled,
      hop: 0,
    });
    await deps.engine().startStream(version, request);
  };

  const isRunning = (systemKey: string, name: string) =>
    deps
      .engine()
      .running(systemKey)
      .some((i) => i.name === name);

  return {
    async onChange(change) {
      const engine = deps.engine();
      if (change.kind === 'deleted') {
        await engine.stopStream(change.systemKey, change.name);
        engine.retire(change.systemKey, change.name);
        return;
      }
      const { system_key: systemKey, name, execution_timeout: timeout, current_version } = change.service;
      if (timeout === -1) await start(systemKey, name);
      else if (isRunning(systemKey, name)) await engine.stopStream(systemKey, name);
      engine.retire(systemKey, name, current_version);
    },
    async startAll() {
      const engine = deps.engine();
      for (const current of registry.all()) {
        const { system_key: systemKey, name } = current.record;
        try {
          await engine.prepare(invoker.versionOf(current));
          if (current.record.execution_timeout === -1) await start(systemKey, name);
        } catch (err) {
          // One broken service must not keep the platform (or the other services) from starting.
          log.error('service not started', { systemKey, name, err: String(err) });
        }
      }
    },
    running(systemKey) {
      const out: Record<string, RunningInstance> = {};
      for (const instance of deps.engine().running(systemKey)) out[instance.instanceId] = instance;
      return out;
    },
    async stop(systemKey, instanceId) {
      const known = deps
        .engine()
        .running(systemKey)
        .some((i) => i.instanceId === instanceId);
      if (!known || !(await deps.engine().stopInstance(instanceId)))
        throw new IsobarError('CB_ERR_CODE_INSTANCE_UNKNOWN', { id: instanceId });
    },
  };
}
