import type { ErrorSpec } from './spec.js';
import { platformErrors } from './platform.js';
import { identityErrors } from './identity.js';
import { brokerErrors } from './broker.js';
import { sandboxErrors } from './sandbox.js';
import { codeErrors } from './code.js';
import { triggerErrors } from './triggers.js';
import { historyErrors } from './history.js';
import { edgeErrors } from './edge.js';
import { cacheErrors } from './cache.js';
import { httpErrors } from './http.js';
import { dataErrors } from './data.js';

export type { ErrorSpec } from './spec.js';

/** The one catalogue of stable error codes: never reuse or rename a code. */
export const catalogue = {
  ...platformErrors,
  ...identityErrors,
  ...brokerErrors,
  ...sandboxErrors,
  ...codeErrors,
  ...triggerErrors,
  ...historyErrors,
  ...edgeErrors,
  ...cacheErrors,
  ...httpErrors,
  ...dataErrors,
} as const;

export type ErrorCode = keyof typeof catalogue;
export type ErrorParams = Readonly<Record<string, string | number | boolean>>;

/** Fills `{name}` placeholders; unknown placeholders stay visible rather than vanish. */
export function formatMessage(template: string, params: ErrorParams = {}): string {
  return template.replace(/\{(\w+)\}/g, (whole, key: string) =>
    key in params ? String(params[key]) : whole,
  );
}

/** The single error class of the platform: a stable code, its catalogue entry and an optional cause. */
export class IsobarError extends Error {
  readonly code: ErrorCode;
  readonly spec: ErrorSpec;
  readonly params: ErrorParams;

  constructor(code: ErrorCode, params: ErrorParams = {}, options?: { cause?: unknown }) {
    const spec: ErrorSpec = catalogue[code];
    super(formatMessage(spec.message, params), options);
    this.name = 'IsobarError';
    this.code = code;
    this.spec = spec;
    this.params = params;
  }

  /** HTTP status from the catalogue. */
  get status(): number {
    return this.spec.status;
  }

  /** The message safe to show a client: system faults never leak internals. */
  get publicMessage(): string {
    return this.spec.fault === 'system' ? formatMessage(catalogue.CB_ERR_INTERNAL.message) : this.message;
  }
}

/** True when `value` is an IsobarError (also across module copies). */
export function isIsobarError(value: unknown): value is IsobarError {
  return value instanceof IsobarError;
}
