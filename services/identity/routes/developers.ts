// Developer accounts over REST (reference §1.2): register, log in, log out, check a token, who am I.
import type { FastifyPluginAsync } from 'fastify';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import { DEV_TOKEN_HEADER, header } from '../../rest/auth.js';
import { devTokenSecurity as devToken } from '../../rest/schemas.js';
import { S, seconds, type IdentityRouteDeps } from './common.js';

const tags = ['developers'];
const tokenAnswer = {
  type: 'object',
  properties: {
    dev_token: { type: 'string' },
    expires_at: { type: 'integer', description: 'epoch seconds' },
    dev_id: { type: 'string' },
    is_two_factor: { type: 'boolean' },
  },
} as const;

/** `/admin/reg`, `/admin/auth`, `/admin/logout`, `/admin/checkauth`, `/admin/userinfo`. */
export function developerRoutes({ identity }: IdentityRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{
      Body: { email: string; password: string; fname?: string; lname?: string; org?: string; key?: string };
    }>(
      '/admin/reg',
      {
        // The registration key in the body is the proof (identity/registration.ts).
        config: { auth: 'none' },
        schema: {
          tags,
          summary: 'Register a developer and log it in',
          description:
            'Needs the registration key (`key`) set with POST /admin/settings/registration_key, unless the ' +
            'platform runs with ISOBAR_OPEN_REGISTRATION. The password needs 8 characters or more and must ' +
            'not be trivially guessable (CB_ERR_IDENTITY_PASSWORD_TOO_SHORT, CB_ERR_IDENTITY_PASSWORD_WEAK).',
          body: {
            type: 'object',
            required: ['email', 'password'],
            properties: {
              email: { type: 'string', minLength: 1, maxLength: 320 },
              password: { type: 'string', minLength: 1, maxLength: 1024 },
              fname: { type: 'string' },
              lname: { type: 'string' },
              org: { type: 'string' },
              key: { type: 'string', maxLength: 1024, description: 'the registration key' },
            },
          },
          response: { 200: tokenAnswer },
        },
      },
      async (req) => {
        const { key, ...input } = req.body;
        await identity.admitRegistration(key, req.ip);
        const { developer, login } = await identity.registerDeveloper(input);
        return { dev_token: login.token, expires_at: seconds(login.expiresAt), dev_id: developer.id };
      },
    );

    app.post<{ Body: { email: string; password: string } }>(
      '/admin/auth',
      {
        config: { auth: 'none' },
        schema: {
          tags,
          summary: 'Log a developer in',
          body: S.login,
          response: { 200: tokenAnswer },
        },
      },
      async (req) => {
        const login = await identity.loginDeveloper(req.body.email, req.body.password, req.ip);
        return {
          dev_token: login.token,
          expires_at: seconds(login.expiresAt),
          dev_id: login.id,
          is_two_factor: false,
        };
      },
    );

    app.post(
      '/admin/logout',
      {
        // Revokes whatever developer token it is sent; nothing to prove first.
        config: { auth: 'none' },
        schema: { tags, summary: 'Revoke the developer token', security: devToken, response: { 200: S.ok } },
      },
      async (req) => {
        const token = header(req, DEV_TOKEN_HEADER);
        if (token === undefined)
          throw new IsobarError('CB_ERR_AUTH_MISSING_TOKEN', { header: 'ClearBlade-DevToken' });
        await identity.revokeToken(token);
        return {};
      },
    );

    app.post(
      '/admin/checkauth',
      {
        // A missing or invalid token (401) answers false; a token that is not a developer's still fails.
        config: { auth: 'developer', probe: true },
        schema: {
          tags,
          summary: 'Is this developer token valid?',
          security: devToken,
          response: { 200: S.isAuthenticated },
        },
      },
      (req) => {
        const failure = req.authFailure;
        if (failure !== undefined && failure.status !== 401) throw failure;
        return { is_authenticated: failure === undefined };
      },
    );

    app.get(
      '/admin/userinfo',
      {
        config: { auth: 'developer' },
        schema: { tags, summary: 'The calling developer', security: devToken, response: { 200: S.record } },
      },
      async (req) => {
        const dev = await identity.developer(req.principal.id);
        if (dev === undefined) throw new IsobarError('CB_ERR_AUTH_INVALID_TOKEN');
        return dev;
      },
    );
  };
}
