import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { IsobarError, isIsobarError } from '../../runtime-api/errors/index.js';
import type { Log } from '../kernel/log.js';
import type { Clock } from '../kernel/clock.js';
import { isUniqueViolation } from '../store/dialect.js';

/** The body of every REST error: `{statusCode, code, error, message}` with a stable code. */
export interface ErrorBody {
  statusCode: number;
  code: string;
  error: string;
  message: string;
}

const STATUS_TEXT: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  501: 'Not Implemented',
  502: 'Bad Gateway',
  503: 'Service Unavailable',
};

/** Maps anything thrown by a route (ours, Fastify's, a bug) to an IsobarError. */
export function toIsobarError(err: unknown, bodyLimit: number): IsobarError {
  if (isIsobarError(err)) return err;
  const fe = err as Partial<FastifyError> & { validation?: unknown };
  // An area checks names in memory before it inserts; a write racing it (another request, another node)
  // meets the database's unique constraint instead: the client's conflict, not an internal error.
  if (isUniqueViolation(err)) return new IsobarError('CB_ERR_HTTP_CONFLICT', { what: 'name' });
  if (fe.validation !== undefined)
    return new IsobarError('CB_ERR_HTTP_BAD_REQUEST', { detail: fe.message ?? 'invalid' });
  switch (fe.code) {
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
      return new IsobarError('CB_ERR_HTTP_BAD_JSON', { detail: fe.message ?? '' });
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new IsobarError('CB_ERR_HTTP_BODY_TOO_LARGE', { limit: bodyLimit });
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new IsobarError('CB_ERR_HTTP_UNSUPPORTED_MEDIA', { type: fe.message ?? '' });
    default:
      if (err instanceof SyntaxError) return new IsobarError('CB_ERR_HTTP_BAD_JSON', { detail: err.message });
      // Any other client error Fastify raised (a bad Content-Length, URL, Accept-Version …) is the client's,
      // not an internal one: a stable 400 rather than a 500 that a client can provoke at will.
      if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500)
        return new IsobarError('CB_ERR_HTTP_BAD_REQUEST', {
          detail: String(fe.code ?? fe.message ?? 'invalid'),
        });
      return new IsobarError('CB_ERR_INTERNAL', {}, { cause: err });
  }
}

/** Renders an IsobarError as the REST error body. */
export function errorBody(err: IsobarError): ErrorBody {
  return {
    statusCode: err.status,
    code: err.code,
    error: STATUS_TEXT[err.status] ?? 'Error',
    message: err.publicMessage,
  };
}

/**
 * How refused logins are answered. A guesser on keep-alive connections otherwise gets thousands of cheap 429s a
 * second, and answering them is CPU taken from every tenant; held for `holdMs`, each of its connections gets one
 * answer per hold. At most `max` answers are held at once (a timer and a socket each); beyond that the 429 goes at
 * once with `Connection: close`, so a flood of connections pays a reconnect per guess instead.
 */
export interface ThrottledAnswers {
  readonly clock: Clock;
  readonly holdMs: number;
  readonly max: number;
  /** Called when an answer is held (tests wait on it). */
  readonly onHold?: () => void;
}

/** Fastify error handler: one envelope for every failure; system faults are logged with their cause. */
export function createErrorHandler(log: Log, bodyLimit: number, throttled?: ThrottledAnswers) {
  let held = 0;
  return (err: unknown, request: FastifyRequest, reply: FastifyReply): Promise<void> | undefined => {
    const e = toIsobarError(err, bodyLimit);
    if (e.spec.fault === 'system') {
      log.error('request failed', {
        code: e.code,
        url: request.url,
        err: String(e.cause ?? e),
        stack: (e.cause as Error | undefined)?.stack,
      });
    }
    // Throttles (429) and overloads (503) say when to come back: the `retryAfter` param, in seconds.
    const retryAfter = e.params.retryAfter;
    if (typeof retryAfter === 'number') void reply.header('Retry-After', String(Math.max(1, retryAfter)));
    if (e.code === 'CB_ERR_AUTH_THROTTLED' && throttled !== undefined && throttled.holdMs > 0) {
      if (held >= throttled.max) {
        void reply.header('Connection', 'close');
      } else {
        held++;
        const body = errorBody(e);
        // Fastify waits for the promise; the answer is sent before it settles, so nothing is sent twice.
        const answered = new Promise<void>((resolve) => {
          throttled.clock.setTimer(throttled.holdMs, () => {
            held--;
            if (!reply.sent && !reply.raw.destroyed) void reply.status(e.status).send(body);
            resolve();
          });
        });
        throttled.onHold?.();
        return answered;
      }
    }
    void reply.status(e.status).send(errorBody(e));
    return undefined;
  };
}
