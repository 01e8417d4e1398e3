// Serves the web console (console/, DESIGN.md "Web console") at `/` on the REST port: the bundle from dist/console, built
// on first request when missing or stale (console/build.ts). The console is static and public (config.auth
// 'none'): it holds no secrets and does everything through the same REST API a script uses, with the
// signed-in developer's token. `GET /api/v/4/console/config` tells it where MQTT over WebSocket listens.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { loadConsole, type ConsoleFiles } from '../../console/build.js';
import type { Component, Ports } from '../kernel/component.js';
import type { Log } from '../kernel/log.js';
import { devTokenSecurity, openObject } from '../rest/schemas.js';

export interface ConsoleDeps {
  readonly log: Log;
  /** The listening ports once the platform started (the WebSocket port the browser's MQTT client dials). */
  readonly ports: () => Ports | undefined;
  /** Repository root (tests); default: found from this module. */
  readonly root?: string;
}

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  map: 'application/json; charset=utf-8',
  txt: 'text/plain; charset=utf-8',
};

// The console loads only its own files; it talks to the REST API (same origin) and to the MQTT WebSocket
// port (another port, hence ws:/wss:). CodeMirror injects <style> elements, hence style-src 'unsafe-inline'.
const CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "connect-src 'self' ws: wss:",
  "frame-ancestors 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** The console area: its static files and its one config route. */
export function createConsoleComponent(deps: ConsoleDeps): Component {
  const root = deps.root ?? findRoot();
  let loading: Promise<{ files: ConsoleFiles; etags: Map<string, string> }> | undefined;
  const load = () =>
    (loading ??= loadConsole(root).then(
      (files) => ({
        files,
        etags: new Map(
          [...files].map(([n, b]) => [n, `"${createHash('sha1').update(b).digest('base64url')}"`]),
        ),
      }),
      (err: unknown) => {
        // A failed build is logged and retried at the next request (a source being edited may be mid-save).
        loading = undefined;
        deps.log.error('console build failed', { err: String(err) });
        throw err;
      },
    ));

  const serve = async (name: string, ifNoneMatch: string | undefined, reply: FastifyReply) => {
    const { files, etags } = await load();
    const body = files.get(name);
    if (body === undefined) return reply.code(404).type(TYPES.txt).send('not found');
    const etag = etags.get(name) ?? '';
    // Names are not content-hashed: every load revalidates (a 304 costs one round trip, no body).
    void reply
      .header('cache-control', 'no-cache')
      .header('etag', etag)
      .header('x-content-type-options', 'nosniff')
      .header('referrer-policy', 'no-referrer');
    if (name === 'index.html') void reply.header('content-security-policy', CSP);
    if (ifNoneMatch === etag) return reply.code(304).send();
    return reply.type(TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? TYPES.txt).send(body);
  };

  const routes: FastifyPluginAsync = async (app) => {
    const open = { config: { auth: 'none' }, schema: { hide: true } } as const;
    app.get('/', open, (req, reply) => serve('index.html', req.headers['if-none-match'], reply));
    app.get('/index.html', open, (req, reply) => serve('index.html', req.headers['if-none-match'], reply));
    app.get<{ Params: { file: string } }>('/console/:file', open, (req, reply) =>
      serve(req.params.file, req.headers['if-none-match'], reply),
    );
    app.get(
      '/api/v/4/console/config',
      {
        config: { auth: 'developer' },
        schema: {
          tags: ['console'],
          summary:
            'Where the console reaches MQTT over WebSocket (path /mqtt; token as username, system key as password)',
          security: devTokenSecurity,
          response: { 200: openObject },
        },
      },
      (req) => {
        const p = deps.ports();
        const host =
          req.hostname.includes(':') && !req.hostname.startsWith('[') ? `[${req.hostname}]` : req.hostname;
        const url = (scheme: string, port: number | null | undefined) =>
          port === null || port === undefined ? null : `${scheme}://${host}:${String(port)}/mqtt`;
        return { wsUrl: url('ws', p?.ws), wssUrl: url('wss', p?.wss) };
      },
    );
  };

  return {
    name: 'console',
    routes: [routes],
    async close() {
      // A build still running finishes before the process exits (esbuild holds a child process).
      await loading?.catch(() => undefined);
    },
  };
}

/** The repository root: the nearest ancestor holding console/src (the same from services/ and from dist/). */
function findRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    if (existsSync(join(dir, 'console', 'src', 'main.ts'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new Error('isobar: console/src not found above ' + fileURLToPath(import.meta.url));
    dir = up;
  }
}
