// The create-or-edit form of a named thing (a trigger, a timer): one shape for both, so the labels tests
// and screen readers find ("Create a timer", "Timer name", "Save timer", Cancel) are built the same way.
import type { ComponentChildren, VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { Ctx } from '../ctx.js';
import { useOutcome, type Outcome } from '../outcome.js';
import { Field, PanelForm, html } from '../ui.js';

/** What every draft has: its name and whether it edits an existing thing (PUT) rather than creating one. */
export interface NamedDraft {
  name: string;
  editing: boolean;
}

/** The DraftForm props that follow from the draft alone. */
export interface DraftFormState {
  readonly editing: boolean;
  readonly name: string;
  readonly onName: (name: string) => void;
  readonly onCancel: () => void;
}

/** A DraftForm's draft: the state, `patch` (change some fields), `reset` (back to empty) and `form`. */
export interface DraftState<D extends NamedDraft> {
  readonly draft: D;
  readonly setDraft: (draft: D) => void;
  readonly patch: (change: Partial<D>) => void;
  readonly reset: () => void;
  /** Spread into the DraftForm (`...${form}`): its name field and Cancel work on this draft. */
  readonly form: DraftFormState;
}

/** The draft state of a create-or-edit form, starting (and reset to) `empty`. */
export function useDraft<D extends NamedDraft>(empty: D): DraftState<D> {
  const [draft, setDraft] = useState<D>(empty);
  const patch = (change: Partial<D>): void => setDraft((d) => ({ ...d, ...change }));
  const reset = (): void => setDraft(empty);
  const onName = (name: string): void => setDraft((d) => ({ ...d, name }));
  return {
    draft,
    setDraft,
    patch,
    reset,
    form: { editing: draft.editing, name: draft.name, onName, onCancel: reset },
  };
}

/** A form that creates a `noun` or, when `editing`, saves the one named `name` (whose name is then fixed). */
export function DraftForm(
  props: DraftFormState & {
    noun: string;
    canSave: boolean;
    onSubmit: (e: Event) => void;
    children: ComponentChildren;
  },
): VNode {
  const { noun, editing } = props;
  const title = noun.charAt(0).toUpperCase() + noun.slice(1);
  return html`<${PanelForm}
    label=${editing ? `Edit ${noun}` : `Create a ${noun}`}
    title=${editing ? `Edit ${noun} ${props.name}` : `New ${noun}`}
    submit=${editing ? `Save ${noun}` : `Create ${noun}`}
    onSubmit=${props.onSubmit}
    disabled=${!props.canSave}
    after=${editing ? html`<button type="button" class="secondary" onClick=${props.onCancel}>Cancel</button>` : null}
  >
    ${
      editing
        ? null
        : html`<${Field}
            label=${`${title} name`}
            value=${props.name}
            required=${true}
            onInput=${props.onName}
          />`
    }
    ${props.children}
  </${PanelForm}>`;
}

/** A page's list of named things at `base` with the create-or-edit draft over it (triggers, timers). */
export interface DraftList<T, D extends NamedDraft> extends DraftState<D> {
  readonly rows: readonly T[];
  readonly outcome: Outcome;
  /** Saves the draft with `body` (POST to create, PUT when editing), then empties the form and reloads. */
  readonly save: (body: unknown) => void;
  readonly remove: (name: string) => void;
}

/** The list at `base` (read now and after each change), its outcome, the draft and the calls that change it. */
export function useDraftList<T, D extends NamedDraft>(
  ctx: Ctx,
  noun: string,
  base: string,
  empty: D,
): DraftList<T, D> {
  const [rows, setRows] = useState<T[]>([]);
  const outcome = useOutcome();
  const drafts = useDraft(empty);
  const load = (): void => {
    ctx.api.get<T[]>(base).then(setRows, outcome.setError);
  };
  useEffect(load, [base]);
  // Each call is at `base/name`: POST creates, PUT saves an edited one, DELETE removes; the list is read again.
  const path = (name: string): string => `${base}/${encodeURIComponent(name)}`;
  const save = (body: unknown): void => {
    const { name, editing } = drafts.draft;
    outcome.setStatus('');
    void outcome.act(
      `${editing ? 'Updated' : 'Created'} ${noun} ${name}`,
      async () => {
        await (editing ? ctx.api.put(path(name), body) : ctx.api.post(path(name), body));
        drafts.reset();
      },
      load,
    );
  };
  const remove = (name: string): void => {
    void outcome.act(`Deleted ${noun} ${name}`, () => ctx.api.del(path(name)), load);
  };
  return { ...drafts, rows, outcome, save, remove };
}
