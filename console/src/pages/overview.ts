// Overview: the system's live traffic and the health of its user code, from GET /api/v/4/metrics/:systemKey
// (services/metrics/routes.ts). Polled every couple of seconds while the page is open; rates "now" come from
// the difference between two polls, the charts from the platform's own samples (the last minutes, so they are
// full as soon as the page opens).
import type { VNode } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { PageProps } from '../ctx.js';
import { Chart, ErrorBox, formatNumber, html, table, type ChartSeries, type Column } from '../ui.js';

/** The JSON of the metrics route, as far as the overview reads it. */
export interface SystemFigures {
  now: number;
  sampleSeconds: number;
  mqtt: {
    connections: number;
    subscriptions: number;
    retained: number;
    received: { total: number };
    sent: { total: number };
    dropped: number;
  };
  runs: { total: number; failures: number };
  services: {
    name: string;
    runs: number;
    failures: number;
    meanMs: number | null;
    p50Ms: number | null;
    p99Ms: number | null;
  }[];
  streams: {
    name: string;
    instanceId: string;
    version: number;
    state: string;
    restarts: number;
    started: number;
  }[];
  series: {
    t: number;
    receivedPerS: number;
    sentPerS: number;
    runsPerS: number;
    failuresPerS: number;
    connections: number;
    subscriptions: number;
    streamsRunning: number;
    p50Ms: number | null;
    p99Ms: number | null;
  }[];
}

interface Rates {
  receivedPerS: number;
  sentPerS: number;
  runsPerS: number;
}

/** How often the page asks for fresh figures (the server samples every `sampleSeconds` for the charts). */
const POLL_MS = 2000;

/** A run time in milliseconds, or a dash when there is none yet. */
const ms = (v: number | null | undefined): string =>
  v === null || v === undefined ? '–' : `${formatNumber(v)} ms`;

/** The first column of both tables: the service's name. */
const serviceName: Column<{ readonly name: string }> = { title: 'Service', cell: (s) => s.name };

/** The Services table: each service's runs, failures and run times since the platform started. */
const SERVICE_COLUMNS: readonly Column<SystemFigures['services'][number]>[] = [
  serviceName,
  { title: 'Runs', cell: (s) => String(s.runs) },
  {
    title: 'Failed',
    cell: (s) => html`<span class=${s.failures > 0 ? 'state-failed' : ''}>${String(s.failures)}</span>`,
  },
  { title: 'Mean', cell: (s) => ms(s.meanMs) },
  { title: 'p50', cell: (s) => ms(s.p50Ms) },
  { title: 'p99', cell: (s) => ms(s.p99Ms) },
];
const NO_RUNS = 'No service has run since the platform started.';

/** The Stream instances table: each running instance, its version, state and restarts. */
const STREAM_COLUMNS: readonly Column<SystemFigures['streams'][number]>[] = [
  serviceName,
  { title: 'Instance', cell: (s) => html`<code>${s.instanceId}</code>` },
  { title: 'Version', cell: (s) => String(s.version) },
  { title: 'State', cell: (s) => html`<span class=${`state-${s.state}`}>${s.state}</span>` },
  { title: 'Restarts', cell: (s) => String(s.restarts) },
  { title: 'Started', cell: (s) => new Date(s.started).toLocaleTimeString() },
];
const NO_STREAMS = 'No stream service is running.';

