// Triggers and timers share one REST shape (reference §4.1, §5): developer routes under /admin with a
// DevToken, user routes under /api/v/3/code with a user/device token and the `triggers`/`timers` list
// permission. This builds both sets for one resource.

import type { FastifyPluginAsync, FastifyRequest, FastifySchema } from 'fastify';
import type { Identity } from '../../runtime-api/identity.js';
import { CALLER_IN_SYSTEM, DEVELOPER_OF_SYSTEM } from '../rest/route-auth.js';
import { routeOptions } from '../rest/route-kit.js';
import { callerSecurity, devTokenSecurity } from '../rest/schemas.js';
import {
  creatorOf,
  requireList,
  requireService,
  type ListResource,
  type PermissionIdentity,
} from './permissions.js';
import type { Creator } from './record.js';

type Wire = Record<string, unknown>;

export interface CrudSpec<Input> {
  readonly resource: ListResource;
  /** OpenAPI tag. */
  readonly tag: string;
  /** e.g. `/admin/triggers/handlers` */
  readonly adminBase: string;
  /** User path segments: list (`triggers`) and one (`trigger`). */
  readonly userList: string;
  readonly userOne: string;
  readonly noun: string;
  readonly body: Record<string, unknown>;
  readonly item: Record<string, unknown>;
  list(systemKey: string): Wire[];
  get(systemKey: string, name: string): Wire;
  create(systemKey: string, name: string, input: Input, creator: Creator): Promise<Wire>;
  update(systemKey: string, name: string, input: Input): Promise<Wire>;
  remove(systemKey: string, name: string): Promise<Wire>;
}

interface Params {
  systemKey: string;
  name: string;
}
type NamedRequest = FastifyRequest<{ Params: Params }>;

const params = (withName: boolean) => ({
  type: 'object',
  properties: {
    systemKey: { type: 'string', description: 'System key' },
    ...(withName ? { name: { type: 'string' } } : {}),
  },
  required: withName ? ['systemKey', 'name'] : ['systemKey'],
});

/** Builds the route plugin of one resource; route auth (config.auth) has proved the caller. */
export function crudRoutes<Input>(
  spec: CrudSpec<Input>,
  deps: { readonly identity: PermissionIdentity },
): FastifyPluginAsync {
  const { identity } = deps;
  const asDeveloper = (req: FastifyRequest): Identity => req.identity;
  const asCaller =
    (action: 'READ' | 'CREATE' | 'UPDATE' | 'DELETE') =>
    (req: FastifyRequest, systemKey: string): Identity => {
      const principal = req.identity;
      requireList(identity, principal, systemKey, spec.resource, action);
      return principal;
    };
  const input = (req: FastifyRequest) => (req.body ?? {}) as Input;
  const list = { type: 'array', items: spec.item };
  // The user routes document user and device tokens; a developer token is accepted there too.
  const security = (scope: 'admin' | 'user'): Array<Record<string, string[]>> =>
    scope === 'admin' ? devTokenSecurity : callerSecurity.slice(0, 2);

  return async (app) => {
    for (const scope of ['admin', 'user'] as const) {
      const base = scope === 'admin' ? `${spec.adminBase}/:systemKey` : `/api/v/3/code/:systemKey`;
      const listPath = scope === 'admin' ? base : `${base}/${spec.userList}`;
      const onePath = scope === 'admin' ? `${base}/:name` : `${base}/${spec.userOne}/:name`;
      const who = (action: 'READ' | 'CREATE' | 'UPDATE' | 'DELETE') =>
        scope === 'admin' ? asDeveloper : asCaller(action);
      const item = routeOptions({
        config: scope === 'admin' ? DEVELOPER_OF_SYSTEM : CALLER_IN_SYSTEM,
        tags: [spec.tag],
        security: security(scope),
        // The routes about one item share its path parameters and answer the item.
        params: params(true),
        response: { 200: spec.item },
      });
      const route = (summary: string, schema?: FastifySchema) =>
        item(`${summary}${scope === 'admin' ? '' : ' (user)'}`, schema);
      // A write names the service to run in its body: the caller must be allowed that service too.
      const writer = (req: NamedRequest, action: 'CREATE' | 'UPDATE'): Identity => {
        const principal = who(action)(req, req.params.systemKey);
        requireService(identity, principal, req.params.systemKey, req.body);
        return principal;
      };

      app.get<{ Params: Params }>(
        listPath,
        route(`List ${spec.noun}s`, { params: params(false), response: { 200: list } }),
        (req) => {
          who('READ')(req, req.params.systemKey);
          return spec.list(req.params.systemKey);
        },
      );
      app.get<{ Params: Params }>(onePath, route(`Get a ${spec.noun}`), (req) => {
        who('READ')(req, req.params.systemKey);
        return spec.get(req.params.systemKey, req.params.name);
      });
      app.post<{ Params: Params }>(onePath, route(`Create a ${spec.noun}`, { body: spec.body }), (req) => {
        const principal = writer(req, 'CREATE');
        return spec.create(req.params.systemKey, req.params.name, input(req), creatorOf(principal));
      });
      app.put<{ Params: Params }>(onePath, route(`Update a ${spec.noun}`, { body: spec.body }), (req) => {
        writer(req, 'UPDATE');
        return spec.update(req.params.systemKey, req.params.name, input(req));
      });
      app.delete<{ Params: Params }>(onePath, route(`Delete a ${spec.noun}`), (req) => {
        who('DELETE')(req, req.params.systemKey);
        return spec.remove(req.params.systemKey, req.params.name);
      });
    }
  };
}
