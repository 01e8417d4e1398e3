// The automation component: trigger and timer registries, the event sources, the `$trigger`/`$timer` event
// topics, the dispatcher that runs services off the publisher's path, the REST routes and the bridge ops.
// Built by the composition root after identity, broker and code; nothing listens until `start()`.

import type { Caller, InvokeResult } from '../../engine/types.js';
import type { Component, ComponentBase } from '../kernel/component.js';
import { timerOps } from './timers/bridge-ops.js';
import { createTimerRegistry, type TimerRecord, type TimerRegistry } from './timers/registry.js';
import { timerRoutes } from './timers/routes.js';
import { createTimerScheduler, type TimerScheduler } from './timers/scheduler.js';
import { createAutomationApi, type AutomationApi } from './api.js';
import { triggerOps } from './triggers/bridge-ops.js';
import { createCallers, type CallerIdentity } from './callers.js';
import type { ActionKey } from './triggers/definitions.js';
import { createDispatcher, DEFAULT_DISPATCHER_OPTIONS, type Dispatcher, type Job } from './dispatcher.js';
import { createEventTopics, type EventTopicBroker } from './event-topics.js';
import { platformStartedEvent, type TriggerEvent } from './triggers/params.js';
import type { OpHandler, PermissionIdentity } from './permissions.js';
import { createTriggerRegistry, type TriggerRegistry } from './triggers/registry.js';
import { timerFiring } from './render.js';
import { triggerRoutes } from './triggers/routes.js';
import { attachSources, type Interest, type SourceBroker } from './triggers/sources.js';

/** The one door into user code (services/code): runs a service as `caller`. */
export type InvokeService = (
  systemKey: string,
  name: string,
  params: unknown,
  caller: Caller,
  opts: {
    readonly hop?: number;
    readonly logging?: boolean;
    readonly authorize?: boolean;
    /** Where the run comes from, for its log row and the live tail (services/code/run-tail.ts). */
    readonly source?: 'trigger' | 'timer';
  },
) => Promise<InvokeResult>;

/** One event of a batch handed to the door. */
type BatchItem = {
  readonly params: unknown;
  readonly caller: Caller;
  readonly hop: number;
  readonly source?: 'trigger' | 'timer';
};

/** A job's source for the service's logs: a timer firing or a trigger's event. */
const runSource = (job: Job): 'trigger' | 'timer' => (job.source.startsWith('timer') ? 'timer' : 'trigger');

export interface AutomationDeps {
  readonly broker: SourceBroker & EventTopicBroker;
  readonly identity: CallerIdentity &
    PermissionIdentity & { system(systemKey: string): { readonly systemSecret: string } | undefined };
  readonly invoke: InvokeService;
  /** The same door for a batch of one service's events, in order (one crossing into a warm context). */
  readonly invokeBatch?: (
    systemKey: string,
    name: string,
    items: readonly BatchItem[],
  ) => Promise<InvokeResult[]>;
  readonly serviceExists: (systemKey: string, name: string) => boolean | Promise<boolean>;
  /** Dispatcher limits (tests and benches shrink or grow them). */
  readonly dispatcher?: Partial<typeof DEFAULT_DISPATCHER_OPTIONS>;
}

export interface AutomationComponent extends Component {
  readonly triggers: TriggerRegistry;
  readonly timers: TimerRegistry;
  readonly scheduler: TimerScheduler;
  readonly dispatcher: Dispatcher;
  readonly api: AutomationApi;
  /** Handlers of the `trigger.*` and `timer.*` bridge ops for the code host. */
  readonly ops: Readonly<Record<string, OpHandler>>;
  /**
   * Cascade for a deleted service: removes the triggers and timers that ran it and logs their names.
   * The code component calls this after it deleted a service.
   */
  serviceDeleted(systemKey: string, service: string): Promise<{ triggers: string[]; timers: string[] }>;
  /**
   * Cluster change feed: another node changed this system's triggers or timers. Re-reads both from the
   * store; timers re-arm (or disarm) here, and every node keeps computing every firing (README).
   */
  reloadSystem(systemKey: string): Promise<void>;
  /**
   * Called after a trigger or timer of a system is created, updated or deleted on this node (not after a
   * reload): what the change feed announces to the other nodes. Answers the remover.
   */
  onChanged(listener: (systemKey: string) => void): () => void;
}

