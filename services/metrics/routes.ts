// `GET /metrics` (Prometheus text) and `GET /api/v/4/metrics/:systemKey` (JSON for the console).
// /metrics: the configured metrics token as `Authorization: Bearer <ISOBAR_METRICS_TOKEN>` sees every system
// and the process; a developer token (ClearBlade-DevToken) sees only the systems that developer owns.
// The JSON route is a developer of that system's: its figures now and the sampled series.
import { timingSafeEqual } from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { Registry } from 'prom-client';
import { DEVELOPER_OF_SYSTEM } from '../rest/route-auth.js';
import { devTokenSecurity, openObject, systemKeyParams } from '../rest/schemas.js';
import type { Clock } from '../kernel/clock.js';
import { buildRegistry } from './prometheus.js';
import { quantileS } from './runs.js';
import type { Series } from './series.js';
import type { MetricsSources } from './sources.js';

export interface MetricsRouteDeps {
  readonly sources: MetricsSources;
  readonly series: Series;
  readonly retained: () => Promise<Map<string, number>>;
  readonly clock: Clock;
  readonly sampleMs: number;
  /** The operator's registry (every system, process metrics), built once. */
  readonly operator: Registry;
  /** The configured metrics token; undefined = only developer tokens (and the metrics listener). */
  readonly token: string | undefined;
  /** The systems a developer owns. */
  readonly systemsOf: (developerId: string) => readonly string[];
}

/** True when the request carries the configured metrics token (compared in constant time). */
function hasMetricsToken(req: Pick<FastifyRequest, 'headers'>, token: string | undefined): boolean {
  if (token === undefined || token === '') return false;
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7).trim());
  const wanted = Buffer.from(token);
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** The routes of the metrics area. */
export function metricsRoutes(deps: MetricsRouteDeps): FastifyPluginAsync {
  return async (app) => {
    app.get(
      '/metrics',
      {
        // probe: the metrics token stands in for a developer token; without either the refusal stands.
        config: { auth: 'developer', probe: true },
        schema: {
          tags: ['metrics'],
          summary: 'Prometheus metrics (metrics token: everything; developer token: own systems)',
          security: devTokenSecurity,
        },
      },
      async (req, reply) => {
        let registry: Registry;
        if (hasMetricsToken(req, deps.token)) {
          registry = deps.operator;
        } else {
          if (req.authFailure !== undefined) throw req.authFailure;
          const systems = new Set(deps.systemsOf(req.principal.id));
          registry = buildRegistry(deps.sources, { all: false, systems }, deps.retained);
        }
        void reply.header('content-type', registry.contentType);
        return registry.metrics();
      },
    );

    app.get<{ Params: { systemKey: string } }>(
      '/api/v/4/metrics/:systemKey',
      {
        config: DEVELOPER_OF_SYSTEM,
        schema: {
          tags: ['metrics'],
          summary: "A system's live figures and the series of the last minutes (the console's overview)",
          security: devTokenSecurity,
          params: systemKeyParams,
          response: { 200: openObject },
        },
      },
      async (req) => systemFigures(req.params.systemKey, deps),
    );
  };
}

/** What the console's overview shows for one system. */
async function systemFigures(systemKey: string, deps: MetricsRouteDeps) {
  const { sources, series } = deps;
  const t = sources.broker.traffic().get(systemKey);
  const loads = series.loads(systemKey);
  const services = [...sources.runs.services()]
    .filter((s) => s.systemKey === systemKey)
    .map((s) => ({
      name: s.service,
      runs: s.runs,
      failures: s.failures,
      meanMs: s.runs === 0 ? null : (s.sumS / s.runs) * 1000,
      p50Ms: ms(quantileS([], s.buckets, 0.5)),
      p99Ms: ms(quantileS([], s.buckets, 0.99)),
    }));
  const streams = sources
    .engine()
    .running(systemKey)
    .map((i) => ({
      name: i.name,
      instanceId: i.instanceId,
      version: i.version,
      state: i.state,
      restarts: i.restarts,
      started: i.started,
    }));
  const samples = series.of(systemKey);
  const points = samples.slice(1).map((s, i) => {
    const prev = samples[i];
    const dtS = Math.max(0.001, (s.t - prev.t) / 1000);
    return {
      t: s.t,
      receivedPerS: (s.received - prev.received) / dtS,
      sentPerS: (s.sent - prev.sent) / dtS,
      runsPerS: (s.runs - prev.runs) / dtS,
      failuresPerS: (s.failures - prev.failures) / dtS,
      connections: s.connections,
      subscriptions: s.subscriptions,
      streamsRunning: s.streamsRunning,
      p50Ms: ms(s.p50 ?? undefined),
      p99Ms: ms(s.p99 ?? undefined),
    };
  });
  const runs = sources.runs.system(systemKey);
  return {
    systemKey,
    now: deps.clock.now(),
    sampleSeconds: deps.sampleMs / 1000,
    mqtt: {
      connections: t?.connections ?? 0,
      subscriptions: sources.broker.subscriptionCounts().get(systemKey) ?? 0,
      retained: (await deps.retained()).get(systemKey) ?? 0,
      received: { total: sum(t?.received), byQos: [...(t?.received ?? [0, 0, 0])] },
      sent: { total: sum(t?.sent), byQos: [...(t?.sent ?? [0, 0, 0])] },
      bytesReceived: t?.bytesReceived ?? 0,
      bytesSent: t?.bytesSent ?? 0,
      dropped: t?.dropped ?? 0,
      loadPerMinute: { received: loads.received, sent: loads.sent },
    },
    runs: { total: runs?.runs ?? 0, failures: runs?.failures ?? 0 },
    services,
    streams,
    series: points,
  };
}

const sum = (a: readonly number[] | undefined): number => (a === undefined ? 0 : a[0] + a[1] + a[2]);

/** Seconds to ms for JSON (Infinity, past the last bucket, as null with the count still in `runs`). */
const ms = (s: number | undefined): number | null =>
  s === undefined || !Number.isFinite(s) ? null : Math.round(s * 1_000_000) / 1000;
