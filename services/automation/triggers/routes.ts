// REST routes of triggers (reference §4.1): definitions, developer CRUD, user CRUD.

import type { FastifyPluginAsync } from 'fastify';
import { callerSecurity, openObjectOf } from '../../rest/schemas.js';
import type { AutomationApi } from '../api.js';
import { crudRoutes } from '../crud-routes.js';
import type { PermissionIdentity } from '../permissions.js';
import type { TriggerInput } from './registry.js';

const definition = {
  type: 'object',
  properties: {
    def_module: { type: 'string' },
    def_name: { type: 'string' },
    def_keys: { type: 'array', items: { type: 'string' } },
  },
};

/** Stored/returned form (reference §4.2). */
export const TRIGGER_SCHEMA = openObjectOf({
  name: { type: 'string' },
  system_key: { type: 'string' },
  system_secret: { type: 'string' },
  event_definition: {
    type: 'object',
    properties: { ...definition.properties, visibility: { type: 'boolean' } },
  },
  key_value_pairs: { type: 'object', additionalProperties: { type: 'string' } },
  service_name: { type: 'string' },
});

const TRIGGER_BODY = openObjectOf({
  def_module: { type: 'string', description: 'Messaging, User, Device, UserRoles, StartConnectDisconnect' },
  def_name: { type: 'string', description: 'Action, e.g. Publish; see GET /admin/triggers/definitions' },
  key_value_pairs: {
    type: 'object',
    description: 'Filters: topic (MQTT filter), email, deviceName, userId, roleID (exact)',
  },
  service_name: { type: 'string', description: 'Service to run' },
});

/** The triggers route plugin. */
export function triggerRoutes(
  api: AutomationApi,
  deps: { readonly identity: PermissionIdentity },
): FastifyPluginAsync {
  const crud = crudRoutes<TriggerInput>(
    {
      resource: 'triggers',
      tag: 'triggers',
      adminBase: '/admin/triggers/handlers',
      userList: 'triggers',
      userOne: 'trigger',
      noun: 'trigger',
      body: TRIGGER_BODY,
      item: TRIGGER_SCHEMA,
      list: api.listTriggers,
      get: api.getTrigger,
      create: api.createTrigger,
      update: api.updateTrigger,
      remove: api.deleteTrigger,
    },
    deps,
  );
  return async (app) => {
    app.get(
      '/admin/triggers/definitions',
      {
        // Users call it too (JS SDK Triggers.fetchDefinitions): it names what exists, nothing of a system.
        config: { auth: 'token' },
        schema: {
          tags: ['triggers'],
          summary: 'List trigger modules and actions with their filter keys (any valid token)',
          security: callerSecurity,
          response: { 200: { type: 'array', items: definition } },
        },
      },
      () => api.definitions(),
    );
    await app.register(crud);
  };
}
