// The create-or-edit form of a named thing (a trigger, a timer): one shape for both, so the labels tests
// and screen readers find ("Create a timer", "Timer name", "Save timer", Cancel) are built the same way.
import type { ComponentChildren, VNode } from 'preact';
import type { Ctx } from '../ctx.js';
import type { Outcome } from '../outcome.js';
import { Field, html } from '../ui.js';

/** A form that creates a `noun` or, when `editing`, saves the one named `name` (whose name is then fixed). */
export function DraftForm(props: {
  noun: string;
  editing: boolean;
  name: string;
  onName: (name: string) => void;
  canSave: boolean;
  onSubmit: (e: Event) => void;
  onCancel: () => void;
  children: ComponentChildren;
}): VNode {
  const { noun, editing } = props;
  const title = noun.charAt(0).toUpperCase() + noun.slice(1);
  return html`<form
    class="panel"
    aria-label=${editing ? `Edit ${noun}` : `Create a ${noun}`}
    onSubmit=${props.onSubmit}
  >
    <h2>${editing ? `Edit ${noun} ${props.name}` : `New ${noun}`}</h2>
    <div class="row">
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
      <button type="submit" disabled=${!props.canSave}>${editing ? `Save ${noun}` : `Create ${noun}`}</button>
      ${editing ? html`<button type="button" class="secondary" onClick=${props.onCancel}>Cancel</button>` : null}
    </div>
  </form>`;
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
