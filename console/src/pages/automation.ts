// Triggers & timers: triggers are listed, created from the platform's definitions (module → action → the
// filter keys that action takes), edited and deleted; timers live in timers.ts beside them.
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from '../ctx.js';
import { OutcomeView, useOutcome } from '../outcome.js';
import { Field, RowActions, Select, Table, html } from '../ui.js';
import { DraftForm, draftCalls } from './draft-form.js';
import { TimersSection } from './timers.js';
import './pages.css';

/** One entry of `GET /admin/triggers/definitions`. */
interface Definition {
  readonly def_module: string;
  readonly def_name: string;
  readonly def_keys: readonly string[];
}

/** A trigger as the list answers it. */
interface Trigger {
  readonly name: string;
  readonly event_definition: { def_module: string; def_name: string };
  readonly key_value_pairs: Record<string, string>;
  readonly service_name: string;
}

interface Draft {
  name: string;
  module: string;
  action: string;
  keys: Record<string, string>;
  service: string;
  /** Editing an existing trigger (PUT) rather than creating one (POST). */
  editing: boolean;
}

const EMPTY: Draft = {
  name: '',
  module: 'Messaging',
  action: 'Publish',
  keys: {},
  service: '',
  editing: false,
};

/** The service names of the system, for the pickers of this page. */
export function useServiceNames(ctx: PageProps['ctx'], setError: (e: unknown) => void): string[] {
  const [names, setNames] = useState<string[]>([]);
  useEffect(() => {
    ctx.api
      .get<{ code: string[] }>(`/admin/code/v/1/${ctx.systemKey}`)
      .then((r) => setNames(r.code), setError);
  }, [ctx.systemKey]);
  return names;
}

/** The Triggers & timers page of the console. */
export function AutomationPage({ ctx }: PageProps): VNode {
  const sk = ctx.systemKey;
  const [defs, setDefs] = useState<Definition[]>([]);
  const [triggers, setTriggers] = useState<Trigger[]>([]);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const outcome = useOutcome();
  const { setError } = outcome;
  const services = useServiceNames(ctx, setError);

  const load = (): void => {
    ctx.api.get<Trigger[]>(`/admin/triggers/handlers/${sk}`).then(setTriggers, setError);
  };
  useEffect(() => {
    ctx.api.get<Definition[]>('/admin/triggers/definitions').then(setDefs, setError);
    load();
  }, [sk]);

  const modules = [...new Set(defs.map((d) => d.def_module))];
  const actions = defs.filter((d) => d.def_module === draft.module);
  const def = actions.find((d) => d.def_name === draft.action);

  const calls = draftCalls(ctx, outcome, {
    base: `/admin/triggers/handlers/${sk}`,
    noun: 'trigger',
    onSaved: () => setDraft(EMPTY),
    reload: load,
  });
  const save = (e: Event): void => {
    e.preventDefault();
    const keyValues: Record<string, string> = {};
    for (const k of def?.def_keys ?? []) if ((draft.keys[k] ?? '') !== '') keyValues[k] = draft.keys[k];
    const body = {
      def_module: draft.module,
      def_name: draft.action,
      key_value_pairs: keyValues,
      service_name: draft.service,
    };
    calls.save(draft.name, draft.editing, body);
  };
  const edit = (t: Trigger): void =>
    setDraft({
      name: t.name,
      module: t.event_definition.def_module,
      action: t.event_definition.def_name,
      keys: { ...t.key_value_pairs },
      service: t.service_name,
      editing: true,
    });

  return html`<section class="page automation">
    <h1>Triggers & timers</h1>
    <${OutcomeView} outcome=${outcome} />
    <h2>Triggers</h2>
    <${Table}
      label="Triggers"
      rows=${triggers}
      rowKey=${(t: Trigger) => t.name}
      empty="No trigger yet."
      columns=${[
        { title: 'Name', cell: (t: Trigger) => t.name },
        {
          title: 'Event',
          cell: (t: Trigger) => `${t.event_definition.def_module}::${t.event_definition.def_name}`,
        },
        {
          title: 'Filters',
          cell: (t: Trigger) =>
            Object.entries(t.key_value_pairs)
              .map(([k, v]) => `${k}=${v}`)
              .join(', '),
        },
        { title: 'Service', cell: (t: Trigger) => t.service_name },
        {
          title: '',
          cell: (t: Trigger) =>
            html`<${RowActions}
              actions=${[
                { label: 'Edit', name: `Edit trigger ${t.name}`, onClick: () => edit(t) },
                { label: 'Delete', name: `Delete trigger ${t.name}`, onClick: () => calls.remove(t.name) },
              ]}
            />`,
        },
      ]}
    />
    <${DraftForm}
      noun="trigger"
      editing=${draft.editing}
      name=${draft.name}
      onName=${(v: string) => setDraft({ ...draft, name: v })}
      canSave=${draft.name !== '' && draft.service !== ''}
      onSubmit=${save}
      onCancel=${() => setDraft(EMPTY)}
    >
      <${Select}
        label="Module"
        value=${draft.module}
        options=${modules.map((m) => ({ value: m, label: m }))}
        onChange=${(m: string) =>
          setDraft({
            ...draft,
            module: m,
            action: defs.find((d) => d.def_module === m)?.def_name ?? '',
            keys: {},
          })}
      />
      <${Select}
        label="Action"
        value=${draft.action}
        options=${actions.map((d) => ({ value: d.def_name, label: d.def_name }))}
        onChange=${(a: string) => setDraft({ ...draft, action: a, keys: {} })}
      />
      ${(def?.def_keys ?? []).map(
        (k) =>
          html`<${Field}
            key=${k}
            label=${`Filter ${k}`}
            value=${draft.keys[k] ?? ''}
            placeholder=${k === 'topic' ? 'MQTT filter, e.g. plant/#' : 'exact value; empty = any'}
            onInput=${(v: string) => setDraft({ ...draft, keys: { ...draft.keys, [k]: v } })}
          />`,
      )}
      <${Select}
        label="Service"
        value=${draft.service}
        options=${[{ value: '', label: '— choose —' }, ...services.map((s) => ({ value: s, label: s }))]}
        onChange=${(s: string) => setDraft({ ...draft, service: s })}
      />
    </${DraftForm}>
    <${TimersSection} ctx=${ctx} services=${services} />
  </section>`;
}
