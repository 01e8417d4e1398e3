// Roles: list, create, delete, and the role editor — topics (subscribe/publish bits), services, collections
// and list rights — with a "may this role publish/subscribe X?" check over the edited topics.
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Ctx } from '../ctx.js';
import { OutcomeView, useOutcome } from '../outcome.js';
import { ErrorBox, Field, PanelForm, Select, actionsColumn, editAndDelete, html, table } from '../ui.js';
import {
  LISTS,
  changesFor,
  checkTopic,
  draftOf,
  type ItemGrant,
  type RoleDraft,
  type RoleJson,
} from './role-model.js';

/** The roles tab of the identity page. */
export function RolesTab({ ctx }: { ctx: Ctx }): VNode {
  const sk = ctx.systemKey;
  const [roles, setRoles] = useState<RoleJson[]>([]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const outcome = useOutcome();
  const { setError, setStatus } = outcome;
  const load = (): void => {
    ctx.api.get<RoleJson[]>(`/admin/user/${sk}/roles`).then(setRoles, setError);
  };
  useEffect(load, [sk]);

  const act = (what: string, call: () => Promise<unknown>): Promise<void> => outcome.act(what, call, load);
  const create = (e: Event): void => {
    e.preventDefault();
    void act(`Created role ${name}`, async () => {
      const r = await ctx.api.post<RoleJson>(`/admin/user/${sk}/roles`, { name, description });
      setName('');
      setDescription('');
      setSelected(r.ID);
    });
  };
  const remove = (r: RoleJson): void =>
    void act(`Deleted role ${r.Name}`, async () => {
      await ctx.api.del(`/admin/user/${sk}/roles?role=${encodeURIComponent(r.ID)}`);
      if (selected === r.ID) setSelected(undefined);
    });
  const role = roles.find((r) => r.ID === selected);

  return html`<div>
    <${OutcomeView} outcome=${outcome} />
    ${table({ label: 'Roles', rows: roles, rowKey: (r) => r.ID }, [
      { title: 'Name', cell: (r) => r.Name },
      { title: 'Description', cell: (r) => r.Description ?? '' },
      {
        title: 'Topics',
        cell: (r) =>
          draftOf(r)
            .topics.map((t) => t.name)
            .join(', '),
      },
      actionsColumn((r) =>
        editAndDelete('role', r.Name, { edit: () => setSelected(r.ID), remove: () => remove(r) }),
      ),
    ])}
    ${
      role === undefined
        ? null
        : html`<${RoleEditor}
            key=${role.ID}
            ctx=${ctx}
            role=${role}
            onSaved=${(s: string) => {
              setStatus(s);
              load();
            }}
          />`
    }
    <${PanelForm} label="Create a role" title="New role" submit="Create role" onSubmit=${create}>
      <${Field} label="Role name" value=${name} required=${true} onInput=${setName} />
      <${Field} label="Role description" value=${description} onInput=${setDescription} />
    </${PanelForm}>
  </div>`;
}

/** Bits of a level as checkboxes (`names[i]` is bit 1<<i). */
function Bits(props: {
  label: string;
  level: number;
  names: readonly string[];
  onChange: (level: number) => void;
}): VNode {
  return html`<span class="bits">
    ${props.names.map(
      (n, i) =>
        html`<label class="check" key=${n}>
          <input
            type="checkbox"
            aria-label=${`${props.label} ${n}`}
            checked=${(props.level & (1 << i)) !== 0}
            onChange=${(e: Event) =>
              props.onChange(
                (e.currentTarget as HTMLInputElement).checked
                  ? props.level | (1 << i)
                  : props.level & ~(1 << i),
              )}
          />
          ${n}
        </label>`,
    )}
  </span>`;
}

const CRUD = ['read', 'create', 'update', 'delete'] as const;

/** Editable rows of per-item grants (topics, services or collections). */
function Grants(props: {
  title: string;
  noun: string;
  rows: ItemGrant[];
  bits: readonly string[];
  onChange: (rows: ItemGrant[]) => void;
}): VNode {
  const set = (i: number, g: ItemGrant): void => props.onChange(props.rows.map((r, j) => (j === i ? g : r)));
  return html`<fieldset class="panel perm-table">
    <legend>${props.title}</legend>
    ${props.rows.map(
      (g, i) =>
        html`<div class="row" key=${String(i)}>
          <input
            type="text"
            aria-label=${`${props.noun} ${String(i + 1)}`}
            value=${g.name}
            onInput=${(e: Event) => set(i, { ...g, name: (e.currentTarget as HTMLInputElement).value })}
          />
          <${Bits}
            label=${g.name || `${props.noun} ${String(i + 1)}`}
            level=${g.level}
            names=${props.bits}
            onChange=${(l: number) => set(i, { ...g, level: l })}
          />
          <button
            type="button"
            class="link"
            aria-label=${`Remove ${props.noun} ${g.name}`}
            onClick=${() => props.onChange(props.rows.filter((_, j) => j !== i))}
          >
            ×
          </button>
        </div>`,
    )}
    <button
      type="button"
      class="secondary"
      onClick=${() => props.onChange([...props.rows, { name: '', level: (1 << props.bits.length) - 1 }])}
    >
      Add ${props.noun}
    </button>
  </fieldset>`;
}

function RoleEditor(props: { ctx: Ctx; role: RoleJson; onSaved: (status: string) => void }): VNode {
  const { ctx, role } = props;
  const [before, setBefore] = useState<RoleDraft>(() => draftOf(role));
  const [draft, setDraft] = useState<RoleDraft>(() => draftOf(role));
  const [error, setError] = useState<unknown>(null);
  const [action, setAction] = useState<'publish' | 'subscribe'>('publish');
  const [probe, setProbe] = useState('');

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    try {
      await ctx.api.put(`/admin/user/${ctx.systemKey}/roles`, {
        id: role.ID,
        changes: changesFor(before, draft),
      });
      setBefore(draft);
      props.onSaved(`Saved role ${role.Name}`);
    } catch (err) {
      setError(err);
    }
  };
  const verdict = probe === '' ? undefined : checkTopic(draft.topics, action, probe);

  return html`<form class="panel role-editor" aria-label=${`Role ${role.Name}`} onSubmit=${save}>
    <h2>Role ${role.Name}</h2>
    <${ErrorBox} error=${error} onDismiss=${() => setError(null)} />
    <${Grants}
      title="Topics"
      noun="topic filter"
      rows=${draft.topics}
      bits=${['subscribe', 'publish']}
      onChange=${(t: ItemGrant[]) => setDraft({ ...draft, topics: t })}
    />
    <div class="panel" aria-label="Topic check">
      <div class="row">
        <${Select}
          label="May this role"
          value=${action}
          options=${[
            { value: 'publish', label: 'publish to' },
            { value: 'subscribe', label: 'subscribe to' },
          ]}
          onChange=${(v: string) => setAction(v === 'subscribe' ? 'subscribe' : 'publish')}
        />
        <${Field} label="Topic or filter to check" value=${probe} onInput=${setProbe} />
        ${
          verdict === undefined
            ? null
            : html`<output aria-label="Topic check result" class=${verdict.allowed ? 'yes' : 'no'}>
                ${verdict.allowed ? `Yes (granted by ${verdict.by ?? ''})` : 'No'}
              </output>`
        }
      </div>
      <p class="muted">As edited above; a member holding several roles has the union of their rights.</p>
    </div>
    <${Grants}
      title="Services"
      noun="service"
      rows=${draft.services}
      bits=${['execute']}
      onChange=${(s: ItemGrant[]) => setDraft({ ...draft, services: s })}
    />
    <${Grants}
      title="Collections"
      noun="collection"
      rows=${draft.collections}
      bits=${CRUD}
      onChange=${(c: ItemGrant[]) => setDraft({ ...draft, collections: c })}
    />
    <fieldset class="panel perm-table">
      <legend>Lists</legend>
      ${Object.keys(LISTS).map(
        (k) =>
          html`<div class="row" key=${k}>
            <span class="list-name">${k}</span>
            <${Bits}
              label=${k}
              level=${draft.lists[k] ?? 0}
              names=${CRUD}
              onChange=${(l: number) => setDraft({ ...draft, lists: { ...draft.lists, [k]: l } })}
            />
          </div>`,
      )}
    </fieldset>
    <button type="submit">Save role</button>
  </form>`;
}
