// Devices for users and devices (reference Appendix A, the JS and Go SDKs' `Device` calls):
// `/api/v/2/devices/{sk}` (list, update and delete by query), `/api/v/2/devices/{sk}/{name}` and
// `/api/v/3/devices/{sk}/count|columns`. Governed by the caller's `devices` list right (1 read, 2 create,
// 4 update, 8 delete); developers hold all of it. A device may also read itself and change its own
// state, description, type and custom columns — not its key or whether it may log in.
// `POST /api/v/2/devices/{sk}/auth` stays the device login (devices.ts): no device named `auth` here.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { PERM } from '../../../runtime-api/constants.js';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import { parseQuery } from '../query.js';
import type { DeviceInput, DeviceRecord, ListQuery } from '../types.js';
import { CALLER_IN_SYSTEM } from '../../rest/route-auth.js';
import { callerInSystem, routeOptions } from '../../rest/route-kit.js';
import { byQuery, callerSecurity, objectOf } from '../../rest/schemas.js';
import {
  columnsOf,
  columnsSchema,
  countSchema,
  requireListRight,
  S,
  type IdentityRouteDeps,
} from './common.js';
import { deviceBody, params } from './devices.js';

const tags = ['devices'];
const inSystem = callerInSystem(tags);
const oneDevice = routeOptions({ config: CALLER_IN_SYSTEM, tags, security: callerSecurity, params });
/** Creating and changing a device both take a device body and answer the record. */
const writeSchema = { body: deviceBody, response: { 200: S.record } };
type Params = { systemKey: string; name: string };
type SystemParams = { systemKey: string };
type QueryString = { query?: string };

/** Fields a device may not change on itself: they decide whether and how it logs in. */
const ADMIN_FIELDS = ['active_key', 'keys', 'enabled', 'allow_key_auth', 'allow_certificate_auth'];

/** The fixed device columns in ClearBlade's order and types. */
const FIXED_COLUMNS: ReadonlyArray<readonly [string, string]> = [
  ['name', 'string'],
  ['system_key', 'string'],
  ['device_key', 'string'],
  ['type', 'string'],
  ['state', 'string'],
  ['description', 'string'],
  ['enabled', 'bool'],
  ['allow_key_auth', 'bool'],
  ['allow_certificate_auth', 'bool'],
  ['certificate', 'string'],
  ['created_date', 'int'],
  ['last_active_date', 'int'],
];

/** The query of a `PUT {query, $set}` body: an object, or its JSON text. */
function bodyQuery(value: unknown): ListQuery {
  if (value === undefined || value === null) return {};
  if (typeof value === 'string') return parseQuery(value);
  if (typeof value === 'object' && !Array.isArray(value)) return value as ListQuery;
  throw new IsobarError('CB_ERR_IDENTITY_BAD_QUERY', { detail: 'query must be an object' });
}

/** The whole match of a query, ignoring its paging (count, update and delete act on every match). */
function unpaged(query: ListQuery): ListQuery {
  return { FILTERS: query.FILTERS };
}

