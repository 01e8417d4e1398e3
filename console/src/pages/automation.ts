// Triggers & timers: triggers are listed, created from the platform's definitions (module → action → the
// filter keys that action takes), edited and deleted; timers live in timers.ts beside them.
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from '../ctx.js';
import { OutcomeView } from '../outcome.js';
import { Field, Select, actionsColumn, editAndDelete, html, table } from '../ui.js';
import { DraftForm, useDraftList } from './draft-form.js';
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
  const triggers = useDraftList<Trigger, Draft>(ctx, 'trigger', `/admin/triggers/handlers/${sk}`, EMPTY);
  const { draft, setDraft, patch, outcome } = triggers;
  const { setError } = outcome;
  const services = useServiceNames(ctx, setError);

  useEffect(() => {
    ctx.api.get<Definition[]>('/admin/triggers/definitions').then(setDefs, setError);
  }, [sk]);

  const modules = [...new Set(defs.map((d) => d.def_module))];
  const actions = defs.filter((d) => d.def_module === draft.module);
  const def = actions.find((d) => d.def_name === draft.action);

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
    triggers.save(body);
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
    ${table({ label: 'Triggers', rows: triggers.rows, rowKey: (t) => t.name, empty: 'No trigger yet.' }, [
      { title: 'Name', cell: (t) => t.name },
      { title: 'Event', cell: (t) => `${t.event_definition.def_module}::${t.event_definition.def_name}` },
      {
        title: 'Filters',
        cell: (t) =>
          Object.entries(t.key_value_pairs)
            .map(([k, v]) => `${k}=${v}`)
            .join(', '),
      },
      { title: 'Service', cell: (t) => t.service_name },
      actionsColumn((t) =>
        editAndDelete('trigger', t.name, { edit: () => edit(t), remove: () => triggers.remove(t.name) }),
      ),
    ])}
    <${DraftForm}
      noun="trigger"
      ...${triggers.form}
      canSave=${draft.name !== '' && draft.service !== ''}
      onSubmit=${save}
    >
      <${Select}
        label="Module"
        value=${draft.module}
        options=${modules.map((m) => ({ value: m, label: m }))}
        onChange=${(m: string) =>
          patch({
            module: m,
            action: defs.find((d) => d.def_module === m)?.def_name ?? '',
            keys: {},
          })}
      />
      <${Select}
        label="Action"
        value=${draft.action}
        options=${actions.map((d) => ({ value: d.def_name, label: d.def_name }))}
        onChange=${(a: string) => patch({ action: a, keys: {} })}
      />
      ${(def?.def_keys ?? []).map(
        (k) =>
          html`<${Field}
            key=${k}
            label=${`Filter ${k}`}
            value=${draft.keys[k] ?? ''}
            placeholder=${k === 'topic' ? 'MQTT filter, e.g. plant/#' : 'exact value; empty = any'}
            onInput=${(v: string) => patch({ keys: { ...draft.keys, [k]: v } })}
          />`,
      )}
      <${Select}
        label="Service"
        value=${draft.service}
        options=${[{ value: '', label: '— choose —' }, ...services.map((s) => ({ value: s, label: s }))]}
        onChange=${(s: string) => patch({ service: s })}
      />
    </${DraftForm}>
    <${TimersSection} ctx=${ctx} services=${services} />
  </section>`;
}
