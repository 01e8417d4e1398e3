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

/** The calls behind a DraftForm and its rows' Delete: POST to create, PUT to save, DELETE, each at `base/name`. */
export interface DraftCalls {
  save(name: string, editing: boolean, body: unknown): void;
  remove(name: string): void;
}

/** DraftCalls for one kind of named thing; `onSaved` resets the form, `reload` reads the list again. */
export function draftCalls(
  ctx: Ctx,
  outcome: Outcome,
  opts: { base: string; noun: string; onSaved: () => void; reload: () => void },
): DraftCalls {
  const path = (name: string): string => `${opts.base}/${encodeURIComponent(name)}`;
  return {
    save(name, editing, body) {
      outcome.setStatus('');
      void outcome.act(
        `${editing ? 'Updated' : 'Created'} ${opts.noun} ${name}`,
        async () => {
          await (editing ? ctx.api.put(path(name), body) : ctx.api.post(path(name), body));
          opts.onSaved();
        },
        opts.reload,
      );
    },
    remove(name) {
      void outcome.act(`Deleted ${opts.noun} ${name}`, () => ctx.api.del(path(name)), opts.reload);
    },
  };
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
  const calls = draftCalls(ctx, outcome, { base, noun, onSaved: drafts.reset, reload: load });
  const { name, editing } = drafts.draft;
  return { ...drafts, rows, outcome, save: (body) => calls.save(name, editing, body), remove: calls.remove };
}
