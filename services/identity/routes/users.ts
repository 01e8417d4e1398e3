// Users over REST: the user's own calls at /api/v/1/user (reference §1.3) and the developer's
// management at /admin/user/{systemKey} (reference §6.3).
import type { FastifyPluginAsync } from 'fastify';
import { PERM } from '../../../runtime-api/constants.js';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import { parseQuery } from '../query.js';
import type { MembershipChanges } from '../types.js';
import { tokenOf } from '../../rest/auth.js';
import { DEVELOPER_OF_SYSTEM } from '../../rest/route-auth.js';
import {
  clearBladeQuery as queryString,
  devTokenSecurity as devToken,
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
  return async (app) => {
    app.post<{ Body: Body & { email: string; password: string } }>(
      '/api/v/1/user/reg',
      {
        config: { auth: 'system', system: 'headers' },
        schema: {
          tags,
          summary: 'Register a user (extra fields become custom columns) and issue a token',
          security: systemHeaders,
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
        },
      },
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
      {
        config: { auth: 'system', system: 'headers' },
        schema: {
          tags,
          summary: 'Log a user in',
          security: systemHeaders,
          body: { ...S.login, additionalProperties: true },
          response: {
            200: {
              type: 'object',
              properties: {
                user_token: { type: 'string' },
                user_id: { type: 'string' },
                expires_at: { type: 'integer' },
              },
            },
          },
        },
      },
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
      {
        config: { auth: 'system', system: 'headers' },
        schema: {
          tags,
          summary: 'An anonymous token (Anonymous role)',
          security: systemHeaders,
          response: {
            200: {
              type: 'object',
              properties: { user_token: { type: 'string' }, expires_at: { type: 'integer' } },
            },
          },
        },
      },
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
      {
        config: { auth: 'user' },
        schema: { tags, summary: 'The calling user', security: userToken, response: { 200: userAnswer } },
      },
      async (req) => {
        const p = req.identity;
        return identity.user(p.systemKey, p.id);
      },
    );

    app.put<{ Body: Body }>(
      '/api/v/1/user/info',
      {
        config: { auth: 'user' },
        schema: {
          tags,
          summary:
            'Change the calling user (email, custom columns; `{changes: {...}}` or the fields themselves)',
          security: userToken,
          body: { type: 'object', additionalProperties: true },
          response: { 200: userAnswer },
        },
      },
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
      {
        config: { auth: 'user' },
        schema: {
          tags,
          summary: "Change the calling user's password; every token of the user is revoked",
          security: userToken,
          body: {
            type: 'object',
            required: ['old_password', 'new_password'],
            properties: { old_password: { type: 'string' }, new_password: { type: 'string', minLength: 1 } },
          },
          response: { 200: S.ok },
        },
      },
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
      {
        config: { auth: 'caller', system: 'token' },
        schema: {
          tags,
          summary: "Users of the caller's system (needs the `users` read permission)",
          security: userToken,
          querystring: queryString,
          response: { 200: userList },
        },
      },
      async (req) => {
        const { systemKey } = req.identity;
        requireListRight(identity, req.principal, systemKey, 'users', PERM.READ, 'reading users');
        const { data, total } = await identity.listUsers(systemKey, parseQuery(req.query.query));
        return { Data: data, Total: total };
      },
    );

    app.get<{ Querystring: { query?: string } }>(
      '/api/v/1/user/count',
      {
        config: { auth: 'caller', system: 'token' },
        schema: {
          tags,
          summary: "How many users of the caller's system match ?query= (users read right)",
          security: userToken,
          querystring: queryString,
          response: { 200: countSchema },
        },
      },
      async (req) => {
        const { systemKey } = req.identity;
        requireListRight(identity, req.principal, systemKey, 'users', PERM.READ, 'counting users');
        const { FILTERS } = parseQuery(req.query.query);
        return { count: (await identity.listUsers(systemKey, { FILTERS })).total };
      },
    );

    app.get(
      '/api/v/1/user/columns',
      {
        config: { auth: 'caller', system: 'token' },
        schema: {
          tags,
          summary:
            'User columns: user_id, email, creation_date, then the custom ones users hold (users read right)',
          security: userToken,
          response: { 200: columnsSchema },
        },
      },
      async (req) => {
        const { systemKey } = req.identity;
        requireListRight(identity, req.principal, systemKey, 'users', PERM.READ, 'reading user columns');
        const { data } = await identity.listUsers(systemKey);
        return columnsOf(USER_COLUMNS, data, 'user_id');
      },
    );

    app.post<{ Params: { systemKey: string }; Body: Body & { email: string; password: string } }>(
      '/admin/user/:systemKey',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Create a user (developer)',
          security: devToken,
          params: S.systemKeyParams,
          body: { ...S.login, additionalProperties: true },
          response: { 200: userAnswer },
        },
      },
      async (req) => {
        const { systemKey } = req.params;
        const { custom } = splitCustom(req.body, ['email', 'password']);
        return identity.registerUser(systemKey, req.body.email, req.body.password, custom);
      },
    );

    app.get<{ Params: { systemKey: string }; Querystring: { query?: string } }>(
      '/admin/user/:systemKey',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Users of a system (developer)',
          security: devToken,
          params: S.systemKeyParams,
          querystring: queryString,
          response: { 200: userList },
        },
      },
      async (req) => {
        const { data, total } = await identity.listUsers(req.params.systemKey, parseQuery(req.query.query));
        return { Data: data, Total: total };
      },
    );

    app.put<{ Params: { systemKey: string }; Body: { user: string; changes: Body } }>(
      '/admin/user/:systemKey',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Change a user: email, password (revokes its tokens), roles {add, delete}, custom columns',
          security: devToken,
          params: S.systemKeyParams,
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
        },
      },
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
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Delete a user (its tokens stop working)',
          security: devToken,
          params: S.systemKeyParams,
          querystring: {
            type: 'object',
            required: ['user'],
            properties: { user: { type: 'string', minLength: 1 } },
          },
          response: { 200: S.ok },
        },
      },
      async (req) => {
        await identity.deleteUser(req.params.systemKey, req.query.user);
        return {};
      },
    );
  };
}
