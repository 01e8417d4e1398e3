// Small shared components every page uses, so errors, tables, forms and charts look and behave the same.
// preact + htm: `html` tagged templates, no JSX build step.
import { html } from 'htm/preact';
import { Fragment, type ComponentChildren, type VNode } from 'preact';
import { useEffect, useRef } from 'preact/hooks';
import { ApiError } from './api.js';

export { html };

/** Shows an error with its code and message (role=alert so screen readers announce it); nothing when null. */
export function ErrorBox(props: { error: unknown; onDismiss?: () => void }): VNode | null {
  const e = props.error;
  if (e === null || e === undefined) return null;
  const code = e instanceof ApiError ? e.code : e instanceof Error ? e.name : 'Error';
  const status = e instanceof ApiError && e.status > 0 ? ` (HTTP ${String(e.status)})` : '';
  const message = e instanceof Error ? e.message : String(e);
  return html`<div class="error" role="alert" data-code=${code}>
    <strong class="error-code">${code}</strong>${status}: <span class="error-message">${message}</span>
    ${
      props.onDismiss === undefined
        ? null
        : html`<button type="button" class="link" onClick=${props.onDismiss} aria-label="Dismiss">×</button>`
    }
  </div>`;
}

/** One column of a Table: its header and how to render a row's cell. */
export interface Column<R> {
  readonly title: string;
  readonly cell: (row: R) => ComponentChildren;
}

/** A plain table; `empty` is shown when there are no rows. */
export function Table<R>(props: {
  columns: readonly Column<R>[];
  rows: readonly R[];
  rowKey: (row: R) => string;
  empty?: string;
  label?: string;
}): VNode {
  if (props.rows.length === 0) return html`<p class="muted">${props.empty ?? 'Nothing yet.'}</p>`;
  return html`<table aria-label=${props.label}>
    <thead>
      <tr>
        ${props.columns.map((c) => html`<th scope="col">${c.title}</th>`)}
      </tr>
    </thead>
    <tbody>
      ${props.rows.map(
        (r) =>
          html`<tr key=${props.rowKey(r)}>
            ${props.columns.map((c) => html`<td>${c.cell(r)}</td>`)}
          </tr>`,
      )}
    </tbody>
  </table>`;
}

/** What a table shows besides its columns: its accessible name, its rows and each row's key. */
export interface TableOf<R> {
  readonly label: string;
  readonly rows: readonly R[];
  readonly rowKey: (row: R) => string;
  readonly empty?: string;
}

/**
 * A Table from a typed call: an htm template checks no props, so this is where TypeScript ties rows, rowKey
 * and columns to one row type (and the cells need no type annotations).
 */
export function table<R>(of: TableOf<R>, columns: readonly Column<R>[]): VNode {
  return html`<${Table} ...${of} columns=${columns} />`;
}

/** One button of a table row's action cell; `name` is its accessible name when the label alone is ambiguous. */
export interface RowAction {
  readonly label: string;
  readonly name?: string;
  readonly onClick: () => void;
}

/** A row's action buttons, so every table's action cell looks and reads the same. */
export function RowActions(props: { actions: readonly RowAction[] }): VNode {
  return html`<${Fragment}>
    ${props.actions.map(
      (a) =>
        html`<button type="button" class="secondary" aria-label=${a.name} onClick=${a.onClick}>
          ${a.label}
        </button>`,
    )}
  </${Fragment}>`;
}

/** The last column of a list: the row's action buttons under an empty header. */
export function actionsColumn<R>(actions: (row: R) => readonly RowAction[]): Column<R> {
  return { title: '', cell: (row) => html`<${RowActions} actions=${actions(row)} />` };
}

/** The Edit and Delete buttons of an editable list's row, named for it ("Edit timer t1") so each is findable. */
export function editAndDelete(
  noun: string,
  name: string,
  on: { readonly edit: () => void; readonly remove: () => void },
): RowAction[] {
  return [
    { label: 'Edit', name: `Edit ${noun} ${name}`, onClick: on.edit },
    { label: 'Delete', name: `Delete ${noun} ${name}`, onClick: on.remove },
  ];
}

/** A "New …" panel form: its heading, then one row of fields ending in its buttons (submit first). */
export function PanelForm(props: {
  /** The form's accessible name ("Create a role"). */
  label: string;
  title: string;
  submit: string;
  onSubmit: (e: Event) => void;
  disabled?: boolean;
  /** Buttons after the submit button (a Cancel). */
  after?: ComponentChildren;
  children: ComponentChildren;
}): VNode {
  return html`<form class="panel" aria-label=${props.label} onSubmit=${props.onSubmit}>
    <h2>${props.title}</h2>
    <div class="row">
      ${props.children}
      <button type="submit" disabled=${props.disabled === true}>${props.submit}</button>
      ${props.after}
    </div>
  </form>`;
}

/** The line that says what the last action did (role=status, so screen readers read it); nothing when empty. */
export function StatusLine(props: { status: string }): VNode | null {
  return props.status === '' ? null : html`<p role="status" class="ok">${props.status}</p>`;
}

/** A form control under its label text: the label is the accessible name tests and screen readers use. */
function Labelled(props: { label: string; children: ComponentChildren }): VNode {
  return html`<label class="field">
    <span>${props.label}</span>
    ${props.children}
  </label>`;
}

