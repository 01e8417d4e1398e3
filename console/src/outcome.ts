// What a page shows after its calls: the last failure (an ErrorBox) and the last success (a status line).
// One hook for every page, so a failed call never hides and a success always says what it did.
import { Fragment, type VNode } from 'preact';
import { useState } from 'preact/hooks';
import { ErrorBox, StatusLine, html } from './ui.js';

/** A page's outcome state and `act`, which runs one call and records how it went. */
export interface Outcome {
  readonly error: unknown;
  readonly setError: (error: unknown) => void;
  readonly status: string;
  readonly setStatus: (status: string) => void;
  /** Clears the error, runs `call`, then shows `what` and runs `after` (a reload), or shows the failure. */
  readonly act: (what: string, call: () => Promise<unknown>, after?: () => void) => Promise<void>;
}

/** The error and status of a page, with the one way its buttons run a call. */
export function useOutcome(): Outcome {
  const [error, setError] = useState<unknown>(null);
  const [status, setStatus] = useState('');
  const act = async (what: string, call: () => Promise<unknown>, after?: () => void): Promise<void> => {
    setError(null);
    try {
      await call();
      setStatus(what);
      after?.();
    } catch (err) {
      setError(err);
    }
  };
  return { error, setError, status, setStatus, act };
}

/** The dismissable error box and the status line of an outcome. */
export function OutcomeView(props: { outcome: Outcome }): VNode {
  const o = props.outcome;
  return html`<${Fragment}>
    <${ErrorBox} error=${o.error} onDismiss=${() => o.setError(null)} />
    <${StatusLine} status=${o.status} />
  </${Fragment}>`;
}
