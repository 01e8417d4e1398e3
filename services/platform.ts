import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyPluginAsync } from 'fastify';
import type { Config } from './config/load.js';
import type { Log } from './log.js';
import { systemClock, type Clock } from './clock.js';
import { createStore, type Store } from './store/index.js';
import { createHttpApp } from './rest/server.js';

/** Actual ports after listening; null for a disabled listener. Printed in the `isobar ready` line. */
export interface Ports {
  http: number | null;
  mqtt: number | null;
  mqtts: number | null;
  ws: number | null;
  wss: number | null;
  auth: number | null;
  authTls: number | null;
  authWs: number | null;
  authWss: number | null;
}

export interface PlatformDeps {
  readonly log: Log;
  readonly clock?: Clock;
  /** Tests set this: no first-start banner on stdout. */
  readonly quiet?: boolean;
}

/** The whole process: store, identity, broker, engine, triggers, REST — wired together here and only here. */
export interface Platform {
  readonly config: Config;
  readonly store: Store;
  readonly http: FastifyInstance;
  /** Listens on every enabled port and runs start-up work; returns the actual ports. */
  start(): Promise<Ports>;
  /** Stops accepting, finishes in-flight work, flushes and closes; idempotent. */
  close(): Promise<void>;
}

/** Composition root: builds every component from the config; nothing listens until `start()`. */
export async function createPlatform(config: Config, deps: PlatformDeps): Promise<Platform> {
  const log = deps.log;
  const clock = deps.clock ?? systemClock;
  void clock;
  const store = await createStore({ dataDir: config.dataDir });
  let ready = false;
  const routes: FastifyPluginAsync[] = [];
  const http = await createHttpApp({ bodyLimit: config.http.bodyLimit, log, routes, healthy: () => ready });
  let closing: Promise<void> | undefined;

  return {
    config,
    store,
    http,
    async start() {
      const ports: Ports = {
        http: null,
        mqtt: null,
        mqtts: null,
        ws: null,
        wss: null,
        auth: null,
        authTls: null,
        authWs: null,
        authWss: null,
      };
      if (config.http.port >= 0) {
        await http.listen({ host: config.host, port: config.http.port });
        ports.http = (http.server.address() as AddressInfo).port;
      }
      ready = true;
      return ports;
    },
    close() {
      closing ??= (async () => {
        ready = false;
        await http.close();
        await store.close();
      })();
      return closing;
    },
  };
}
