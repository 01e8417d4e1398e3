// Request bodies as ClearBlade reads them (reference §1.3). ClearBlade's SDKs send bodies
// a strict server refuses: the Node SDK posts `{}` with no Content-Type (anonymous login, execute), some
// clients send JSON text as application/x-www-form-urlencoded, and logouts send an empty body with
// Content-Type: application/json. ClearBlade reads all of them as JSON, so Isobar does too: whatever the
// content type, a body that parses is JSON, an empty (or absent) body is `{}`, and a body that does not
// parse answers 400 CB_ERR_HTTP_BAD_JSON. text/plain keeps its old meaning: JSON when it parses, else the text.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { IsobarError } from '../../runtime-api/errors/index.js';

type Done = (err: Error | null, body?: unknown) => void;

function textOf(body: string | Buffer): string {
  return typeof body === 'string' ? body : body.toString('utf8');
}

/** JSON text to a value: empty is `{}`, anything else must parse (400 CB_ERR_HTTP_BAD_JSON). */
export function parseLenientJson(text: string): unknown {
  if (text.trim() === '') return {};
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new IsobarError('CB_ERR_HTTP_BAD_JSON', { detail: (err as Error).message });
  }
}

/** A form body: JSON text when it is JSON (what ClearBlade clients put there), else its fields. */
export function parseFormBody(text: string): unknown {
  const trimmed = text.trim();
  // Text that starts like JSON is meant as JSON: a syntax error in it must not turn into a form field.
  if (trimmed === '' || /^[[{"]/.test(trimmed)) return parseLenientJson(trimmed);
  return Object.fromEntries(new URLSearchParams(trimmed));
}

function parser(parse: (text: string) => unknown) {
  return (_req: FastifyRequest, body: string | Buffer, done: Done): void => {
    let value: unknown;
    try {
      value = parse(textOf(body));
    } catch (err) {
      done(err as Error, undefined);
      return;
    }
    done(null, value);
  };
}

const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/**
 * Installs the lenient body parsers on `app` and makes an absent body `{}` on POST/PUT/PATCH/DELETE, so
 * every route (and its schema) sees an object whatever the SDK sent.
 */
export function installLenientBodies(app: FastifyInstance): void {
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, parser(parseLenientJson));
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, parser(parseFormBody));
  app.addContentTypeParser(
    'text/plain',
    { parseAs: 'string' },
    parser((text) => {
      try {
        return parseLenientJson(text);
      } catch {
        return text;
      }
    }),
  );
  // No Content-Type with a body, or any other type: ClearBlade reads it as JSON.
  app.addContentTypeParser('*', { parseAs: 'string' }, parser(parseLenientJson));
  // No body at all (no Content-Type, no Content-Length): fastify runs no parser and leaves it undefined.
  app.addHook('preValidation', (req, _reply, done) => {
    if (req.body === undefined && BODY_METHODS.has(req.method)) req.body = {};
    done();
  });
}
