// The developer registration key over REST (docs/security.md, registration and logins): an existing developer sets, reads the state
// of, and removes the key that `/admin/reg` asks for in its `key` field (ClearBlade's registration key).
import type { FastifyPluginAsync } from 'fastify';
import { devTokenSecurity as devToken } from '../../rest/schemas.js';
import { S, type IdentityRouteDeps } from './common.js';

const tags = ['developers'];
const PATH = '/admin/settings/registration_key';

/** `GET|POST|DELETE /admin/settings/registration_key` (developer token). */
export function registrationRoutes({ identity }: IdentityRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.get(
      PATH,
      {
        config: { auth: 'developer' },
        schema: {
          tags,
          summary: 'Is developer registration open, and is a registration key set? (never the key)',
          security: devToken,
          response: {
            200: {
              type: 'object',
              properties: {
                open_registration: { type: 'boolean' },
                registration_key_set: { type: 'boolean' },
                updated_at: { type: ['integer', 'null'], description: 'epoch ms' },
                updated_by: { type: ['string', 'null'], description: 'developer id' },
              },
            },
          },
        },
      },
      async () => identity.registrationStatus(),
    );

    app.post<{ Body: { key?: string } | undefined }>(
      PATH,
      {
        config: { auth: 'developer' },
        schema: {
          tags,
          summary:
            'Set the registration key (generated when `key` is absent); it is shown only in this answer',
          security: devToken,
          body: {
            type: ['object', 'null'],
            properties: { key: { type: 'string', maxLength: 1024, description: '16 characters or more' } },
          },
          response: { 200: { type: 'object', properties: { registration_key: { type: 'string' } } } },
        },
      },
      async (req) => {
        return { registration_key: await identity.setRegistrationKey(req.principal.id, req.body?.key) };
      },
    );

    app.delete(
      PATH,
      {
        config: { auth: 'developer' },
        schema: {
          tags,
          summary: 'Remove the registration key: /admin/reg is closed (unless open registration)',
          security: devToken,
          response: { 200: S.ok },
        },
      },
      async (req) => {
        await identity.clearRegistrationKey(req.principal.id);
        return {};
      },
    );
  };
}
