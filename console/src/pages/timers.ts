// The timers half of the Triggers & timers page: list with each timer's next runs, create, edit, delete.
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Ctx } from '../ctx.js';
import { ErrorBox, Field, Select, Table, html } from '../ui.js';
import { describeSchedule, nextRuns, type TimerSchedule } from './timer-runs.js';

/** A timer as `GET /admin/triggers/timers/{sk}` answers it. */
interface Timer extends TimerSchedule {
  readonly name: string;
  readonly description: string;
  readonly start_time: string;
  readonly service_name: string;
  readonly last_run: string | null;
}

interface Draft {
  name: string;
  start: string;
  frequency: string;
  repeats: string;
  cron: string;
  service: string;
  description: string;
  editing: boolean;
}

const EMPTY: Draft = {
  name: '',
  start: 'Now',
  frequency: '60',
  repeats: '-1',
  cron: '',
  service: '',
  description: '',
  editing: false,
};

/** Runs shown per timer. */
const SHOWN_RUNS = 3;

/** Timers of the system. */
export function TimersSection(props: { ctx: Ctx; services: readonly string[] }): VNode {
  const { ctx } = props;
  const sk = ctx.systemKey;
  const [timers, setTimers] = useState<Timer[]>([]);
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const load = (): void => {
    ctx.api.get<Timer[]>(`/admin/triggers/timers/${sk}`).then(setTimers, setError);
  };
  useEffect(load, [sk]);

  const save = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    setStatus('');
    const body: Record<string, unknown> = {
      start_time: draft.start === '' ? 'Now' : draft.start,
      repeats: Number(draft.repeats),
      service_name: draft.service,
      description: draft.description,
    };
    if (draft.cron.trim() !== '') body.cron = draft.cron.trim();
    else body.frequency = Number(draft.frequency);
    const path = `/admin/triggers/timers/${sk}/${encodeURIComponent(draft.name)}`;
    try {
      await (draft.editing ? ctx.api.put(path, body) : ctx.api.post(path, body));
      setStatus(`${draft.editing ? 'Updated' : 'Created'} timer ${draft.name}`);
      setDraft(EMPTY);
      load();
    } catch (err) {
      setError(err);
    }
  };
  const remove = async (name: string): Promise<void> => {
    setError(null);
    try {
      await ctx.api.del(`/admin/triggers/timers/${sk}/${encodeURIComponent(name)}`);
      setStatus(`Deleted timer ${name}`);
      load();
    } catch (err) {
      setError(err);
    }
  };
  const edit = (t: Timer): void =>
    setDraft({
      name: t.name,
      start: t.start_time,
      frequency: String(t.frequency ?? 60),
      repeats: String(t.repeats ?? 0),
      cron: t.cron ?? '',
      service: t.service_name,
      description: t.description,
      editing: true,
    });
  const runsOf = (t: Timer): string => {
    try {
      const runs = nextRuns(t, SHOWN_RUNS);
      return runs.length === 0 ? 'done' : runs.map((r) => new Date(r).toLocaleString()).join(' · ');
    } catch (err) {
      return `(cannot compute: ${String(err)})`;
    }
  };

  return html`<section aria-label="Timers">
    <h2>Timers</h2>
    <${ErrorBox} error=${error} onDismiss=${() => setError(null)} />
    ${status === '' ? null : html`<p role="status" class="ok">${status}</p>`}
    <${Table}
      label="Timers"
      rows=${timers}
      rowKey=${(t: Timer) => t.name}
      empty="No timer yet."
      columns=${[
        { title: 'Name', cell: (t: Timer) => t.name },
        { title: 'Schedule', cell: (t: Timer) => describeSchedule(t) },
        {
          title: 'Service',
          cell: (t: Timer) => t.service_name || html`<span class="muted">($timer/${t.name} only)</span>`,
        },
        { title: 'Runs', cell: (t: Timer) => String(t.runs ?? 0) },
        { title: 'Next runs', cell: (t: Timer) => html`<span class="next-runs">${runsOf(t)}</span>` },
        {
          title: '',
          cell: (t: Timer) =>
            html`<button
                type="button"
                class="secondary"
                aria-label=${`Edit timer ${t.name}`}
                onClick=${() => edit(t)}
              >
                Edit
              </button>
              <button
                type="button"
                class="secondary"
                aria-label=${`Delete timer ${t.name}`}
                onClick=${() => void remove(t.name)}
              >
                Delete
              </button>`,
        },
      ]}
    />
    <form class="panel" aria-label=${draft.editing ? 'Edit timer' : 'Create a timer'} onSubmit=${save}>
      <h2>${draft.editing ? `Edit timer ${draft.name}` : 'New timer'}</h2>
      <div class="row">
        ${
          draft.editing
            ? null
            : html`<${Field}
                label="Timer name"
                value=${draft.name}
                required=${true}
                onInput=${(v: string) => setDraft({ ...draft, name: v })}
              />`
        }
        <${Field}
          label="Start (RFC 3339 or Now)"
          value=${draft.start}
          onInput=${(v: string) => setDraft({ ...draft, start: v })}
        />
        <${Field}
          label="Every (seconds)"
          type="number"
          value=${draft.frequency}
          onInput=${(v: string) => setDraft({ ...draft, frequency: v })}
        />
        <${Field}
          label="Repeats (-1 forever)"
          type="number"
          value=${draft.repeats}
          onInput=${(v: string) => setDraft({ ...draft, repeats: v })}
        />
        <${Field}
          label="Cron (instead of Every)"
          value=${draft.cron}
          placeholder="*/5 * * * *"
          onInput=${(v: string) => setDraft({ ...draft, cron: v })}
        />
        <${Select}
          label="Timer service"
          value=${draft.service}
          options=${[{ value: '', label: '— none: publish $timer/<name> —' }, ...props.services.map((s) => ({ value: s, label: s }))]}
          onChange=${(s: string) => setDraft({ ...draft, service: s })}
        />
        <${Field}
          label="Description"
          value=${draft.description}
          onInput=${(v: string) => setDraft({ ...draft, description: v })}
        />
        <button type="submit" disabled=${draft.name === ''}>
          ${draft.editing ? 'Save timer' : 'Create timer'}
        </button>
        ${
          draft.editing
            ? html`<button type="button" class="secondary" onClick=${() => setDraft(EMPTY)}>Cancel</button>`
            : null
        }
      </div>
    </form>
  </section>`;
}
