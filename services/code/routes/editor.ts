// What an editor (the web console, an IDE plugin) needs beyond ClearBlade's routes: a dry-run check of a
// source (`POST /admin/code/v/1/{sk}/{name}/check` → the errors save would raise, all of them, with line
// and column) and whole-service stream control (`POST /codeadmin/v/3/running/{sk}/{name}/start|stop`;
// start restarts running instances).
import type { FastifyPluginAsync } from 'fastify';
import { devSecurity as security, serviceParams, type CodeRouteDeps } from './common.js';
import { DEVELOPER_OF_SYSTEM } from '../../rest/route-auth.js';
import { routeOptions } from '../../rest/route-kit.js';
import { objectOf } from '../../rest/schemas.js';
import { checkSource } from '../check.js';
import { validateName } from '../validate.js';

type ServicePath = { systemKey: string; name: string };

const developer = routeOptions({
  config: DEVELOPER_OF_SYSTEM,
  tags: ['code'],
  security,
  params: serviceParams,
});
const diagnosticSchema = objectOf({
  severity: { type: 'string', enum: ['error', 'warning'] },
  line: { type: 'integer', description: '1-based' },
  column: { type: 'integer', description: '1-based' },
  length: { type: 'integer' },
  message: { type: 'string' },
});

/** The check and stream-control routes of editors. */
export function editorRoutes({ streams }: CodeRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.post<{ Params: ServicePath; Body: { code: string; dependencies?: string } }>(
      '/admin/code/v/1/:systemKey/:name/check',
      developer(
        'Check a source as save would (syntax and imports), saving nothing: every error with line and column',
        {
          body: {
            type: 'object',
            required: ['code'],
            properties: {
              code: { type: 'string' },
              dependencies: { type: 'string', description: 'comma list of library names' },
            },
          },
          response: {
            200: objectOf({
              ok: { type: 'boolean', description: 'no errors: a save would compile' },
              diagnostics: { type: 'array', items: diagnosticSchema },
            }),
          },
        },
      ),
      async (req) => {
        // The service need not exist yet (a new one is checked before its first save).
        validateName(req.params.name);
        const diagnostics = await checkSource(req.params.name, req.body.code, req.body.dependencies);
        return { ok: !diagnostics.some((d) => d.severity === 'error'), diagnostics };
      },
    );

    for (const action of ['start', 'stop'] as const) {
      app.post<{ Params: ServicePath }>(
        `/codeadmin/v/3/running/:systemKey/:name/${action}`,
        developer(
          action === 'start'
            ? 'Start (or restart) every instance of a stream service with its current version'
            : 'Stop every instance of a service (until started or saved again)',
          { response: { 200: objectOf({ name: { type: 'string' }, action: { type: 'string' } }) } },
        ),
        async (req) => {
          const { systemKey, name } = req.params;
          if (action === 'start') await streams.startService(systemKey, name);
          else await streams.stopService(systemKey, name);
          return { name, action };
        },
      );
    }
  };
}
