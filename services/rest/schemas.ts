// JSON-schema fragments every area's routes share, in one place so the OpenAPI document says the same
// thing the same way: the error envelope (CONVENTIONS 8), who may call (the `securitySchemes` of
// server.ts, reference §1.1 headers), the system in the path, ClearBlade's query string and open objects.

/** An object schema with these known fields that may carry more (custom columns, ClearBlade fields kept as sent). */
export function openObjectOf<const P extends Record<string, unknown>>(
  properties: P,
): { readonly type: 'object'; readonly additionalProperties: true; readonly properties: P } {
  return { type: 'object', additionalProperties: true, properties };
}

/** An object schema with these known fields (an answer: fields it does not name are not sent). */
export function objectOf<const P extends Record<string, unknown>>(
  properties: P,
): { readonly type: 'object'; readonly properties: P } {
  return { type: 'object', properties };
}

/** A JSON type name; a field that may also be null lists two (`['integer', 'null']`). */
type JsonType = 'string' | 'integer' | 'number' | 'boolean' | 'object' | 'array' | 'null';

/** One entry of `fields`: the field's JSON type(s), or its whole schema where it needs more than a type. */
export type FieldSpec = JsonType | readonly JsonType[] | { readonly [keyword: string]: unknown };

/**
 * Properties from a name-to-type table, in its order (the order answers are serialized in):
 * `fields({ name: 'string', runs: 'integer', last_run: ['string', 'null'] })`. A record's fields are read
 * as a list of names and types instead of a `{ type: … }` wrapper on each line.
 */
export function fields(table: Readonly<Record<string, FieldSpec>>): Record<string, object> {
  return Object.fromEntries(
    Object.entries(table).map(([name, spec]) => [
      name,
      typeof spec === 'string' || Array.isArray(spec) ? { type: spec } : spec,
    ]),
  );
}

/** Path parameters (or a `?id=` query) that are all required, non-empty strings. */
export function requiredStrings<const N extends string>(
  ...names: N[]
): { readonly type: 'object'; readonly required: N[]; readonly properties: Record<N, object> } {
  const properties = Object.fromEntries(names.map((name) => [name, { type: 'string', minLength: 1 }]));
  return { type: 'object', required: names, properties: properties as Record<N, object> };
}

/** The REST error body `{statusCode, code, error, message}` (services/rest/errors.ts `ErrorBody`). */
export const errorSchema = {
  // Open, so a route that answers a non-2xx status of its own (a service's resp.status) passes through.
  ...openObjectOf({
    statusCode: { type: 'integer' },
    code: { type: 'string' },
    error: { type: 'string' },
    message: { type: 'string' },
  }),
  description: 'Every failure; `code` is stable (docs/errors.md)',
} as const;

/** Error responses route auth adds to every route that documents its answers. */
export const errorResponses = { '4xx': errorSchema, '5xx': errorSchema } as const;

/** A route's documented `security`: which headers may carry what it needs. */
export type Security = Array<Record<string, string[]>>;

/** ClearBlade-DevToken. */
export const devTokenSecurity: Security = [{ devToken: [] }];
/** ClearBlade-UserToken. */
export const userTokenSecurity: Security = [{ userToken: [] }];
/** A user, device or developer token. */
export const callerSecurity: Security = [{ userToken: [] }, { deviceToken: [] }, { devToken: [] }];
/** ClearBlade-SystemKey and ClearBlade-SystemSecret. */
export const systemSecretSecurity: Security = [{ systemKey: [], systemSecret: [] }];

/** `:systemKey` in the path. */
export const systemKeyParams = requiredStrings('systemKey');

/** `?query=`: a URL-encoded ClearBlade query (reference §6.4). */
export const clearBladeQuery = {
  type: 'object',
  properties: { query: { type: 'string', description: 'URL-encoded ClearBlade query JSON' } },
} as const;

/** The schema of a route that selects with `?query=` and answers `answer` (list, count, delete by query). */
export function byQuery<const A>(answer: A): {
  readonly querystring: typeof clearBladeQuery;
  readonly response: { readonly 200: A };
} {
  return { querystring: clearBladeQuery, response: { 200: answer } };
}

/** An empty or open answer (`{}`). */
export const openObject = { type: 'object', additionalProperties: true } as const;

/** A `/count` answer (users, devices, roles, collections). */
export const countSchema = { type: 'object', properties: { count: { type: 'integer' } } } as const;

/** A `/columns` answer: ClearBlade's column list. */
export const columnsSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: { ColumnName: { type: 'string' }, ColumnType: { type: 'string' }, PK: { type: 'boolean' } },
  },
} as const;
