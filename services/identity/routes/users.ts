// Users over REST: the user's own calls at /api/v/1/user (reference §1.3) and the developer's
// management at /admin/user/{systemKey} (reference §6.3).
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { PERM } from '../../../runtime-api/constants.js';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import { parseQuery } from '../query.js';
import type { MembershipChanges } from '../types.js';
import { tokenOf } from '../../rest/auth.js';
import { developerOfSystem, routeOptions } from '../../rest/route-kit.js';
import {
  byQuery,
  objectOf,
  openObjectOf,
  systemSecretSecurity as systemHeaders,
  userTokenSecurity as userToken,
} from '../../rest/schemas.js';
import {
  columnsOf,
  columnsSchema,
  countSchema,
  requireListRight,
  S,
  seconds,
  splitCustom,
  type IdentityRouteDeps,
} from './common.js';

const tags = ['users'];
const withSystem = routeOptions({
  config: { auth: 'system', system: 'headers' },
  tags,
  security: systemHeaders,
});
const asUser = routeOptions({ config: { auth: 'user' }, tags, security: userToken });
/** The user calls of reference §1.3 name no system in the path: the token's own system is meant. */
const inTokenSystem = routeOptions({
  config: { auth: 'caller', system: 'token' },
  tags,
  security: userToken,
});
const developer = developerOfSystem(tags);
const userAnswer = openObjectOf({
  user_id: { type: 'string' },
  email: { type: 'string' },
  creation_date: { type: 'integer' },
});
const userList = {
  type: 'object',
  properties: { Data: { type: 'array', items: userAnswer }, Total: { type: 'integer' } },
} as const;
const roleChanges = {
  type: 'object',
  properties: {
    add: { type: 'array', items: { type: 'string' } },
    delete: { type: 'array', items: { type: 'string' } },
  },
  additionalProperties: false,
} as const;
/** The fixed user columns in ClearBlade's order and types. */
const USER_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['user_id', 'string'],
  ['email', 'string'],
  ['creation_date', 'int'],
];
/** Fields echoed back by GET that a client may send back unchanged; not custom columns. */
const ECHOED = ['user_id', 'creation_date'];

type Body = Record<string, unknown>;

