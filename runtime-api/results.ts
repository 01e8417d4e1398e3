// How a run's outcome reads in ClearBlade's `results`, in one place for both edges that show it: the REST
// envelope (`POST /api/v/1/code/...`) and the callback of `ClearBlade.Code().execute`. The engine and the
// invoke door keep the code and its message apart from `results`; only these edges join them.
import type { ErrorCode } from './errors/index.js';

/** The part of an invoke result that decides what `results` shows. */
export interface RunOutcome {
  /** The value the service gave resp.success/error, or its thrown error as "<ErrorName>: <message>". */
  readonly results: unknown;
  /** Set when the platform ended or refused the run (or, as CB_ERR_SANDBOX_UNCAUGHT, the service threw). */
  readonly code?: ErrorCode;
  /** The catalogue message of `code`, filled in. */
  readonly message?: string;
}

/** Codes whose `results` stay the service's own: ClearBlade shows a thrown error as "<ErrorName>: <message>". */
const SERVICE_OWN: ReadonlySet<string> = new Set<ErrorCode>(['CB_ERR_SANDBOX_UNCAUGHT']);

/** `results` as ClearBlade shows it: the service's value, or "<CODE>: <message>" for a run the platform ended. */
export function clearBladeResults(outcome: RunOutcome): unknown {
  const { code, results } = outcome;
  if (code === undefined || SERVICE_OWN.has(code)) return results === undefined ? null : results;
  return `${code}: ${outcome.message ?? ''}`;
}
