// Service logs (reference §3.5): `/codeadmin/v/2/logs/{sk}/{name}` — list, per instance, the logging
// switch (`{logging: "true"|false}`, answered as a string like ClearBlade) and the log level.
import type { FastifyPluginAsync } from 'fastify';
import { IsobarError } from '../../../runtime-api/errors/index.js';
import { devSecurity as security, serviceParams, type CodeRouteDeps } from './common.js';
import { DEVELOPER_OF_SYSTEM } from '../../rest/route-auth.js';

const tags = ['code logs'];
type ServicePath = { systemKey: string; name: string };

const lineSchema = {
  type: 'object',
  properties: { level: { type: 'string' }, time: { type: 'integer' }, message: { type: 'string' } },
} as const;

const logSchema = {
  type: 'object',
  properties: {
    log: { type: 'string', description: 'the lines, one per line' },
    service_execution_time: { type: 'string', description: 'ISO 8601 start of the run' },
    service_instance_id: { type: 'string' },
    version: { type: 'integer' },
    success: { type: ['boolean', 'null'], description: 'null while a stream instance runs' },
    duration_ms: { type: ['integer', 'null'] },
    lines: { type: 'array', items: lineSchema },
    source: { type: 'string', enum: ['rest', 'trigger', 'timer', 'execute', 'stream'] },
    code: { type: 'string', description: 'failed runs: the error code' },
    message: { type: 'string', description: 'failed runs: the error text' },
    position: {
      type: 'object',
      description: "failed runs: where it threw, in the author's source",
      properties: { file: { type: 'string' }, line: { type: 'integer' }, column: { type: 'integer' } },
    },
    stack: { type: 'string', description: "failed runs: the stack, positions in the author's source" },
  },
} as const;

/** Reads and switches of service logs. */
export function logRoutes({ registry, logs }: CodeRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.get<{ Params: ServicePath; Querystring: { limit?: number; failed?: boolean } }>(
      '/codeadmin/v/2/logs/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary:
            'Logs of recent runs, newest first (kept for log_ttl_minutes); failed runs are kept even with logging off',
          security,
          params: serviceParams,
          querystring: {
            type: 'object',
            properties: {
              limit: { type: 'integer', minimum: 1, maximum: 1000 },
              failed: { type: 'boolean', description: 'only failed runs' },
            },
          },
          response: { 200: { type: 'array', items: logSchema } },
        },
      },
      async (req) => {
        const { systemKey, name } = req.params;
        registry.get(systemKey, name);
        if (req.query.failed === true) return logs.failures(systemKey, name, req.query.limit);
        return logs.list(systemKey, name, req.query.limit);
      },
    );

    app.get<{ Params: ServicePath }>(
      '/codeadmin/v/2/logs/:systemKey/:name/active',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Whether logs are kept for every run',
          security,
          params: serviceParams,
          response: {
            200: {
              type: 'object',
              properties: { logging_enabled: { type: 'string', enum: ['true', 'false'] } },
            },
          },
        },
      },
      async (req) => {
        return {
          logging_enabled: String(registry.get(req.params.systemKey, req.params.name).record.logging_enabled),
        };
      },
    );

    app.get<{ Params: ServicePath & { instanceId: string } }>(
      '/codeadmin/v/2/logs/:systemKey/:name/:instanceId',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Logs of one run or stream instance',
          security,
          params: {
            type: 'object',
            required: ['systemKey', 'name', 'instanceId'],
            properties: { ...serviceParams.properties, instanceId: { type: 'string', minLength: 1 } },
          },
          response: { 200: logSchema },
        },
      },
      async (req) => {
        const { systemKey, name, instanceId } = req.params;
        registry.get(systemKey, name);
        const view = await logs.instance(systemKey, name, instanceId);
        if (view === undefined) throw new IsobarError('CB_ERR_CODE_INSTANCE_UNKNOWN', { id: instanceId });
        return view;
      },
    );

    app.post<{ Params: ServicePath; Body: { logging: boolean | string } }>(
      '/codeadmin/v/2/logs/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Turn logging of every run on or off ({"logging": "true"} or {"logging": false})',
          security,
          params: serviceParams,
          body: {
            type: 'object',
            required: ['logging'],
            properties: {
              logging: { anyOf: [{ type: 'boolean' }, { type: 'string', enum: ['true', 'false'] }] },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: { name: { type: 'string' }, logging_enabled: { type: 'boolean' } },
            },
          },
        },
      },
      async (req) => {
        const { systemKey, name } = req.params;
        const on = req.body.logging === true || req.body.logging === 'true';
        const record = await registry.setLogging(systemKey, name, on);
        return { name, logging_enabled: record.logging_enabled };
      },
    );

    app.put<{ Params: ServicePath; Body: { log_level: string } }>(
      '/codeadmin/v/2/logs/:systemKey/:name',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Set the log level of a service',
          security,
          params: serviceParams,
          body: {
            type: 'object',
            required: ['log_level'],
            properties: { log_level: { type: 'string', enum: ['debug', 'info', 'warn', 'error'] } },
          },
          response: {
            200: { type: 'object', properties: { name: { type: 'string' }, log_level: { type: 'string' } } },
          },
        },
      },
      async (req) => {
        const { systemKey, name } = req.params;
        const record = await registry.setLogLevel(systemKey, name, req.body.log_level);
        return { name, log_level: record.log_level };
      },
    );
  };
}
