// The separate metrics listener (ISOBAR_METRICS_PORT on ISOBAR_METRICS_HOST, default 127.0.0.1): the
// operator's `/metrics` with no token, protected by where it listens — a port only the monitoring network
// reaches. It serves nothing else, so exposing it never exposes the API.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import type { Log } from '../kernel/log.js';

export interface MetricsListener {
  readonly port: number;
  close(): Promise<void>;
}

/** Listens on `host:port` and answers `GET /metrics` from the operator's registry; anything else 404. */
export async function listenMetrics(
  options: { readonly host: string; readonly port: number },
  deps: { readonly registry: Registry; readonly log: Log },
): Promise<MetricsListener> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    deps.registry.metrics().then(
      (text) => res.writeHead(200, { 'content-type': deps.registry.contentType }).end(text),
      (err: unknown) => {
        deps.log.error('metrics scrape failed', { err: String(err) });
        res.writeHead(503, { 'content-type': 'text/plain' }).end('metrics unavailable\n');
      },
    );
  });
  server.on('connection', (socket) => socket.setNoDelay(true));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  let closing: Promise<void> | undefined;
  return {
    port: (server.address() as AddressInfo).port,
    close() {
      closing ??= new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