/** The first page of a system: traffic, connections, runs and their failures, run time, stream instances. */
export function OverviewPage({ ctx }: PageProps): VNode {
  const [figures, setFigures] = useState<SystemFigures | null>(null);
  const [rates, setRates] = useState<Rates | null>(null);
  const [error, setError] = useState<unknown>(null);
  const prev = useRef<{ at: number; f: SystemFigures } | null>(null);
  useEffect(() => {
    let stopped = false;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const poll = async (): Promise<void> => {
      try {
        const f = await ctx.api.get<SystemFigures>(`/api/v/4/metrics/${encodeURIComponent(ctx.systemKey)}`);
        if (stopped) return;
        const at = performance.now();
        const p = prev.current;
        if (p !== null) {
          const dt = Math.max(0.001, (at - p.at) / 1000);
          setRates({
            receivedPerS: Math.max(0, f.mqtt.received.total - p.f.mqtt.received.total) / dt,
            sentPerS: Math.max(0, f.mqtt.sent.total - p.f.mqtt.sent.total) / dt,
            runsPerS: Math.max(0, f.runs.total - p.f.runs.total) / dt,
          });
        }
        prev.current = { at, f };
        setFigures(f);
        setError(null);
      } catch (err) {
        if (!stopped) setError(err);
      }
      if (!stopped) timer = setTimeout(() => void poll(), POLL_MS);
    };
    void poll();
    return () => {
      stopped = true;
      clearTimeout(timer);
    };
  }, [ctx.api, ctx.systemKey]);

  // Run time of the latest sample that had runs; before any sample, the slowest service's figures.
  const timed = [...(figures?.series ?? [])].reverse().find((p) => p.p50Ms !== null);
  const worst = (pick: (s: SystemFigures['services'][number]) => number | null): number | null =>
    (figures?.services ?? []).reduce<number | null>((m, s) => {
      const v = pick(s);
      return v === null ? m : Math.max(m ?? v, v);
    }, null);
  const last = { p50Ms: timed?.p50Ms ?? worst((s) => s.p50Ms), p99Ms: timed?.p99Ms ?? worst((s) => s.p99Ms) };
  const rate = (v: number | undefined): string => (v === undefined ? '–' : formatNumber(v));
  const line = (label: string, pick: (p: SystemFigures['series'][number]) => number | null): ChartSeries => ({
    label,
    points: (figures?.series ?? []).map((p) => [p.t, pick(p)] as const),
  });
  return html`<section class="overview">
    <h1>Overview <span class="muted">· ${ctx.systemName}</span></h1>
    <${ErrorBox} error=${error} />
    ${figures === null && error === null ? html`<p class="muted">Loading figures…</p>` : null}
    ${
      figures === null
        ? null
        : html`<div class="cards" aria-label="Figures now">
              <${Card}
                id="received"
                label="Messages in /s"
                value=${rate(rates?.receivedPerS)}
                sub=${`${String(figures.mqtt.received.total)} total`}
              />
              <${Card}
                id="sent"
                label="Messages out /s"
                value=${rate(rates?.sentPerS)}
                sub=${`${String(figures.mqtt.sent.total)} total`}
              />
              <${Card} id="connections" label="Connections" value=${String(figures.mqtt.connections)} />
              <${Card}
                id="subscriptions"
                label="Subscriptions"
                value=${String(figures.mqtt.subscriptions)}
                sub=${`${String(figures.mqtt.retained)} retained`}
              />
              <${Card}
                id="runs"
                label="Service runs /s"
                value=${rate(rates?.runsPerS)}
                sub=${`${String(figures.runs.total)} total`}
              />
              <${Card}
                id="failures"
                label="Failed runs"
                value=${String(figures.runs.failures)}
                bad=${figures.runs.failures > 0}
              />
              <${Card} id="p50" label="Run time p50" value=${ms(last.p50Ms)} />
              <${Card} id="p99" label="Run time p99" value=${ms(last.p99Ms)} />
              <${Card} id="streams" label="Stream instances" value=${String(figures.streams.length)} />
            </div>
            <div class="charts">
              <${Chart}
                title="Messages /s"
                series=${[line('in', (p) => p.receivedPerS), line('out', (p) => p.sentPerS)]}
              />
              <${Chart}
                title="Connections and subscriptions"
                series=${[line('connections', (p) => p.connections), line('subscriptions', (p) => p.subscriptions)]}
              />
              <${Chart}
                title="Service runs /s"
                series=${[line('runs', (p) => p.runsPerS), line('failed', (p) => p.failuresPerS)]}
              />
              <${Chart}
                title="Run time"
                unit=" ms"
                series=${[line('p50', (p) => p.p50Ms), line('p99', (p) => p.p99Ms)]}
              />
              <${Chart}
                title="Stream instances running"
                series=${[line('running', (p) => p.streamsRunning)]}
              />
            </div>
            <p class="muted">
              Charts: one sample every ${String(figures.sampleSeconds)} s over the last minutes; figures
              refresh every ${String(POLL_MS / 1000)} s.
            </p>
            <h2>Services</h2>
            ${table(
              { label: 'Service runs', rows: figures.services, rowKey: (s) => s.name, empty: NO_RUNS },
              SERVICE_COLUMNS,
            )}
            <h2>Stream instances</h2>
            ${table(
              {
                label: 'Stream instances',
                rows: figures.streams,
                rowKey: (s) => s.instanceId,
                empty: NO_STREAMS,
              },
              STREAM_COLUMNS,
            )}`
    }
  </section>`;
}

function Card(props: { id: string; label: string; value: string; sub?: string; bad?: boolean }): VNode {
  return html`<div class=${props.bad === true ? 'card bad' : 'card'} data-figure=${props.id}>
    <div class="label">${props.label}</div>
    <div class="value">${props.value}</div>
    ${props.sub === undefined ? null : html`<div class="muted sub">${props.sub}</div>`}
  </div>`;
}
