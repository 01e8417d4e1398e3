// Stream services (execution_timeout -1) follow the registry: started at platform start and whenever a
// version is saved, stopped when the service is deleted or stops being a stream, and stopped when the
// identity it runs as (the user or device that saved it, or its run_user) is deleted: losing access ends
// access. The engine supervises the instances (restart with backoff); this module only decides what runs,
// and records each instance that exits (crash, fault or return) for its author (run-record.ts).
import type { Engine, RunningInstance } from '../../engine/types.js';
import { IsobarError, isIsobarError } from '../../runtime-api/errors/index.js';
import type { Log } from '../kernel/log.js';
import type { Invoker } from './invoke.js';
import type { RunRecorder } from './run-record.js';
import type { CurrentService, Registry } from './registry.js';
import type { RegistryChange } from './types.js';

/** What the REST routes see of running streams. */
export interface StreamControl {
  /** `instanceId → instance` of a system (ClearBlade answers a map). */
  running(systemKey: string): Record<string, RunningInstance>;
  /** Stops one instance of the system; CB_ERR_CODE_INSTANCE_UNKNOWN when there is none. */
  stop(systemKey: string, instanceId: string): Promise<void>;
  /**
   * (Re)starts every instance of a stream service with its current version (running ones stop first);
   * CB_ERR_CODE_NOT_STREAM when execution_timeout is not -1, CB_ERR_CODE_SERVICE_UNKNOWN when none.
   */
  startService(systemKey: string, name: string): Promise<void>;
  /** Stops every instance of a service; they stay stopped until started or saved again. */
  stopService(systemKey: string, name: string): Promise<void>;
}

export interface Streams extends StreamControl {
  /** Reacts to a registry change (awaited by the registry). */
  onChange(change: RegistryChange): Promise<void>;
  /** Prepares every current version and starts every stream service (platform start). */
  startAll(): Promise<void>;
  /** Records instance exits from the engine's stream events; answers the remover (component close). */
  watchExits(): () => void;
  /**
   * Stops the running streams of a system that run as a deleted user or device (saved by it, or with it
   * as run_user); answers their names. They stay stopped until the service is saved again.
   */
  stopRunningAs(systemKey: string, kind: 'user' | 'device', id: string): Promise<string[]>;
}

/** True when a stream of `current` runs as the user or device `kind`/`id`. */
function runsAs(current: CurrentService, kind: 'user' | 'device', id: string): boolean {
  const r = current.record;
  if (kind === 'user' && r.run_user === id) return true;
  return r.run_user === '' && r.created_by.kind === kind && r.created_by.id === id;
}

/** Builds the stream follower over the (late-bound) engine. */
export function createStreams(deps: {
  engine: () => Engine;
  registry: Registry;
  invoker: Invoker;
  recorder: RunRecorder;
  log: Log;
}): Streams {
  const { registry, invoker, log } = deps;

  const start = async (systemKey: string, name: string): Promise<void> => {
    const current = registry.find(systemKey, name);
    if (current === undefined) return;
    const version = invoker.versionOf(current);
    // Runs as its run_user or the identity that saved it, never as the system's owner by default.
    const request = await invoker.streamRequest(current);
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
          const code = isIsobarError(err) ? err.code : undefined;
          log.error('service not started', { systemKey, name, code, err: String(err) });
        }
      }
    },
    watchExits() {
      return deps.engine().on('stream', (instance) => {
        // 'backoff' and 'stopped' follow an exit; a stop the platform asked for is no failure to report.
        if (instance.state === 'running' || instance.state === 'starting') return;
        if (instance.lastExit === undefined || instance.lastExit === 'CB_ERR_SANDBOX_STOPPED') return;
        const current = registry.find(instance.systemKey, instance.name);
        if (current === undefined || current.record.current_version !== instance.version) return;
        deps.recorder.streamExited(invoker.versionOf(current), current.record.log_ttl_minutes, instance);
      });
    },
    async stopRunningAs(systemKey, kind, id) {
      const names = registry
        .all()
        .filter((c) => c.record.system_key === systemKey && runsAs(c, kind, id))
        .map((c) => c.record.name)
        .filter((name) => isRunning(systemKey, name));
      // All at once: each stop takes its instances off the running list before it awaits their end.
      await Promise.all(
        names.map(async (name) => {
          await deps.engine().stopStream(systemKey, name);
          log.info('stream service stopped: the identity it runs as was deleted', {
            systemKey,
            name,
            kind,
            id,
          });
        }),
      );
      return names;
    },
    running(systemKey) {
      const out: Record<string, RunningInstance> = {};
      for (const instance of deps.engine().running(systemKey)) out[instance.instanceId] = instance;
      return out;
    },
    async startService(systemKey, name) {
      const current = registry.get(systemKey, name);
      if (current.record.execution_timeout !== -1) throw new IsobarError('CB_ERR_CODE_NOT_STREAM', { name });
      await start(systemKey, name);
    },
    async stopService(systemKey, name) {
      registry.get(systemKey, name);
      await deps.engine().stopStream(systemKey, name);
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
