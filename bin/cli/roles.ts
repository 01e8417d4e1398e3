// `isobar roles`: roles of a system and their permissions.
import { deleteAction, groupCommand, renamableUpdateAction } from './client.js';
import { flagOption, repeatableOption, valueOption } from './parser.js';

/** A role as `GET /admin/user/{systemKey}/roles` answers it (ClearBlade's read shape; tests read it too). */
export interface RoleRead {
  ID: string;
  Name: string;
  Description: string;
  Permissions: {
    Topics: Array<{ Name: string; Level: number }>;
    CodeServices: Array<{ Name: string; Level: number; SystemKey: string }>;
    AllServices: { Level: number };
    MsgHistory: { Level: number };
    UsersList: { Level: number };
  };
}

/** `filter=level` (level 1 subscribe, 2 publish, 3 both; default 3) into the write shape. */
export function topicChanges(
  specs: readonly string[],
): Array<{ itemInfo: { name: string }; permissions: number }> {
  return specs.map((s) => {
    const eq = s.lastIndexOf('=');
    const name = eq > 0 ? s.slice(0, eq) : s;
    const level = eq > 0 ? Number(s.slice(eq + 1)) : 3;
    if (!Number.isInteger(level) || level < 0 || level > 3)
      throw new Error(`bad topic level in ${JSON.stringify(s)} (0–3)`);
    return { itemInfo: { name }, permissions: level };
  });
}

const permissionOptions = {
  description: valueOption('what the role is for'),
  topic: repeatableOption(),
  service: repeatableOption(),
  'remove-service': repeatableOption(),
  'all-services': flagOption('may run every service of the system'),
  'msg-history': valueOption('message history rights: 1 read, 8 delete, 9 both, 0 none'),
};

function changes(c: {
  str(n: string): string | undefined;
  list(n: string): string[];
  values: Record<string, unknown>;
}) {
  const history = c.str('msg-history');
  return {
    topics: topicChanges(c.list('topic')),
    services: [
      ...c.list('service').map((name) => ({ itemInfo: { name }, permissions: 1 })),
      ...c.list('remove-service').map((name) => ({ itemInfo: { name }, permissions: 0 })),
    ],
    allservices: c.values['all-services'] === true ? { permissions: 1 } : undefined,
    msgHistory: history === undefined ? undefined : { permissions: Number(history) },
  };
}

function summary(r: RoleRead) {
  return {
    ID: r.ID,
    Name: r.Name,
    Topics: r.Permissions.Topics.map((t) => `${t.Name}=${t.Level}`).join(' '),
    Services:
      r.Permissions.AllServices.Level > 0 ? '*' : r.Permissions.CodeServices.map((s) => s.Name).join(' '),
    MsgHistory: r.Permissions.MsgHistory.Level,
  };
}

/** `isobar roles list|get|create|update|delete`. */
export const rolesCommand = groupCommand(
  'roles',
  'Create and manage roles and their topic/service permissions.',
  {
    list: {
      usage: '',
      summary: 'roles of the system',
      run: async (c) => {
        const roles = await c.client.request<RoleRead[]>('GET', `/admin/user/${c.system()}/roles`);
        return c.values.json === true
          ? { value: roles }
          : { value: roles.map(summary), columns: ['ID', 'Name', 'Topics', 'Services', 'MsgHistory'] };
      },
    },
    get: {
      usage: '<id or name>',
      summary: 'one role, all permissions',
      run: async (c) => {
        const roles = await c.client.request<RoleRead[]>('GET', `/admin/user/${c.system()}/roles`);
        const r = roles.find((x) => x.ID === c.args[0] || x.Name === c.args[0]);
        if (r === undefined) throw new Error(`no role ${c.args[0]}`);
        return { value: r };
      },
    },
    create: {
      usage:
        '<name> [--description D] [--topic FILTER=LEVEL]... [--service NAME]... [--all-services] [--msg-history N]',
      summary: 'a new role; topic level 1 subscribe, 2 publish, 3 both',
      options: permissionOptions,
      run: async (c) => ({
        value: await c.client.request('POST', `/admin/user/${c.system()}/roles`, {
          body: { name: c.args[0], description: c.str('description'), ...changes(c) },
        }),
      }),
    },
    update: renamableUpdateAction(
      '<id or name> [--name N] [--description D] [--topic FILTER=LEVEL]... [--service NAME]... [--remove-service NAME]... [--all-services] [--msg-history N]',
      'change a role; --topic FILTER=0 removes a topic',
      permissionOptions,
      (c) => `/admin/user/${c.system()}/roles`,
      (c) => ({ description: c.str('description'), changes: changes(c) }),
    ),
    delete: deleteAction(
      'role',
      (c) => c.client.request('DELETE', `/admin/user/${c.system()}/roles`, { query: { role: c.args[0] } }),
      '<id or name>',
      'delete a custom role',
    ),
  },
);
