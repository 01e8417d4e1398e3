// Stream services (execution_timeout -1) follow the registry: started at platform start and whenever a
// version is saved, stopped when the service is deleted or stops being a stream, and stopped when the
// identity it runs as (the user or device that saved it, or its run_user) is deleted: losing access ends
// access. The engine supervises the instances (restart with backoff); this module only decides what runs,
// and records each instance that exits (crash, fault or return) for its author (run-record.ts).
// In a cluster each node runs only the instances stream-placement.ts gives it, re-decides whenever the
// node list changes, and tells the other nodes of a start or stop by hand (README "Streams in a cluster").
import type { Engine, RunningInstance } from '../../engine/types.js';
import { IsobarError, isIsobarError } from '../../runtime-api/errors/index.js';
import { singleNode, type Cluster } from '../kernel/cluster.js';
import type { Log } from '../kernel/log.js';
import type { Invoker } from './invoke.js';
import type { RunRecorder } from './run-record.js';
import type { CurrentService, Registry } from './registry.js';
import { instancesOf } from './stream-placement.js';
import type { RegistryChange } from './types.js';

/** The cluster channel on which a node tells the others it started or stopped a stream service by hand. */
export const STREAMS_CHANNEL = 'code.streams';

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
  /**
   * Follows the other nodes: re-places instances when a node joins or dies, applies the starts and stops
   * they announce; answers the remover (component close). Nothing to follow on one node.
   */
  followCluster(): () => void;
  /** Resolves once every placement decided so far is carried out (the reload and tests wait on it). */
  settled(): Promise<void>;
}

/** A start or stop by hand, as announced on STREAMS_CHANNEL. */
interface Announcement {
  readonly op: 'start' | 'stop';
  readonly systemKey: string;
  readonly name: string;
}

