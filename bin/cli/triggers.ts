// `isobar triggers`: the triggers of a system (reference §4), over the developer REST routes.
import { deleteAction, groupCommand, listAction } from './client.js';
import { repeatableOption, valueOption } from './parser.js';

const COLUMNS = ['name', 'action', 'filters', 'service_name'];
const path = (system: string, name?: string) =>
  `/admin/triggers/handlers/${system}${name === undefined ? '' : `/${encodeURIComponent(name)}`}`;

/** One trigger as a table row: `Module::Action` and its filters on one line. */
export function triggerRow(t: Record<string, unknown>): Record<string, unknown> {
  const def = (t.event_definition ?? {}) as { def_module?: string; def_name?: string };
  return {
    ...t,
    action: `${def.def_module ?? ''}::${def.def_name ?? ''}`,
    filters: JSON.stringify(t.key_value_pairs ?? {}),
  };
}

/** `key=value` filters; a value may itself contain `=`. */
export function filters(pairs: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new Error(`--filter ${JSON.stringify(p)} is not key=value`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/** `isobar triggers list|definitions|create|delete`. */
export const triggersCommand = groupCommand(
  'triggers',
  'Run a service when something happens in a system (a publish, a connection, a user or device change).',
  {
    list: listAction('triggers of the system', path, COLUMNS, triggerRow),
    definitions: {
      usage: '',
      summary: 'modules, actions and the filter keys each accepts',
      run: async (c) => ({
        value: await c.client.request('GET', '/admin/triggers/definitions'),
        columns: ['def_module', 'def_name', 'def_keys'],
      }),
    },
    create: {
      usage: '<name> --module M --action A --service S [--filter key=value]...',
      summary: 'a trigger: --filter topic=sensors/+/temp (an MQTT filter), email=…, deviceName=…, userId=…',
      options: {
        module: valueOption('event module, e.g. Messaging (see GET /admin/triggers/definitions)'),
        action: valueOption('event action, e.g. Publish'),
        service: valueOption('service to run'),
        filter: repeatableOption(),
      },
      run: async (c) => {
        const [module, action, service] = [c.str('module'), c.str('action'), c.str('service')];
        if (module === undefined || action === undefined || service === undefined) {
          throw new Error('create needs --module, --action and --service');
        }
        const value = await c.client.request<Record<string, unknown>>('POST', path(c.system(), c.args[0]), {
          body: {
            def_module: module,
            def_name: action,
            key_value_pairs: filters(c.list('filter')),
            service_name: service,
          },
        });
        return { value, message: `created trigger ${c.args[0]} (${module}::${action} -> ${service})` };
      },
    },
    delete: deleteAction('trigger', (c) => c.client.request('DELETE', path(c.system(), c.args[0]))),
  },
);
