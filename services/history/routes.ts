// REST surface of message history (reference §7.1): query, delete and list topics under
// /api/v/1/message, and the developer's storage and auto-delete settings under /api/v/4/message.
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { PERM } from '../../runtime-api/constants.js';
import type { Principal } from '../identity/types.js';
import { CALLER_IN_SYSTEM, DEVELOPER_OF_SYSTEM } from '../rest/route-auth.js';
import {
  normalizeQuery,
  parseRawQuery,
  type HistoryPage,
  type HistoryQuery,
  type HistoryRecord,
} from './query.js';
import type { AutoDelete, StorageFilter } from './settings.js';

/** What the routes ask of the history component. */
export interface HistoryApi {
  level(principal: Principal, systemKey: string): number;
  /** One page of a query (bounded bytes); `next` says where the following page starts. */
  queryPage(systemKey: string, q: HistoryQuery): Promise<HistoryPage<HistoryRecord>>;
  query(systemKey: string, q: HistoryQuery): Promise<HistoryRecord[]>;
  delete(systemKey: string, q: HistoryQuery): Promise<HistoryRecord[]>;
  currentTopics(systemKey: string): Promise<string[]>;
  storage(systemKey: string): readonly StorageFilter[];
  setStorage(systemKey: string, filters: readonly StorageFilter[]): Promise<readonly StorageFilter[]>;
  autodelete(systemKey: string): AutoDelete;
  setAutodelete(systemKey: string, value: AutoDelete): Promise<AutoDelete>;
}

const params = {
  type: 'object',
  properties: { systemKey: { type: 'string' } },
  required: ['systemKey'],
} as const;

const querystring = {
  type: 'object',
  properties: {
    topic: { type: 'string', description: 'Exact topic; `+` is kept literally (not a space)' },
    count: { type: 'string', description: 'Most messages to return; 0 = all (capped)' },
    last: { type: 'string', description: 'Only messages before this time (epoch s or ms)' },
    start: { type: 'string', description: 'Window start, inclusive (epoch s or ms; -1 = none)' },
    stop: { type: 'string', description: 'Window end, inclusive (epoch s or ms; -1 = none)' },
  },
} as const;

const record = {
  type: 'object',
  properties: {
    topicid: { type: 'string' },
    ip: { type: 'string' },
    time: { type: 'integer', description: 'epoch seconds' },
    payloadsize: { type: 'integer' },
    payload: { type: 'string', description: 'payload as UTF-8' },
    userid: { type: 'string' },
    qos: { type: 'integer' },
    id: { type: 'string' },
    message: { type: 'string' },
    'send-date': { type: 'integer' },
    'topic-id': { type: 'string' },
    'user-id': { type: 'string' },
    time_ms: { type: 'integer', description: 'epoch milliseconds' },
    payload_base64: { type: 'string', description: 'only for payloads that are not valid UTF-8' },
  },
} as const;

const storageFilter = {
  type: 'object',
  properties: {
    topic: { type: 'string' },
    max_rows: { type: 'integer', minimum: 0 },
    max_time: { type: 'integer', minimum: 0, description: 'seconds; 0 = no age limit' },
    edge: { type: 'boolean' },
    platform: { type: 'boolean' },
  },
  required: ['topic'],
} as const;

const autodelete = {
  type: 'object',
  properties: {
    enabled: { type: 'boolean' },
    max_size_kb: { type: 'integer', minimum: 0 },
    max_rows: { type: 'integer', minimum: 0 },
    expiration_age_seconds: { type: 'integer', minimum: 0 },
  },
} as const;

const tags = ['message history'];

/**
 * Set on a history answer the page's byte bound ended early: the `last` value (epoch ms) that reads on.
 * The body stays ClearBlade's plain array; a client that ignores the header simply gets the newest page.
 */
export const NEXT_PAGE_HEADER = 'x-isobar-history-next-last';

function rawQuery(req: FastifyRequest): HistoryQuery {
  const url = req.raw.url ?? '';
  const q = url.indexOf('?');
  return normalizeQuery(parseRawQuery(q < 0 ? '' : url.slice(q + 1)));
}