/** The user-level device routes. */
export function userDeviceRoutes({ identity }: IdentityRouteDeps): FastifyPluginAsync {
  const right = (req: FastifyRequest<{ Params: SystemParams }>, bit: number, what: string) =>
    requireListRight(identity, req.principal, req.params.systemKey, 'devices', bit, what);
  /** A device acting on its own record, which the `devices` right does not have to cover. */
  const isSelf = (req: FastifyRequest<{ Params: Params }>) =>
    req.principal.kind === 'device' && req.principal.id === req.params.name;

  return async (app) => {
    app.get<{ Params: SystemParams; Querystring: QueryString }>(
      '/api/v/2/devices/:systemKey',
      inSystem(
        'Devices of the system matching ?query= (devices read right)',
        byQuery({ type: 'array', items: S.record }),
      ),
      async (req) => {
        right(req, PERM.READ, 'reading devices');
        return identity.listDevices(req.params.systemKey, parseQuery(req.query.query));
      },
    );

    app.put<{ Params: SystemParams; Body: { query?: unknown; $set?: DeviceInput } }>(
      '/api/v/2/devices/:systemKey',
      inSystem('Change every device matching `query` with `$set` (devices update right)', {
        body: { type: 'object', required: ['$set'], properties: { query: {}, $set: deviceBody } },
        response: { 200: objectOf({ DATA: { type: 'array', items: S.record } }) },
      }),
      async (req) => {
        right(req, PERM.UPDATE, 'changing devices');
        const { systemKey } = req.params;
        const changes = req.body.$set ?? {};
        const matching = await identity.listDevices(systemKey, unpaged(bodyQuery(req.body.query)));
        const updated: DeviceRecord[] = [];
        for (const d of matching) updated.push(await identity.updateDevice(systemKey, d.name, changes));
        return { DATA: updated };
      },
    );

    app.delete<{ Params: SystemParams; Querystring: QueryString }>(
      '/api/v/2/devices/:systemKey',
      inSystem(
        'Delete every device matching ?query= (devices delete right; their tokens stop working)',
        byQuery(countSchema),
      ),
      async (req) => {
        right(req, PERM.DELETE, 'deleting devices');
        const { systemKey } = req.params;
        const matching = await identity.listDevices(systemKey, unpaged(parseQuery(req.query.query)));
        for (const d of matching) await identity.deleteDevice(systemKey, d.name);
        return { count: matching.length };
      },
    );

    app.get<{ Params: SystemParams; Querystring: QueryString }>(
      '/api/v/3/devices/:systemKey/count',
      inSystem('How many devices match ?query= (devices read right)', byQuery(countSchema)),
      async (req) => {
        right(req, PERM.READ, 'counting devices');
        const query = unpaged(parseQuery(req.query.query));
        return { count: (await identity.listDevices(req.params.systemKey, query)).length };
      },
    );

    app.get<{ Params: SystemParams }>(
      '/api/v/3/devices/:systemKey/columns',
      inSystem('Device columns: the fixed ones, then the custom ones devices hold (devices read right)', {
        response: { 200: columnsSchema },
      }),
      async (req) => {
        right(req, PERM.READ, 'reading device columns');
        return columnsOf(FIXED_COLUMNS, await identity.listDevices(req.params.systemKey), 'name');
      },
    );

    app.get<{ Params: Params }>(
      '/api/v/2/devices/:systemKey/:name',
      oneDevice('One device (devices read right, or itself)', { response: { 200: S.record } }),
      async (req) => {
        if (!isSelf(req)) right(req, PERM.READ, 'reading devices');
        return identity.device(req.params.systemKey, req.params.name);
      },
    );

    app.post<{ Params: Params; Body: DeviceInput }>(
      '/api/v/2/devices/:systemKey/:name',
      oneDevice('Create a device, holding Authenticated (devices create right)', writeSchema),
      async (req) => {
        right(req, PERM.CREATE, 'creating devices');
        return identity.createDevice(req.params.systemKey, req.params.name, req.body);
      },
    );

    app.put<{ Params: Params; Body: DeviceInput }>(
      '/api/v/2/devices/:systemKey/:name',
      oneDevice(
        'Change a device (devices update right; a device may change its own state and columns)',
        writeSchema,
      ),
      async (req) => {
        const { systemKey, name } = req.params;
        const adminChange = ADMIN_FIELDS.some((f) => req.body[f] !== undefined);
        if (!isSelf(req) || adminChange) right(req, PERM.UPDATE, 'changing devices');
        return identity.updateDevice(systemKey, name, req.body);
      },
    );

    app.delete<{ Params: Params }>(
      '/api/v/2/devices/:systemKey/:name',
      oneDevice('Delete a device (devices delete right; its tokens stop working)', {
        response: { 200: S.ok },
      }),
      async (req) => {
        right(req, PERM.DELETE, 'deleting devices');
        await identity.deleteDevice(req.params.systemKey, req.params.name);
        return {};
      },
    );
  };
}