/** The user routes. */
export function userRoutes({ identity }: IdentityRouteDeps): FastifyPluginAsync {
  /** The caller's own system, once its `users` read right is checked (the user-level lists). */
  const readableUsers = (req: FastifyRequest, what: string): string => {
    const { systemKey } = req.identity;
    requireListRight(identity, req.principal, systemKey, 'users', PERM.READ, what);
    return systemKey;
  };
  return async (app) => {
    app.post<{ Body: Body & { email: string; password: string } }>(
      '/api/v/1/user/reg',
      withSystem('Register a user (extra fields become custom columns) and issue a token', {
        body: { ...S.login, additionalProperties: true },
        response: {
          200: {
            ...userAnswer,
            properties: {
              ...userAnswer.properties,
              user_token: { type: 'string' },
              expires_at: { type: 'integer' },
            },
          },
        },
      }),
      async (req) => {
        const { system } = req;
        const { email, password } = req.body;
        const { custom } = splitCustom(req.body, ['email', 'password']);
        const user = await identity.registerUser(system.systemKey, email, password, custom);
        const login = await identity.issueUserToken(system.systemKey, user.user_id);
        return { ...user, user_token: login.token, expires_at: seconds(login.expiresAt) };
      },
    );

    app.post<{ Body: { email: string; password: string } }>(
      '/api/v/1/user/auth',
      withSystem('Log a user in', {
        body: { ...S.login, additionalProperties: true },
        response: {
          200: objectOf({
            user_token: { type: 'string' },
            user_id: { type: 'string' },
            expires_at: { type: 'integer' },
          }),
        },
      }),
      async (req) => {
        const login = await identity.loginUser(
          req.system.systemKey,
          req.body.email,
          req.body.password,
          req.ip,
        );
        return { user_token: login.token, user_id: login.id, expires_at: seconds(login.expiresAt) };
      },
    );

    app.post(
      '/api/v/1/user/anon',
      withSystem('An anonymous token (Anonymous role)', {
        response: { 200: objectOf({ user_token: { type: 'string' }, expires_at: { type: 'integer' } }) },
      }),
      async (req) => {
        const login = await identity.loginAnon(req.system.systemKey);
        return { user_token: login.token, expires_at: seconds(login.expiresAt) };
      },
    );

    app.post(
      '/api/v/1/user/checkauth',
      {
        // Any refusal (4xx) answers false rather than failing.
        config: { auth: 'caller', system: 'token', probe: true },
        schema: {
          tags,
          summary: 'Is this token valid?',
          security: userToken,
          response: { 200: S.isAuthenticated },
        },
      },
      (req) => ({ is_authenticated: req.authFailure === undefined }),
    );

    app.post(
      '/api/v/1/user/logout',
      {
        // Revokes whatever token it is sent; nothing to prove first.
        config: { auth: 'none' },
        schema: {
          tags,
          summary: 'Revoke the token; with key and secret only (Node SDK) it is a no-op that still succeeds',
          security: userToken,
          response: { 200: S.ok },
        },
      },
      async (req) => {
        const token = tokenOf(req);
        if (token !== undefined) await identity.revokeToken(token);
        return {};
      },
    );

    app.get(
      '/api/v/1/user/info',
      asUser('The calling user', { response: { 200: userAnswer } }),
      async (req) => {
        const p = req.identity;
        return identity.user(p.systemKey, p.id);
      },
    );

    app.put<{ Body: Body }>(
      '/api/v/1/user/info',
      asUser('Change the calling user (email, custom columns; `{changes: {...}}` or the fields themselves)', {
        body: { type: 'object', additionalProperties: true },
        response: { 200: userAnswer },
      }),
      async (req) => {
        const p = req.identity;
        const raw = req.body.changes;
        const body =
          typeof raw === 'object' && raw !== null && !Array.isArray(raw) ? (raw as Body) : req.body;
        const { custom } = splitCustom(body, ['email', ...ECHOED]);
        const email = body.email;
        if (email !== undefined && typeof email !== 'string') {
          throw new IsobarError('CB_ERR_IDENTITY_BAD_FIELD', { field: 'email', detail: 'a string' });
        }
        return identity.updateUser(p.systemKey, p.id, { email, custom });
      },
    );

    app.put<{ Body: { old_password: string; new_password: string } }>(
      '/api/v/1/user/pass',
      asUser("Change the calling user's password; every token of the user is revoked", {
        body: {
          type: 'object',
          required: ['old_password', 'new_password'],
          properties: { old_password: { type: 'string' }, new_password: { type: 'string', minLength: 1 } },
        },
        response: { 200: S.ok },
      }),
      async (req) => {
        const p = req.identity;
        await identity.changePassword(
          p.systemKey,
          p.id,
          req.body.old_password,
          req.body.new_password,
          req.ip,
        );
        return {};
      },
    );

    app.get<{ Querystring: { query?: string } }>(
      '/api/v/1/user',
      inTokenSystem("Users of the caller's system (needs the `users` read permission)", byQuery(userList)),
      async (req) => {
        const systemKey = readableUsers(req, 'reading users');
        const { data, total } = await identity.listUsers(systemKey, parseQuery(req.query.query));
        return { Data: data, Total: total };
      },
    );

    app.get<{ Querystring: { query?: string } }>(
      '/api/v/1/user/count',
      inTokenSystem(
        "How many users of the caller's system match ?query= (users read right)",
        byQuery(countSchema),
      ),
      async (req) => {
        const systemKey = readableUsers(req, 'counting users');
        const { FILTERS } = parseQuery(req.query.query);
        return { count: (await identity.listUsers(systemKey, { FILTERS })).total };
      },
    );

    app.get(
      '/api/v/1/user/columns',
      inTokenSystem(
        'User columns: user_id, email, creation_date, then the custom ones users hold (users read right)',
        { response: { 200: columnsSchema } },
      ),
      async (req) => {
        const systemKey = readableUsers(req, 'reading user columns');
        const { data } = await identity.listUsers(systemKey);
        return columnsOf(USER_COLUMNS, data, 'user_id');
      },
    );

    app.post<{ Params: { systemKey: string }; Body: Body & { email: string; password: string } }>(
      '/admin/user/:systemKey',
      developer('Create a user (developer)', {
        body: { ...S.login, additionalProperties: true },
        response: { 200: userAnswer },
      }),
      async (req) => {
        const { systemKey } = req.params;
        const { custom } = splitCustom(req.body, ['email', 'password']);
        return identity.registerUser(systemKey, req.body.email, req.body.password, custom);
      },
    );

    app.get<{ Params: { systemKey: string }; Querystring: { query?: string } }>(
      '/admin/user/:systemKey',
      developer('Users of a system (developer)', byQuery(userList)),
      async (req) => {
        const { data, total } = await identity.listUsers(req.params.systemKey, parseQuery(req.query.query));
        return { Data: data, Total: total };
      },
    );

    app.put<{ Params: { systemKey: string }; Body: { user: string; changes: Body } }>(
      '/admin/user/:systemKey',
      developer('Change a user: email, password (revokes its tokens), roles {add, delete}, custom columns', {
        body: {
          type: 'object',
          required: ['user', 'changes'],
          properties: {
            user: { type: 'string', minLength: 1 },
            changes: openObjectOf({
              email: { type: 'string', minLength: 1 },
              password: { type: 'string', minLength: 1 },
              roles: roleChanges,
            }),
          },
        },
        response: { 200: userAnswer },
      }),
      async (req) => {
        const { systemKey } = req.params;
        const c = req.body.changes;
        const { custom } = splitCustom(c, ['email', 'password', 'roles', ...ECHOED]);
        return identity.updateUser(systemKey, req.body.user, {
          email: c.email as string | undefined,
          password: c.password as string | undefined,
          roles: c.roles as MembershipChanges | undefined,
          custom,
        });
      },
    );

    app.delete<{ Params: { systemKey: string }; Querystring: { user: string } }>(
      '/admin/user/:systemKey',
      developer('Delete a user (its tokens stop working)', {
        querystring: {
          type: 'object',
          required: ['user'],
          properties: { user: { type: 'string', minLength: 1 } },
        },
        response: { 200: S.ok },
      }),
      async (req) => {
        await identity.deleteUser(req.params.systemKey, req.query.user);
        return {};
      },
    );
  };
}
