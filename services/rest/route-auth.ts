// Who may call a route is declared on the route (`config.auth`) and enforced here, once, by a hook every
// route gets at registration (fastify route-level hooks; CONVENTIONS 22). The hook puts what it proved on
// the request — `principal`, the `identity` acting in the system, the `system` — and handlers only read
// them. A route that declares nothing is refused when it is registered, so a new route cannot forget.
//
// The hook runs at preHandler, after body parsing and schema validation, which is where the handlers'
// own checks ran before: a request that is both malformed and unauthenticated keeps its 400, and a system
// named in the body (`PUT /admin/systemmanagement`) can be read. Every check is synchronous and in memory
// (token and system caches), so the hook adds no async hop to a request.
import type { FastifyInstance, FastifyRequest, RouteOptions } from 'fastify';
import type { Identity } from '../../runtime-api/identity.js';
import { IsobarError, isIsobarError } from '../../runtime-api/errors/index.js';
import { actingIn } from '../identity/acting.js';
import type { Principal, SystemInfo } from '../identity/types.js';
import type { RestAuth } from './auth.js';
import { errorResponses } from './schemas.js';

/**
 * Who may call:
 * - `none`: anyone (logins, registration; the handler proves what it needs, e.g. a password).
 * - `developer`: a developer token; with `system`, a developer who owns that system.
 * - `caller`: any developer, user, anon or device token allowed in the system.
 * - `token`: any valid token of any kind, for routes that are about no system (trigger definitions).
 * - `user`: a user token, in the system it belongs to (reference §1.3 `/api/v/1/user/info`).
 * - `system`: no token — the system key and secret (headers), or the key in the path (secret optional).
 */
export type AuthKind = 'none' | 'developer' | 'caller' | 'token' | 'user' | 'system';

/**
 * Where the system a route is about comes from: the `:systemKey` path parameter, `?id=` or the body's
 * `id` (systems management), ClearBlade-SystemKey/-Secret headers, or the token's own system (else the
 * ClearBlade-SystemKey header).
 */
export type SystemSource = 'path' | 'query' | 'body' | 'headers' | 'token';

/** The auth part of a route's `config`. */
export interface RouteAuthConfig {
  readonly auth?: AuthKind;
  readonly system?: SystemSource;
  /** Refusals (4xx) do not fail the request; the handler reads `authFailure` (the checkauth routes). */
  readonly probe?: boolean;
  /** Also check ClearBlade-SystemSecret when one is sent, and put the system on the request. */
  readonly secretIfSent?: boolean;
}

/** The most common rule: a developer who owns the `:systemKey` of the path. */
export const DEVELOPER_OF_SYSTEM = { auth: 'developer', system: 'path' } as const satisfies RouteAuthConfig;
/** Any token allowed in the `:systemKey` of the path (user, device, anon, developer). */
export const CALLER_IN_SYSTEM = { auth: 'caller', system: 'path' } as const satisfies RouteAuthConfig;

/** What the hook proved for one request. */
interface AuthState {
  readonly principal?: Principal;
  readonly identity?: Identity;
  readonly system?: SystemInfo;
  readonly failure?: IsobarError;
}

const STATE = Symbol('isobar.routeAuth');

declare module 'fastify' {
  // eslint-disable-next-line @typescript-eslint/no-empty-object-type -- declaration merging
  interface FastifyContextConfig extends RouteAuthConfig {}
  interface FastifyRequest {
    /** What the caller's token proved (developer, user, device or anon). Routes with auth `none`/`system` have none. */
    readonly principal: Principal;
    /** The caller acting in the route's system (runtime-api/identity.ts): what the invoke door and broker carry. */
    readonly identity: Identity;
    /** The system of an auth `system` (or `secretIfSent`) route. */
    readonly system: SystemInfo;
    /** A probe route's refusal, or undefined when the caller passed. */
    readonly authFailure: IsobarError | undefined;
    [STATE]: AuthState | null;
  }
}

/** The system sources each kind accepts (undefined: none named); anything else is refused at registration. */
const SOURCES: Record<AuthKind, ReadonlyArray<SystemSource | undefined>> = {
  none: [undefined],
  developer: [undefined, 'path', 'query', 'body'],
  caller: ['path', 'token'],
  token: [undefined],
  user: [undefined],
  system: ['path', 'headers'],
};

function field(value: unknown, name: string): string {
  const v =
    typeof value === 'object' && value !== null ? (value as Record<string, unknown>)[name] : undefined;
  // Schemas make these required strings; a route without one is a wiring fault, not the client's.
  if (typeof v !== 'string') throw new IsobarError('CB_ERR_SYSTEM_MISSING');
  return v;
}

function systemKeyOf(source: 'path' | 'query' | 'body', req: FastifyRequest): string {
  if (source === 'path') return field(req.params, 'systemKey');
  return field(source === 'query' ? req.query : req.body, 'id');
}

