// Asset adapters for deployments: how each class of asset is read from the platform's registries and
// written into an edge's. They use only the public registry APIs of the code and triggers areas.
import type { Libraries } from '../code/libraries.js';
import type { Registry } from '../code/registry.js';
import type { ServiceInput } from '../code/types.js';
import type { TimerRegistry } from '../automation/timers/registry.js';
import type { Creator } from '../automation/record.js';
import type { TriggerRegistry } from '../automation/triggers/registry.js';
import type { AssetAdapter, AssetAdapters } from './deploy.js';

/** The registries an adapter set is built over (any may be missing). */
export interface AssetRegistries {
  readonly services?: Pick<Registry, 'get' | 'find' | 'create' | 'update' | 'remove'>;
  readonly libraries?: Pick<Libraries, 'get' | 'list' | 'create' | 'update' | 'remove'>;
  readonly triggers?: Pick<TriggerRegistry, 'get' | 'list' | 'create' | 'update' | 'delete'>;
  readonly timers?: Pick<TimerRegistry, 'get' | 'list' | 'create' | 'update' | 'delete'>;
}

const str = (v: unknown): string => (typeof v === 'string' ? v : '');

function creatorOf(definition: Record<string, unknown>): Creator {
  const c = (definition.creator ?? {}) as Partial<Creator>;
  return { kind: c.kind ?? 'developer', id: c.id ?? '' };
}

function services(reg: NonNullable<AssetRegistries['services']>): AssetAdapter {
  return {
    export(systemKey, id) {
      const r = reg.get(systemKey, id).record;
      const definition: ServiceInput = {
        code: r.code,
        parameters: r.params,
        dependencies: r.dependencies,
        run_user: r.run_user,
        execution_timeout: r.execution_timeout,
        auto_restart: r.auto_restart,
        auto_balance: r.auto_balance,
        concurrency: r.concurrency,
        logging_enabled: r.logging_enabled,
        log_ttl_minutes: r.log_ttl_minutes,
        log_level: r.log_level,
        memory_limit_mb: r.memory_limit_mb,
        allow_wasm: r.allow_wasm,
        strict_isolation: r.strict_isolation,
        description: r.description,
      };
      return Promise.resolve({ ...definition });
    },
    async apply(systemKey, id, definition) {
      const input = definition as ServiceInput;
      if (reg.find(systemKey, id) === undefined) {
        await reg.create(systemKey, id, input);
        return 'create';
      }
      await reg.update(systemKey, id, input);
      return 'update';
    },
    remove: (systemKey, id) => reg.remove(systemKey, id),
  };
}

function libraries(reg: NonNullable<AssetRegistries['libraries']>): AssetAdapter {
  return {
    export(systemKey, id) {
      const l = reg.get(systemKey, id);
      return Promise.resolve({
        code: l.code,
        dependencies: l.dependencies,
        description: l.description,
        api: l.api,
        visibility: l.visibility,
      });
    },
    async apply(systemKey, id, definition) {
      const exists = reg.list(systemKey).some((l) => l.name === id);
      if (exists) await reg.update(systemKey, id, definition);
      else await reg.create(systemKey, id, definition);
      return exists ? 'update' : 'create';
    },
    remove: (systemKey, id) => reg.remove(systemKey, id),
  };
}

function triggers(reg: NonNullable<AssetRegistries['triggers']>): AssetAdapter {
  return {
    export(systemKey, id) {
      const t = reg.get(systemKey, id);
      return Promise.resolve({
        def_module: t.definition.def_module,
        def_name: t.definition.def_name,
        key_value_pairs: t.keyValuePairs,
        service_name: t.serviceName,
        creator: t.creator,
      });
    },
    async apply(systemKey, id, definition) {
      const input = {
        def_module: str(definition.def_module),
        def_name: str(definition.def_name),
        key_value_pairs: definition.key_value_pairs,
        service_name: str(definition.service_name),
      };
      const exists = reg.list(systemKey).some((t) => t.name === id);
      if (exists) await reg.update(systemKey, id, input);
      else await reg.create(systemKey, id, input, creatorOf(definition));
      return exists ? 'update' : 'create';
    },
    async remove(systemKey, id) {
      await reg.delete(systemKey, id);
    },
  };
}

function timers(reg: NonNullable<AssetRegistries['timers']>): AssetAdapter {
  return {
    export(systemKey, id) {
      const t = reg.get(systemKey, id);
      return Promise.resolve({
        start_time: new Date(t.startTime).toISOString(),
        repeats: t.repeats,
        frequency: t.frequency,
        ...(t.cron === undefined ? {} : { cron: t.cron }),
        service_name: t.serviceName,
        description: t.description,
        creator: t.creator,
      });
    },
    async apply(systemKey, id, definition) {
      const { creator: _creator, ...input } = definition;
      const exists = reg.list(systemKey).some((t) => t.name === id);
      if (exists) await reg.update(systemKey, id, input);
      else await reg.create(systemKey, id, input, creatorOf(definition));
      return exists ? 'update' : 'create';
    },
    async remove(systemKey, id) {
      await reg.delete(systemKey, id);
    },
  };
}

/** Builds the adapters for the registries present. */
export function createAssetAdapters(registries: AssetRegistries): AssetAdapters {
  return {
    ...(registries.services === undefined ? {} : { service: services(registries.services) }),
    ...(registries.libraries === undefined ? {} : { library: libraries(registries.libraries) }),
    ...(registries.triggers === undefined ? {} : { trigger: triggers(registries.triggers) }),
    ...(registries.timers === undefined ? {} : { timer: timers(registries.timers) }),
  };
}
