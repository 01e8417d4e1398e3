// The developer registration key over REST (docs/security.md, registration and logins): an existing developer sets, reads the state
// of, and removes the key that `/admin/reg` asks for in its `key` field (ClearBlade's registration key).
import type { FastifyPluginAsync } from 'fastify';
import { routeOptions } from '../../rest/route-kit.js';
import { devTokenSecurity, fields, objectOf } from '../../rest/schemas.js';
import { S, type IdentityRouteDeps } from './common.js';

const developer = routeOptions({
  config: { auth: 'developer' },
  tags: ['developers'],
  security: devTokenSecurity,
});
const PATH = '/admin/settings/registration_key';

const registrationStatus = objectOf({
  ...fields({ open_registration: 'boolean', registration_key_set: 'boolean' }),
  updated_at: { type: ['integer', 'null'], description: 'epoch ms' },
  updated_by: { type: ['string', 'null'], description: 'developer id' },
});

/** `GET|POST|DELETE /admin/settings/registration_key` (developer token). */
export function registrationRoutes({ identity }: IdentityRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.get(
      PATH,
      developer('Is developer registration open, and is a registration key set? (never the key)', {
        response: { 200: registrationStatus },
      }),
      async () => identity.registrationStatus(),
    );

    app.post<{ Body: { key?: string } | undefined }>(
      PATH,
      developer(
        'Set the registration key (generated when `key` is absent); it is shown only in this answer',
        {
          body: {
            type: ['object', 'null'],
            properties: { key: { type: 'string', maxLength: 1024, description: '16 characters or more' } },
          },
          response: { 200: objectOf({ registration_key: { type: 'string' } }) },
        },
      ),
      async (req) => {
        return { registration_key: await identity.setRegistrationKey(req.principal.id, req.body?.key) };
      },
    );

    app.delete(
      PATH,
      developer('Remove the registration key: /admin/reg is closed (unless open registration)', {
        response: { 200: S.ok },
      }),
      async (req) => {
        await identity.clearRegistrationKey(req.principal.id);
        return {};
      },
    );
  };
}