/** Runs the declared check; throws the check's IsobarError on refusal. */
function authenticate(auth: RestAuth, rule: RouteAuthConfig, req: FastifyRequest): AuthState {
  switch (rule.auth) {
    case 'developer': {
      const source = rule.system;
      if (source !== 'path' && source !== 'query' && source !== 'body') {
        return { principal: auth.developer(req) };
      }
      const systemKey = systemKeyOf(source, req);
      const principal = auth.developerForSystem(req, systemKey);
      const system = rule.secretIfSent === true ? auth.system(req, systemKey) : undefined;
      return { principal, identity: actingIn(principal, systemKey), system };
    }
    case 'caller': {
      if (rule.system === 'token') {
        const { principal, systemKey } = auth.callerOfToken(req);
        return { principal, identity: actingIn(principal, systemKey) };
      }
      const systemKey = systemKeyOf('path', req);
      const principal = auth.caller(req, systemKey);
      return { principal, identity: actingIn(principal, systemKey) };
    }
    case 'user': {
      const principal = auth.user(req);
      return { principal, identity: actingIn(principal, principal.systemKey) };
    }
    case 'token':
      return { principal: auth.verified(req) };
    case 'system':
      return { system: auth.system(req, rule.system === 'path' ? systemKeyOf('path', req) : undefined) };
    default:
      return {};
  }
}

function refuseConfig(route: RouteOptions, why: string): never {
  throw new Error(`route ${String(route.method)} ${route.url}: ${why}`);
}

function checkConfig(route: RouteOptions): RouteAuthConfig {
  const rule: RouteAuthConfig = route.config ?? {};
  if (rule.auth === undefined) refuseConfig(route, 'no config.auth (who may call it?)');
  if (!(rule.auth in SOURCES)) refuseConfig(route, `unknown config.auth '${rule.auth}'`);
  if (!SOURCES[rule.auth].includes(rule.system)) {
    refuseConfig(route, `config.auth '${rule.auth}' cannot take system '${String(rule.system)}'`);
  }
  if (rule.secretIfSent === true && (rule.auth !== 'developer' || rule.system === undefined)) {
    refuseConfig(route, 'secretIfSent needs a developer route with a system');
  }
  return rule;
}

function stateOf(req: FastifyRequest): AuthState {
  return req[STATE] ?? {};
}

function proven<T>(value: T | undefined, what: string): T {
  // A handler reading what its route's auth kind does not prove is a wiring fault: a 500, logged.
  if (value === undefined) throw new IsobarError('CB_ERR_INTERNAL', {}, { cause: new Error(`no ${what}`) });
  return value;
}

/**
 * Installs route auth on `app` (before its routes are registered): request decorations, and an onRoute
 * hook that refuses a route without `config.auth`, adds the enforcing preHandler and documents the error
 * responses in the OpenAPI schema.
 */
export function installRouteAuth(app: FastifyInstance, auth: RestAuth): void {
  app.decorateRequest(STATE, null);
  app.decorateRequest('principal', {
    getter(this: FastifyRequest) {
      return proven(stateOf(this).principal, 'principal');
    },
  });
  app.decorateRequest('identity', {
    getter(this: FastifyRequest) {
      return proven(stateOf(this).identity, 'identity');
    },
  });
  app.decorateRequest('system', {
    getter(this: FastifyRequest) {
      return proven(stateOf(this).system, 'system');
    },
  });
  app.decorateRequest('authFailure', {
    getter(this: FastifyRequest) {
      return stateOf(this).failure;
    },
  });
  app.addHook('onRoute', (route) => {
    const rule = checkConfig(route);
    if (route.schema?.response !== undefined) {
      route.schema.response = { ...errorResponses, ...(route.schema.response as object) };
    }
    if (rule.auth === 'none') return;
    const hook = (req: FastifyRequest, _reply: unknown, done: (err?: Error) => void): void => {
      try {
        req[STATE] = authenticate(auth, rule, req);
      } catch (err) {
        if (rule.probe === true && isIsobarError(err) && err.status < 500) {
          req[STATE] = { failure: err };
        } else {
          done(err as Error);
          return;
        }
      }
      done();
    };
    // Cluster mode: a token issued on another node is read from the store first (one async hop, only
    // for a token this node has not seen; services/cluster/README.md).
    const lookup = auth.lookup;
    const hooks =
      lookup === undefined
        ? [hook]
        : [
            async (req: FastifyRequest): Promise<void> => {
              await lookup(req);
            },
            hook,
          ];
    const existing = route.preHandler;
    route.preHandler =
      existing === undefined ? hooks : [...hooks, ...(Array.isArray(existing) ? existing : [existing])];
  });
}
