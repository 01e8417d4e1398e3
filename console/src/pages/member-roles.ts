// The roles a user or device holds, as checkboxes over the system's roles: saving sends only what changed
// ({add, delete}), so a role someone else granted meanwhile is not taken away by accident.
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Ctx } from '../ctx.js';
import { ErrorBox, html } from '../ui.js';
import type { RoleJson } from './role-model.js';

/** Who the roles belong to: a user (by id) or a device (by name). */
export type Member =
  { kind: 'user'; id: string; label: string } | { kind: 'device'; name: string; label: string };

/** Role checkboxes for one member; `onDone` after a save or cancel. */
export function MemberRoles(props: { ctx: Ctx; member: Member; onDone: (status: string) => void }): VNode {
  const { ctx, member } = props;
  const sk = ctx.systemKey;
  const [all, setAll] = useState<RoleJson[]>([]);
  const [held, setHeld] = useState<Set<string> | undefined>(undefined);
  const [chosen, setChosen] = useState<Set<string>>(new Set());
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    ctx.api.get<RoleJson[]>(`/admin/user/${sk}/roles`).then(setAll, setError);
    const mine =
      member.kind === 'user'
        ? ctx.api.get<RoleJson[]>(`/admin/user/${sk}/roles?user=${encodeURIComponent(member.id)}`)
        : ctx.api
            .get<{ roles: RoleJson[] }>(`/admin/devices/roles/${sk}/${encodeURIComponent(member.name)}`)
            .then((r) => r.roles);
    mine.then((roles) => {
      const ids = new Set(roles.map((r) => r.ID));
      setHeld(ids);
      setChosen(new Set(ids));
    }, setError);
  }, [sk, member.label]);

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    if (held === undefined) return;
    const add = [...chosen].filter((id) => !held.has(id));
    const del = [...held].filter((id) => !chosen.has(id));
    try {
      if (member.kind === 'user') {
        await ctx.api.put(`/admin/user/${sk}`, { user: member.id, changes: { roles: { add, delete: del } } });
      } else {
        await ctx.api.put(`/admin/devices/roles/${sk}/${encodeURIComponent(member.name)}`, {
          add,
          delete: del,
        });
      }
      props.onDone(`Roles of ${member.label} saved`);
    } catch (err) {
      setError(err);
    }
  };
  const toggle = (id: string, on: boolean): void => {
    const next = new Set(chosen);
    if (on) next.add(id);
    else next.delete(id);
    setChosen(next);
  };

  return html`<form class="panel" aria-label=${`Roles of ${member.label}`} onSubmit=${save}>
    <h2>Roles of ${member.label}</h2>
    <${ErrorBox} error=${error} onDismiss=${() => setError(null)} />
    ${
      held === undefined
        ? html`<p class="muted">Loading…</p>`
        : html`<div class="row">
            ${all.map(
              (r) =>
                html`<label class="check" key=${r.ID}>
                  <input
                    type="checkbox"
                    checked=${chosen.has(r.ID)}
                    onChange=${(ev: Event) => toggle(r.ID, (ev.currentTarget as HTMLInputElement).checked)}
                  />
                  ${r.Name}
                </label>`,
            )}
          </div>`
    }
    <div class="row">
      <button type="submit" disabled=${held === undefined}>Save roles</button>
      <button type="button" class="secondary" onClick=${() => props.onDone('')}>Cancel</button>
    </div>
  </form>`;
}

/** The role panel of a user or device list: `open(member)` shows it; saving or cancelling closes it. */
export function useMemberRoles(
  ctx: Ctx,
  onStatus: (status: string) => void,
): { open: (member: Member) => void; panel: VNode | null } {
  const [member, setMember] = useState<Member | undefined>(undefined);
  const panel =
    member === undefined
      ? null
      : html`<${MemberRoles}
          ctx=${ctx}
          member=${member}
          onDone=${(s: string) => {
            setMember(undefined);
            onStatus(s);
          }}
        />`;
  return { open: setMember, panel };
}