/** Builds the component; registries load and listeners attach in `start()`. */
export async function createAutomationComponent(
  base: ComponentBase,
  deps: AutomationDeps,
): Promise<AutomationComponent> {
  const { config, clock, store, events } = base;
  const log = base.log.child({ component: 'automation' });
  const { broker, identity, invoke } = deps;

  const changeListeners = new Set<(systemKey: string) => void>();
  const written = (systemKey: string): void => {
    for (const listener of changeListeners) listener(systemKey);
  };
  const triggers = createTriggerRegistry({ store, clock, serviceExists: deps.serviceExists, written });
  const timers = createTimerRegistry({
    store,
    clock,
    serviceExists: deps.serviceExists,
    written,
    limits: config.timers,
    log,
  });
  const topics = createEventTopics({ broker, log, hopLimit: config.engine.hopLimit });
  const callers = createCallers({ identity, clock });

  const run = async (job: Job): Promise<void> => {
    const caller = await callers.resolve(job.systemKey, job.creator);
    const result = await invoke(job.systemKey, job.service, job.params, caller, {
      hop: job.hop,
      authorize: false,
      source: runSource(job),
    });
    report(job, result);
  };
  const invokeBatch = deps.invokeBatch;
  /** Queued events of one service in one crossing; a caller that cannot be resolved fails its job alone. */
  const runBatch =
    invokeBatch === undefined
      ? undefined
      : async (jobs: readonly Job[]): Promise<unknown[]> => {
          const errors: unknown[] = jobs.map(() => undefined);
          const items: BatchItem[] = [];
          const at: number[] = [];
          for (let i = 0; i < jobs.length; i++) {
            try {
              const caller = await callers.resolve(jobs[i].systemKey, jobs[i].creator);
              items.push({ params: jobs[i].params, caller, hop: jobs[i].hop, source: runSource(jobs[i]) });
              at.push(i);
            } catch (err) {
              errors[i] = err;
            }
          }
          if (items.length === 0) return errors;
          const results = await invokeBatch(jobs[0].systemKey, jobs[0].service, items);
          results.forEach((result, j) => report(jobs[at[j]], result));
          return errors;
        };
  const report = (job: Job, result: InvokeResult): void => {
    if (!result.success) {
      log.warn('trigger service answered an error', {
        systemKey: job.systemKey,
        service: job.service,
        source: job.source,
        code: result.code,
        ...(result.message === undefined ? {} : { message: result.message }),
        results: typeof result.results === 'string' ? result.results : JSON.stringify(result.results),
      });
    }
  };
  const dispatcher = createDispatcher(
    {
      ...DEFAULT_DISPATCHER_OPTIONS,
      // No more runs of one service at a time than the engine gives it slots (the rest would only wait there).
      concurrency: Math.min(DEFAULT_DISPATCHER_OPTIONS.concurrency, config.engine.maxRunsPerService),
      batchSize: config.engine.triggerBatch,
      ...deps.dispatcher,
    },
    { log, run, runBatch },
  );

  const wanted = (systemKey: string, action: ActionKey): Interest =>
    topics.watched(systemKey, action) ? 'topic' : triggers.has(systemKey, action) ? 'triggers' : 'none';
  const deliver = (event: TriggerEvent, interest = wanted(event.systemKey, event.action)): void => {
    if (interest === 'topic') topics.publishEvent(event, true);
    for (const t of triggers.match(event)) {
      dispatcher.enqueue({
        systemKey: event.systemKey,
        service: t.serviceName,
        params: event.params,
        hop: event.hop,
        source: `trigger ${t.name}`,
        creator: t.creator,
      });
    }
  };

  const fire = (timer: TimerRecord, at: number): void => {
    topics.publishTimer(timer.systemKey, timer.name, () => timerFiring(timer, at));
    if (timer.serviceName === '') return;
    dispatcher.enqueue({
      systemKey: timer.systemKey,
      service: timer.serviceName,
      params: {},
      hop: 0,
      source: `timer ${timer.name}`,
      creator: timer.creator,
    });
  };
  const scheduler = createTimerScheduler({
    clock,
    log,
    registry: timers,
    fire,
    minPeriodS: config.timers.minPeriodS,
    // Cluster mode: each firing runs on one node only (timers/scheduler.ts, README "Timers in a cluster").
    ...(base.cluster.enabled ? { once: (key: string, ttlMs: number) => base.cluster.once(key, ttlMs) } : {}),
  });
  const secretOf = (systemKey: string) => identity.system(systemKey)?.systemSecret ?? '';
  const api = createAutomationApi({ triggers, timers, scheduler, secretOf });
  const routeDeps = { identity };

  let detach: (() => void) | undefined;
  let closing: Promise<void> | undefined;

  return {
    name: 'automation',
    routes: [triggerRoutes(api, routeDeps), timerRoutes(api, routeDeps)],
    triggers,
    timers,
    scheduler,
    dispatcher,
    api,
    ops: { ...triggerOps(api, identity), ...timerOps(api, identity) },
    async start() {
      await triggers.load();
      await timers.load();
      const offSources = attachSources({ broker, events, wanted, deliver });
      const offSystem = events.on('system.deleted', (e) => {
        triggers.forgetSystem(e.systemKey);
        timers.forgetSystem(e.systemKey);
      });
      detach = () => {
        offSources();
        offSystem();
      };
      scheduler.start();
      for (const systemKey of triggers.systemsWith('StartConnectDisconnect::PlatformStarted')) {
        deliver(platformStartedEvent(systemKey));
      }
    },
    async serviceDeleted(systemKey, service) {
      const gone = {
        triggers: triggers.usingService(systemKey, service),
        timers: timers.usingService(systemKey, service),
      };
      for (const name of gone.triggers) await triggers.delete(systemKey, name);
      for (const name of gone.timers) await timers.delete(systemKey, name);
      if (gone.triggers.length + gone.timers.length > 0) {
        log.info('service deleted: removed the triggers and timers that ran it', {
          systemKey,
          service,
          ...gone,
        });
      }
      return gone;
    },
    async reloadSystem(systemKey) {
      await triggers.reloadSystem(systemKey);
      await timers.reloadSystem(systemKey);
    },
    onChanged(listener) {
      changeListeners.add(listener);
      return () => changeListeners.delete(listener);
    },
    close() {
      closing ??= (async () => {
        detach?.();
        await scheduler.close();
        await dispatcher.close();
      })();
      return closing;
    },
  };
}
