// `isobar devices`: devices of a system.
import { deleteAction, groupCommand, listAction, type ActionContext } from './client.js';
import type { Output } from './format.js';
import { fields } from './users.js';
import { flagOption, repeatableOption, valueOption } from './parser.js';

const COLUMNS = ['name', 'type', 'state', 'enabled', 'allow_key_auth', 'description'];
const settings = {
  key: valueOption('active key the device logs in with'),
  type: valueOption('free-form device type'),
  state: valueOption('free-form device state'),
  description: valueOption('what the device is'),
  enable: flagOption('let the device log in'),
  disable: flagOption('refuse its logins and close its connections'),
  field: repeatableOption(),
};

function body(c: {
  str(n: string): string | undefined;
  list(n: string): string[];
  values: Record<string, unknown>;
}) {
  return {
    ...fields(c.list('field')),
    active_key: c.str('key'),
    type: c.str('type'),
    state: c.str('state'),
    description: c.str('description'),
    enabled: c.values.disable === true ? false : c.values.enable === true ? true : undefined,
  };
}

const path = (system: string, name: string) => `/admin/devices/${system}/${encodeURIComponent(name)}`;

/** create and update: the same device fields, POSTed or PUT to the device's path. */
const send =
  (method: 'POST' | 'PUT') =>
  async (c: ActionContext): Promise<Output> => ({
    value: await c.client.request(method, path(c.system(), c.args[0]), { body: body(c) }),
  });

/** `isobar devices list|get|create|update|delete|roles`. */
export const devicesCommand = groupCommand('devices', 'Create and manage the devices of a system.', {
  list: listAction('devices of the system', (system) => `/admin/devices/${system}`, COLUMNS),
  get: {
    usage: '<name>',
    summary: 'one device',
    run: async (c) => ({ value: await c.client.request('GET', path(c.system(), c.args[0])) }),
  },
  create: {
    usage:
      '<name> --key ACTIVE_KEY [--type T] [--state S] [--description D] [--disable] [--field key=value]...',
    summary: 'a new device (holding Authenticated); it logs in with its name and key',
    options: settings,
    run: send('POST'),
  },
  update: {
    usage:
      '<name> [--key K] [--type T] [--state S] [--description D] [--enable|--disable] [--field key=value]...',
    summary: 'change a device (a new key or --disable revokes its tokens)',
    options: settings,
    run: send('PUT'),
  },
  delete: deleteAction('device', (c) => c.client.request('DELETE', path(c.system(), c.args[0]))),
  roles: {
    usage: '<name> [--add-role R]... [--remove-role R]...',
    summary: "show or change the device's roles",
    options: {
      'add-role': repeatableOption(),
      'remove-role': repeatableOption(),
    },
    run: async (c) => {
      const p = `/admin/devices/roles/${c.system()}/${encodeURIComponent(c.args[0])}`;
      const add = c.list('add-role');
      const del = c.list('remove-role');
      const r = await c.client.request<{ roles: unknown[] }>(
        add.length + del.length > 0 ? 'PUT' : 'GET',
        p,
        add.length + del.length > 0 ? { body: { add, delete: del } } : {},
      );
      return { value: r.roles, columns: ['ID', 'Name', 'Description'] };
    },
  },
});
