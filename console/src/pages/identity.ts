// Users, devices, roles: three tabs over the developer routes. Users and devices are listed, created,
// edited (password / device fields, roles) and deleted here; roles and their editor live in roles.ts.
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Ctx, PageProps } from '../ctx.js';
import { OutcomeView, useOutcome } from '../outcome.js';
import { Field, PanelForm, actionsColumn, html, table } from '../ui.js';
import { useMemberRoles } from './member-roles.js';
import { RolesTab } from './roles.js';
import './pages.css';

const TABS = [
  { id: 'users', title: 'Users' },
  { id: 'devices', title: 'Devices' },
  { id: 'roles', title: 'Roles' },
] as const;
type TabId = (typeof TABS)[number]['id'];

/** The Users, devices, roles page of the console. */
export function IdentityPage({ ctx }: PageProps): VNode {
  const [tab, setTab] = useState<TabId>('users');
  return html`<section class="page identity">
    <h1>Users, devices, roles</h1>
    <div class="tabs" role="tablist" aria-label="Identity">
      ${TABS.map(
        (t) =>
          html`<button
            type="button"
            role="tab"
            class="secondary"
            aria-selected=${tab === t.id}
            onClick=${() => setTab(t.id)}
          >
            ${t.title}
          </button>`,
      )}
    </div>
    ${
      tab === 'users'
        ? html`<${UsersTab} ctx=${ctx} />`
        : tab === 'devices'
          ? html`<${DevicesTab} ctx=${ctx} />`
          : html`<${RolesTab} ctx=${ctx} />`
    }
  </section>`;
}

interface UserJson {
  readonly user_id: string;
  readonly email: string;
  readonly creation_date: number;
}

function UsersTab({ ctx }: { ctx: Ctx }): VNode {
  const sk = ctx.systemKey;
  const [users, setUsers] = useState<UserJson[]>([]);
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const outcome = useOutcome();
  const { setError, act } = outcome;
  const roles = useMemberRoles(ctx, outcome.setStatus);
  const load = (): void => {
    ctx.api.get<{ Data: UserJson[] }>(`/admin/user/${sk}`).then((r) => setUsers(r.Data), setError);
  };
  useEffect(load, [sk]);

  const create = (e: Event): void => {
    e.preventDefault();
    void act(
      `Created user ${email}`,
      async () => {
        await ctx.api.post(`/admin/user/${sk}`, { email, password });
        setEmail('');
        setPassword('');
      },
      load,
    );
  };
  const setPasswordOf = (u: UserJson): void => {
    const pw = prompt(`New password for ${u.email}`);
    if (pw !== null && pw !== '')
      void act(
        `Password of ${u.email} changed`,
        () => ctx.api.put(`/admin/user/${sk}`, { user: u.user_id, changes: { password: pw } }),
        load,
      );
  };

  return html`<div>
    <${OutcomeView} outcome=${outcome} />
    ${table({ label: 'Users', rows: users, rowKey: (u) => u.user_id, empty: 'No user yet.' }, [
      { title: 'Email', cell: (u) => u.email },
      { title: 'User id', cell: (u) => html`<code>${u.user_id}</code>` },
      { title: 'Created', cell: (u) => new Date(u.creation_date).toLocaleString() },
      actionsColumn((u) => [
        {
          label: 'Roles',
          name: `Roles of ${u.email}`,
          onClick: () => roles.open({ kind: 'user', id: u.user_id, label: u.email }),
        },
        { label: 'Password', name: `Set password of ${u.email}`, onClick: () => setPasswordOf(u) },
        {
          label: 'Delete',
          name: `Delete user ${u.email}`,
          onClick: () =>
            void act(
              `Deleted user ${u.email}`,
              () => ctx.api.del(`/admin/user/${sk}?user=${encodeURIComponent(u.user_id)}`),
              load,
            ),
        },
      ]),
    ])}
    ${roles.panel}
    <${PanelForm} label="Create a user" title="New user" submit="Create user" onSubmit=${create}>
      <${Field} label="User email" value=${email} required=${true} onInput=${setEmail} autocomplete="off" />
      <${Field}
        label="User password"
        type="password"
        value=${password}
        required=${true}
        onInput=${setPassword}
        autocomplete="new-password"
      />
    </${PanelForm}>
  </div>`;
}

interface DeviceJson {
  readonly name: string;
  readonly type?: string;
  readonly state?: string;
  readonly enabled?: boolean;
  readonly description?: string;
}

function DevicesTab({ ctx }: { ctx: Ctx }): VNode {
  const sk = ctx.systemKey;
  const [devices, setDevices] = useState<DeviceJson[]>([]);
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [type, setType] = useState('');
  const outcome = useOutcome();
  const { setError } = outcome;
  const roles = useMemberRoles(ctx, outcome.setStatus);
  const load = (): void => {
    ctx.api.get<DeviceJson[]>(`/admin/devices/${sk}`).then(setDevices, setError);
  };
  useEffect(load, [sk]);
  const path = (n: string): string => `/admin/devices/${sk}/${encodeURIComponent(n)}`;
  const act = (what: string, call: () => Promise<unknown>): Promise<void> => outcome.act(what, call, load);
  const create = (e: Event): void => {
    e.preventDefault();
    void act(`Created device ${name}`, async () => {
      await ctx.api.post(path(name), { active_key: key, type, enabled: true, allow_key_auth: true });
      setName('');
      setKey('');
    });
  };

  return html`<div>
    <${OutcomeView} outcome=${outcome} />
    ${table({ label: 'Devices', rows: devices, rowKey: (d) => d.name, empty: 'No device yet.' }, [
      { title: 'Name', cell: (d) => d.name },
      { title: 'Type', cell: (d) => d.type ?? '' },
      { title: 'State', cell: (d) => d.state ?? '' },
      {
        title: 'Enabled',
        cell: (d) =>
          html`<label class="check">
            <input
              type="checkbox"
              aria-label=${`Enabled ${d.name}`}
              checked=${d.enabled !== false}
              onChange=${(ev: Event) => {
                const on = (ev.currentTarget as HTMLInputElement).checked;
                void act(`${d.name} ${on ? 'enabled' : 'disabled'}`, () =>
                  ctx.api.put(path(d.name), { enabled: on }),
                );
              }}
            />
          </label>`,
      },
      actionsColumn((d) => [
        {
          label: 'Roles',
          name: `Roles of ${d.name}`,
          onClick: () => roles.open({ kind: 'device', name: d.name, label: d.name }),
        },
        {
          label: 'Delete',
          name: `Delete device ${d.name}`,
          onClick: () => void act(`Deleted device ${d.name}`, () => ctx.api.del(path(d.name))),
        },
      ]),
    ])}
    ${roles.panel}
    <${PanelForm} label="Create a device" title="New device" submit="Create device" onSubmit=${create}>
      <${Field} label="Device name" value=${name} required=${true} onInput=${setName} />
      <${Field}
        label="Active key (8+ characters)"
        type="password"
        value=${key}
        onInput=${setKey}
        autocomplete="new-password"
      />
      <${Field} label="Device type" value=${type} onInput=${setType} />
    </${PanelForm}>
  </div>`;
}
