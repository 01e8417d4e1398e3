// The timers half of the Triggers & timers page: list with each timer's next runs, create, edit, delete.
import type { VNode } from 'preact';
import type { Ctx } from '../ctx.js';
import { OutcomeView } from '../outcome.js';
import { Field, Select, actionsColumn, editAndDelete, html, table } from '../ui.js';
import { DraftForm, useDraftList } from './draft-form.js';
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
  const timers = useDraftList<Timer, Draft>(ctx, 'timer', `/admin/triggers/timers/${sk}`, EMPTY);
  const { draft, setDraft, patch, outcome } = timers;

  const save = (e: Event): void => {
    e.preventDefault();
    const body: Record<string, unknown> = {
      start_time: draft.start === '' ? 'Now' : draft.start,
      repeats: Number(draft.repeats),
      service_name: draft.service,
      description: draft.description,
    };
    if (draft.cron.trim() !== '') body.cron = draft.cron.trim();
    else body.frequency = Number(draft.frequency);
    timers.save(body);
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
    <${OutcomeView} outcome=${outcome} />
    ${table({ label: 'Timers', rows: timers.rows, rowKey: (t) => t.name, empty: 'No timer yet.' }, [
      { title: 'Name', cell: (t) => t.name },
      { title: 'Schedule', cell: (t) => describeSchedule(t) },
      {
        title: 'Service',
        cell: (t) => t.service_name || html`<span class="muted">($timer/${t.name} only)</span>`,
      },
      { title: 'Runs', cell: (t) => String(t.runs ?? 0) },
      { title: 'Next runs', cell: (t) => html`<span class="next-runs">${runsOf(t)}</span>` },
      actionsColumn((t) =>
        editAndDelete('timer', t.name, { edit: () => edit(t), remove: () => timers.remove(t.name) }),
      ),
    ])}
    <${DraftForm}
      noun="timer"
      ...${timers.form}
      canSave=${draft.name !== ''}
      onSubmit=${save}
    >
      <${Field}
        label="Start (RFC 3339 or Now)"
        value=${draft.start}
        onInput=${(v: string) => patch({ start: v })}
      />
      <${Field}
        label="Every (seconds)"
        type="number"
        value=${draft.frequency}
        onInput=${(v: string) => patch({ frequency: v })}
      />
      <${Field}
        label="Repeats (-1 forever)"
        type="number"
        value=${draft.repeats}
        onInput=${(v: string) => patch({ repeats: v })}
      />
      <${Field}
        label="Cron (instead of Every)"
        value=${draft.cron}
        placeholder="*/5 * * * *"
        onInput=${(v: string) => patch({ cron: v })}
      />
      <${Select}
        label="Timer service"
        value=${draft.service}
        options=${[{ value: '', label: '— none: publish $timer/<name> —' }, ...props.services.map((s) => ({ value: s, label: s }))]}
        onChange=${(s: string) => patch({ service: s })}
      />
      <${Field}
        label="Description"
        value=${draft.description}
        onInput=${(v: string) => patch({ description: v })}
      />
    </${DraftForm}>
  </section>`;
}
