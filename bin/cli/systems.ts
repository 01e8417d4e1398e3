// `isobar systems`: the developer's systems.
import {
  deleteAction,
  groupCommand,
  readCredentials,
  renamableUpdateAction,
  writeCredentials,
} from './client.js';
import { valueOption } from './parser.js';

const COLUMNS = ['appID', 'name', 'token_ttl', 'duplicate_client_id', 'description'];
const settings = {
  description: valueOption('what the system is for'),
  'token-ttl': valueOption('lifetime of user and device tokens, seconds'),
  'duplicate-client-id': valueOption(
    'a second connection with a client id in use: reject it (default) or take over',
  ),
};

function body(str: (n: string) => string | undefined): Record<string, unknown> {
  const ttl = str('token-ttl');
  return {
    description: str('description'),
    token_ttl: ttl === undefined ? undefined : Number(ttl),
    duplicate_client_id: str('duplicate-client-id'),
  };
}

/** `isobar systems list|get|create|update|delete|use`. */
export const systemsCommand = groupCommand('systems', 'Create and manage your systems.', {
  list: {
    usage: '',
    summary: 'your systems',
    run: async (c) => ({ value: await c.client.request('GET', '/admin/allsystems'), columns: COLUMNS }),
  },
  get: {
    usage: '<systemKey>',
    summary: 'one system, with its secret',
    run: async (c) => ({
      value: await c.client.request('GET', '/admin/systemmanagement', { query: { id: c.args[0] } }),
    }),
  },
  create: {
    usage: '<name> [--description D] [--token-ttl SECONDS] [--duplicate-client-id reject|takeover]',
    summary: 'a new system with the Anonymous, Authenticated and Administrator roles',
    options: settings,
    run: async (c) => ({
      value: await c.client.request('POST', '/admin/systemmanagement', {
        body: { name: c.args[0], ...body(c.str) },
      }),
    }),
  },
  update: renamableUpdateAction(
    '<systemKey> [--name N] [--description D] [--token-ttl SECONDS] [--duplicate-client-id reject|takeover]',
    'change a system',
    settings,
    () => '/admin/systemmanagement',
    (c) => body(c.str),
  ),
  delete: deleteAction(
    'system',
    (c) => c.client.request('DELETE', '/admin/systemmanagement', { query: { id: c.args[0] } }),
    '<systemKey>',
    'delete a system and everything in it',
  ),
  use: {
    usage: '<systemKey>',
    summary: 'make it the default --system of later commands',
    run: async (c) => {
      await c.client.request('GET', '/admin/systemmanagement', { query: { id: c.args[0] } });
      const creds = readCredentials(c.io.env);
      if (creds !== undefined) writeCredentials(c.io.env, { ...creds, system: c.args[0] });
      return { value: { system: c.args[0] }, message: `using system ${c.args[0]}` };
    },
  },
});
