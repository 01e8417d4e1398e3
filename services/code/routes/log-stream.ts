// The live tail over server-sent events: `GET /api/v/3/code/{systemKey}/logs/{name}/stream` answers
// `text/event-stream` and sends one `run` event per ended run of the service (REST, trigger, timer,
// execute, stream exits) — `{time, source, success, code?, message?, position?, duration, logs?}` — after
// a first `ready` event that says the watch is in place. Used by `isobar services logs --follow`.
// A slow reader cannot make the platform buffer without end: past MAX_BUFFERED_BYTES unsent, events are
// dropped and the next one written says how many (`dropped`).
import type { FastifyPluginAsync } from 'fastify';
import type { ServerResponse } from 'node:http';
import { devSecurity as security, serviceParams, type CodeRouteDeps } from './common.js';
import { DEVELOPER_OF_SYSTEM } from '../../rest/route-auth.js';
import type { RunEvent } from '../run-tail.js';

type ServicePath = { systemKey: string; name: string };

/** Unsent bytes one watcher may hold before its events are dropped. */
export const MAX_BUFFERED_BYTES = 1024 * 1024;
/** A comment line this often keeps idle proxies from closing the stream. */
const HEARTBEAT_MS = 15_000;

/** One SSE frame. */
function frame(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/** The SSE route of the live tail. */
export function logStreamRoutes({ registry, tail }: CodeRouteDeps): FastifyPluginAsync {
  return async (app) => {
    const open = new Set<ServerResponse>();
    // Hijacked answers are not fastify's to end: close them so the server can close.
    app.addHook('onClose', async () => {
      for (const res of open) res.end();
    });

    app.get<{ Params: ServicePath }>(
      '/api/v/3/code/:systemKey/logs/:name/stream',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags: ['code logs'],
          summary:
            'Live tail: server-sent events, one `run` event per ended run ({time, source, success, code, message, position, duration, logs?})',
          security,
          params: serviceParams,
        },
      },
      async (req, reply) => {
        const { systemKey, name } = req.params;
        registry.get(systemKey, name);
        const res = reply.raw;
        let dropped = 0;
        const send = (event: RunEvent) => {
          if (res.writableLength > MAX_BUFFERED_BYTES) {
            dropped++;
            return;
          }
          res.write(frame('run', dropped === 0 ? event : { ...event, dropped }));
          dropped = 0;
        };
        // Throws CB_ERR_CODE_TAIL_LIMIT before anything is written: an ordinary error answer.
        const unwatch = tail.watch(systemKey, name, send);
        reply.hijack();
        res.writeHead(200, {
          'content-type': 'text/event-stream; charset=utf-8',
          'cache-control': 'no-cache, no-store',
          'x-content-type-options': 'nosniff',
          // nginx and similar proxies would otherwise hold events back.
          'x-accel-buffering': 'no',
        });
        res.write(frame('ready', { name }));
        open.add(res);
        const heartbeat = setInterval(() => res.write(': keep-alive\n\n'), HEARTBEAT_MS);
        heartbeat.unref();
        res.on('close', () => {
          clearInterval(heartbeat);
          unwatch();
          open.delete(res);
        });
      },
    );
  };
}
