// `isobar users`: users of a system (developer side).
import { deleteAction, groupCommand } from './client.js';
import { repeatableOption, valueOption } from './parser.js';

const COLUMNS = ['user_id', 'email', 'creation_date'];

/** `k=v` pairs into custom columns (values parsed as JSON when they parse). */
export function fields(pairs: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new Error(`--field expects key=value, got ${JSON.stringify(pair)}`);
    const raw = pair.slice(eq + 1);
    let value: unknown = raw;
    try {
      value = JSON.parse(raw);
    } catch {
      value = raw;
    }
    out[pair.slice(0, eq)] = value;
  }
  return out;
}

/** `isobar users list|create|update|delete|roles`. */
export const usersCommand = groupCommand('users', 'Create and manage the users of a system.', {
  list: {
    usage: '[--query JSON]',
    summary: 'users of the system (ClearBlade query JSON optional)',
    options: { query: valueOption('filter as a ClearBlade query (JSON)') },
    run: async (c) => {
      const r = await c.client.request<{ Data: unknown[] }>('GET', `/admin/user/${c.system()}`, {
        query: { query: c.str('query') },
      });
      return { value: r.Data, columns: COLUMNS };
    },
  },
  create: {
    usage: '<email> --password PW [--field key=value]...',
    summary: 'a new user (holding Authenticated)',
    options: {
      password: valueOption('the password (8+ characters, not trivially guessable)'),
      field: repeatableOption(),
    },
    run: async (c) => {
      const password = c.str('password');
      if (password === undefined) throw new Error('--password is required');
      return {
        value: await c.client.request('POST', `/admin/user/${c.system()}`, {
          body: { ...fields(c.list('field')), email: c.args[0], password },
        }),
      };
    },
  },
  update: {
    usage:
      '<user_id> [--email E] [--password PW] [--add-role R]... [--remove-role R]... [--field key=value]...',
    summary: 'change a user (a new password revokes its tokens)',
    options: {
      email: valueOption('new email'),
      password: valueOption('the password (8+ characters, not trivially guessable)'),
      'add-role': repeatableOption(),
      'remove-role': repeatableOption(),
      field: repeatableOption(),
    },
    run: async (c) => ({
      value: await c.client.request('PUT', `/admin/user/${c.system()}`, {
        body: {
          user: c.args[0],
          changes: {
            ...fields(c.list('field')),
            email: c.str('email'),
            password: c.str('password'),
            roles: { add: c.list('add-role'), delete: c.list('remove-role') },
          },
        },
      }),
    }),
  },
  delete: deleteAction(
    'user',
    (c) => c.client.request('DELETE', `/admin/user/${c.system()}`, { query: { user: c.args[0] } }),
    '<user_id>',
  ),
  roles: {
    usage: '<user_id>',
    summary: "the user's roles",
    run: async (c) => ({
      value: await c.client.request('GET', `/admin/user/${c.system()}/roles`, { query: { user: c.args[0] } }),
      columns: ['ID', 'Name', 'Description'],
    }),
  },
});