/** The value of the input, textarea or select an event came from. */
function valueOf(e: Event): string {
  return (e.currentTarget as HTMLInputElement | HTMLTextAreaElement | HTMLSelectElement).value;
}

/** A labelled text input. */
export function Field(props: {
  label: string;
  value: string;
  onInput: (value: string) => void;
  type?: string;
  name?: string;
  required?: boolean;
  placeholder?: string;
  autocomplete?: string;
}): VNode {
  return html`<${Labelled} label=${props.label}>
    <input
      type=${props.type ?? 'text'}
      name=${props.name}
      value=${props.value}
      required=${props.required === true}
      placeholder=${props.placeholder}
      autocomplete=${props.autocomplete}
      onInput=${(e: Event) => props.onInput(valueOf(e))}
    />
  </${Labelled}>`;
}

/** A labelled multi-line input (JSON parameters, descriptions). */
export function TextArea(props: {
  label: string;
  value: string;
  onInput: (value: string) => void;
  rows?: number;
  name?: string;
}): VNode {
  return html`<${Labelled} label=${props.label}>
    <textarea
      name=${props.name}
      rows=${props.rows ?? 4}
      value=${props.value}
      onInput=${(e: Event) => props.onInput(valueOf(e))}
    ></textarea>
  </${Labelled}>`;
}

/** A labelled select over string options. */
export function Select(props: {
  label: string;
  value: string;
  options: readonly { value: string; label: string }[];
  onChange: (value: string) => void;
  name?: string;
}): VNode {
  return html`<${Labelled} label=${props.label}>
    <select
      name=${props.name}
      value=${props.value}
      onChange=${(e: Event) => props.onChange(valueOf(e))}
    >
      ${props.options.map((o) => html`<option value=${o.value}>${o.label}</option>`)}
    </select>
  </${Labelled}>`;
}

/** A modal dialog on the native <dialog> (focus trapping and Escape come with it). */
export function Modal(props: { title: string; onClose: () => void; children: ComponentChildren }): VNode {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (d !== null && !d.open) d.showModal();
    return () => d?.close();
  }, []);
  return html`<dialog ref=${ref} class="modal" aria-label=${props.title} onClose=${props.onClose}>
    <header>
      <h2>${props.title}</h2>
      <button type="button" class="link" onClick=${props.onClose} aria-label="Close">×</button>
    </header>
    ${props.children}
  </dialog>`;
}

/** One line of a Chart. */
export interface ChartSeries {
  readonly label: string;
  /** [epoch ms, value]; null values leave a gap. */
  readonly points: readonly (readonly [number, number | null])[];
}

/** An SVG line chart over time (no chart library: a few lines of SVG are enough for the overview). */
export function Chart(props: { title: string; series: readonly ChartSeries[]; unit?: string }): VNode {
  const w = 400;
  const h = 120;
  const pad = 4;
  const all = props.series.flatMap((s) => s.points);
  const ts = all.map((p) => p[0]);
  const vs = all.flatMap((p) => (p[1] === null ? [] : [p[1]]));
  const t0 = ts.length === 0 ? 0 : Math.min(...ts);
  const t1 = ts.length === 0 ? 1 : Math.max(...ts);
  const vMax = Math.max(1e-9, ...vs);
  const x = (t: number): number => pad + ((t - t0) / Math.max(1, t1 - t0)) * (w - 2 * pad);
  const y = (v: number): number => h - pad - (v / vMax) * (h - 2 * pad);
  const path = (s: ChartSeries): string => {
    let d = '';
    let pen = false;
    for (const [t, v] of s.points) {
      if (v === null) {
        pen = false;
        continue;
      }
      d += `${pen ? 'L' : 'M'}${x(t).toFixed(1)},${y(v).toFixed(1)}`;
      pen = true;
    }
    return d;
  };
  const last = (s: ChartSeries): string => {
    const v = [...s.points].reverse().find((p) => p[1] !== null)?.[1];
    return v === undefined || v === null ? '–' : formatNumber(v);
  };
  return html`<figure class="chart">
    <figcaption>
      <span class="chart-title">${props.title}</span>
      ${props.series.map(
        (s, i) =>
          html`<span class=${`legend s${String(i)}`}>${s.label}: <b>${last(s)}</b>${props.unit ?? ''}</span>`,
      )}
    </figcaption>
    <svg
      viewBox=${`0 0 ${String(w)} ${String(h)}`}
      preserveAspectRatio="none"
      role="img"
      aria-label=${props.title}
    >
      <line x1="0" x2=${w} y1=${h - pad} y2=${h - pad} class="axis" />
      ${props.series.map((s, i) => html`<path d=${path(s)} class=${`line s${String(i)}`} />`)}
      ${
        // A lone sample has no line to draw: a dot shows it.
        props.series.map((s, i) =>
          s.points.filter((p) => p[1] !== null).length === 1
            ? s.points.map(([t, v]) =>
                v === null ? null : html`<circle cx=${x(t)} cy=${y(v)} r="3" class=${`dot s${String(i)}`} />`,
              )
            : null,
        )
      }
    </svg>
    <div class="chart-scale muted">
      ${all.length === 0 ? 'no samples yet' : `max ${formatNumber(vMax)}${props.unit ?? ''}`}
    </div>
  </figure>`;
}

/** Numbers as people read them on a dashboard: integers plain, small rates with two decimals. */
export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  return Math.abs(v) >= 100 ? v.toFixed(0) : v.toFixed(2);
}