/** The announcement in `message`, or undefined when it is not one (another version's, or garbage). */
function announcement(message: unknown): Announcement | undefined {
  if (typeof message !== 'object' || message === null) return undefined;
  const m = message as Record<string, unknown>;
  if ((m.op !== 'start' && m.op !== 'stop') || typeof m.systemKey !== 'string' || typeof m.name !== 'string')
    return undefined;
  return { op: m.op, systemKey: m.systemKey, name: m.name };
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
  invoker: Pick<Invoker, 'versionOf' | 'streamRequest'>;
  recorder: Pick<RunRecorder, 'streamExited'>;
  log: Log;
  /** The other nodes (services/kernel/cluster.ts); one node when absent. */
  cluster?: Cluster;
}): Streams {
  const { registry, invoker, log } = deps;
  const cluster = deps.cluster ?? singleNode('local');
  const keyOf = (systemKey: string, name: string) => `${systemKey}\u0000${name}`;
  /** service → instance number → engine instance id: what this node runs of each stream service. */
  const held = new Map<string, Map<number, string>>();
  /** Stopped by hand or with their identity: not placed again until started or saved. */
  const stopped = new Set<string>();
  // Placement steps run one at a time, so `held` always describes what the engine runs.
  let queue: Promise<unknown> = Promise.resolve();
  const serial = <T>(fn: () => Promise<T>): Promise<T> => {
    const next = queue.then(fn, fn);
    queue = next.catch(() => undefined);
    return next;
  };

  const isRunning = (systemKey: string, name: string) =>
    deps
      .engine()
      .running(systemKey)
      .some((i) => i.name === name);

  const stopAll = async (systemKey: string, name: string): Promise<void> => {
    held.delete(keyOf(systemKey, name));
    await deps.engine().stopStream(systemKey, name);
  };
  /** A stop by hand (here or announced): stopped, and not placed again until started or saved. */
  const halt = async (systemKey: string, name: string): Promise<void> => {
    stopped.add(keyOf(systemKey, name));
    await stopAll(systemKey, name);
  };

  /**
   * Runs this node's share of a stream service. `restart` (a save, a start by hand, platform start)
   * restarts what runs here; otherwise (the node list changed) instances this node lost stop alone, and
   * only a gain restarts the service's instances here (the engine starts a service's instances together).
   */
  const place = async (current: CurrentService, restart: boolean): Promise<void> => {
    const { system_key: systemKey, name, concurrency } = current.record;
    const key = keyOf(systemKey, name);
    const total = Math.max(1, concurrency);
    const mine = instancesOf(cluster.nodeId, systemKey, name, total, cluster.nodes());
    const had = held.get(key) ?? new Map<number, string>();
    if (!restart && mine.every((i) => had.has(i))) {
      for (const [i, id] of [...had]) {
        if (mine.includes(i)) continue;
        had.delete(i);
        await deps.engine().stopInstance(id);
      }
      return;
    }
    if (mine.length === 0) return stopAll(systemKey, name);
    const version = invoker.versionOf(current);
    // Runs as its run_user or the identity that saved it, never as the system's owner by default.
    const request = await invoker.streamRequest(current);
    const share = mine.length === version.concurrency ? version : { ...version, concurrency: mine.length };
    await deps.engine().startStream(share, request);
    const ids = deps
      .engine()
      .running(systemKey)
      .filter((i) => i.name === name)
      .map((i) => i.instanceId);
    held.set(key, new Map(mine.map((n, j) => [n, ids[j] ?? ''])));
  };

  /** Starts (or restarts) a service's share here, by its name; nothing when it is unknown here. */
  const start = async (systemKey: string, name: string): Promise<void> => {
    const current = registry.find(systemKey, name);
    if (current === undefined || current.record.execution_timeout !== -1) return;
    stopped.delete(keyOf(systemKey, name));
    await place(current, true);
  };

  /** After the node list changed: every stream service not stopped by hand takes its new placement. */
  const replaceAll = async (): Promise<void> => {
    for (const current of registry.all()) {
      const { system_key: systemKey, name, execution_timeout: timeout } = current.record;
      if (timeout !== -1 || stopped.has(keyOf(systemKey, name))) continue;
      try {
        await place(current, false);
      } catch (err) {
        log.error('stream service not placed', { systemKey, name, err: String(err) });
      }
    }
  };

  const tell = (op: Announcement['op'], systemKey: string, name: string): void => {
    if (!cluster.enabled) return;
    cluster.announce(STREAMS_CHANNEL, { op, systemKey, name }).catch((err: unknown) => {
      log.error('stream start/stop not announced to the other nodes', {
        op,
        systemKey,
        name,
        err: String(err),
      });
    });
  };

  return {
    onChange(change) {
      return serial(async () => {
        const engine = deps.engine();
        if (change.kind === 'deleted') {
          stopped.delete(keyOf(change.systemKey, change.name));
          await stopAll(change.systemKey, change.name);
          engine.retire(change.systemKey, change.name);
          return;
        }
        const { system_key: systemKey, name, execution_timeout: timeout, current_version } = change.service;
        if (timeout === -1) await start(systemKey, name);
        else if (isRunning(systemKey, name)) await stopAll(systemKey, name);
        engine.retire(systemKey, name, current_version);
      });
    },
    startAll() {
      return serial(async () => {
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
      });
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
    stopRunningAs(systemKey, kind, id) {
      return serial(async () => {
        const names = registry
          .all()
          .filter((c) => c.record.system_key === systemKey && runsAs(c, kind, id))
          .map((c) => c.record.name);
        // Not placed again when a node joins or dies, running here or not.
        for (const name of names) stopped.add(keyOf(systemKey, name));
        const running = names.filter((name) => isRunning(systemKey, name));
        // All at once: each stop takes its instances off the running list before it awaits their end.
        await Promise.all(
          running.map(async (name) => {
            await stopAll(systemKey, name);
            log.info('stream service stopped: the identity it runs as was deleted', {
              systemKey,
              name,
              kind,
              id,
            });
          }),
        );
        return running;
      });
    },
    running(systemKey) {
      const out: Record<string, RunningInstance> = {};
      for (const instance of deps.engine().running(systemKey)) out[instance.instanceId] = instance;
      return out;
    },
    async startService(systemKey, name) {
      const current = registry.get(systemKey, name);
      if (current.record.execution_timeout !== -1) throw new IsobarError('CB_ERR_CODE_NOT_STREAM', { name });
      await serial(() => start(systemKey, name));
      tell('start', systemKey, name);
    },
    async stopService(systemKey, name) {
      registry.get(systemKey, name);
      await serial(() => halt(systemKey, name));
      tell('stop', systemKey, name);
    },
    async stop(systemKey, instanceId) {
      const known = deps
        .engine()
        .running(systemKey)
        .some((i) => i.instanceId === instanceId);
      if (!known || !(await deps.engine().stopInstance(instanceId)))
        throw new IsobarError('CB_ERR_CODE_INSTANCE_UNKNOWN', { id: instanceId });
    },
    followCluster() {
      if (!cluster.enabled) return () => undefined;
      const offNodes = cluster.onNodesChanged(() => {
        serial(replaceAll).catch((err: unknown) =>
          log.error('stream placement failed', { err: String(err) }),
        );
      });
      const offListen = cluster.listen(STREAMS_CHANNEL, (message, fromNode) => {
        const a = announcement(message);
        if (a === undefined) return;
        const { op, systemKey, name } = a;
        serial(() => (op === 'start' ? start : halt)(systemKey, name)).catch((err: unknown) =>
          log.error('announced stream start/stop failed', {
            op,
            systemKey,
            name,
            fromNode,
            err: String(err),
          }),
        );
      });
      return () => {
        offNodes();
        offListen();
      };
    },
    settled: () => queue.then(() => undefined),
  };
}