/** Registers the history routes. */
export function historyRoutes(api: HistoryApi): FastifyPluginAsync {
  const allowed = (req: FastifyRequest, systemKey: string, bit: number, action: string): void => {
    if ((api.level(req.principal, systemKey) & bit) === 0) {
      throw new IsobarError('CB_ERR_HISTORY_FORBIDDEN', { action });
    }
  };
  return (app) => {
    app.get<{ Params: { systemKey: string } }>(
      '/api/v/1/message/:systemKey',
      {
        config: CALLER_IN_SYSTEM,
        schema: {
          tags,
          summary: 'Messages of one topic, newest first (needs msgHistory read)',
          description:
            'At most `count` messages (0 = all, capped) and at most one page of payload bytes ' +
            '(ISOBAR_HISTORY_PAGE_BYTES). When the byte bound ends the answer early, the header ' +
            `${NEXT_PAGE_HEADER} gives the \`last\` value (epoch ms) of the next page.`,
          params,
          querystring,
          response: { 200: { type: 'array', items: record } },
        },
      },
      async (req, reply) => {
        allowed(req, req.params.systemKey, PERM.READ, 'read');
        const page = await api.queryPage(req.params.systemKey, rawQuery(req));
        if (page.next !== undefined) void reply.header(NEXT_PAGE_HEADER, String(page.next));
        return page.messages;
      },
    );
    app.delete<{ Params: { systemKey: string } }>(
      '/api/v/1/message/:systemKey',
      {
        config: CALLER_IN_SYSTEM,
        schema: {
          tags,
          summary: 'Deletes the messages a query selects and returns them (needs msgHistory delete)',
          description:
            'Bounded like a read: at most one page of payload bytes is deleted and returned per call; ' +
            'repeat the call until it answers [] to delete more.',
          params,
          querystring,
          response: { 200: { type: 'array', items: record } },
        },
      },
      async (req) => {
        allowed(req, req.params.systemKey, PERM.DELETE, 'delete');
        return api.delete(req.params.systemKey, rawQuery(req));
      },
    );
    app.get<{ Params: { systemKey: string }; Querystring: { topic: string } }>(
      '/api/v/3/message/:systemKey/averagePayload',
      {
        config: CALLER_IN_SYSTEM,
        schema: {
          tags,
          summary:
            'Average payload size (bytes) of the stored messages of a topic in start..stop (msgHistory read)',
          description:
            'Over the newest stored messages the window selects, at most as many as one history read answers; ' +
            '0 when there are none. JS SDK MessagingStats.getAveragePayloadSize.',
          params,
          querystring: { ...querystring, required: ['topic'] },
          response: { 200: { type: 'object', properties: { payloadsize: { type: 'number' } } } },
        },
      },
      async (req) => {
        allowed(req, req.params.systemKey, PERM.READ, 'read');
        const { topic, start, stop } = rawQuery(req);
        const messages = await api.query(req.params.systemKey, { topic, start, stop, count: 0 });
        const total = messages.reduce((sum, m) => sum + m.payloadsize, 0);
        return { payloadsize: messages.length === 0 ? 0 : total / messages.length };
      },
    );
    app.get<{ Params: { systemKey: string } }>(
      '/api/v/1/message/:systemKey/currentTopics',
      {
        config: CALLER_IN_SYSTEM,
        schema: {
          tags,
          summary: 'Topics that have stored messages',
          params,
          response: { 200: { type: 'array', items: { type: 'string' } } },
        },
      },
      async (req) => {
        allowed(req, req.params.systemKey, PERM.READ, 'read');
        return api.currentTopics(req.params.systemKey);
      },
    );
    app.get<{ Params: { systemKey: string } }>(
      '/api/v/4/message/:systemKey/storage',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Which topics are stored, with their bounds (developer)',
          params,
          response: { 200: { type: 'array', items: storageFilter } },
        },
      },
      (req) => {
        return Promise.resolve(api.storage(req.params.systemKey));
      },
    );
    app.put<{ Params: { systemKey: string }; Body: StorageFilter[] }>(
      '/api/v/4/message/:systemKey/storage',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Replaces the stored-topic filters (developer); [] stores nothing',
          params,
          body: { type: 'array', items: storageFilter },
          response: { 200: { type: 'array', items: storageFilter } },
        },
      },
      async (req) => {
        return api.setStorage(req.params.systemKey, req.body);
      },
    );
    app.get<{ Params: { systemKey: string } }>(
      '/api/v/4/message/:systemKey/autodelete',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'System-wide history auto-delete (developer)',
          params,
          response: { 200: autodelete },
        },
      },
      (req) => {
        return Promise.resolve(api.autodelete(req.params.systemKey));
      },
    );
    app.put<{ Params: { systemKey: string }; Body: AutoDelete }>(
      '/api/v/4/message/:systemKey/autodelete',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags,
          summary: 'Sets the system-wide history auto-delete (developer)',
          params,
          body: autodelete,
          response: { 200: autodelete },
        },
      },
      async (req) => {
        return api.setAutodelete(req.params.systemKey, req.body);
      },
    );
    return Promise.resolve();
  };
}
