// Live logs: the runs of one service as they end, pushed by the platform over server-sent events
// (GET /api/v/3/code/{sk}/logs/{name}/stream) — successes with their log lines, failures with their code,
// error text and the line in the author's own source (the bundle's source map, mapped on the server).
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { errorOf } from '../api.js';
import type { PageProps } from '../ctx.js';
import { readEvents } from '../code/sse.js';
import { logsSelection, type RunEvent } from '../code/types.js';
import { ErrorBox, Select, html } from '../ui.js';

/** Runs kept on screen; older ones fall off the bottom. */
const MAX_SHOWN = 200;

function RunRow(props: { run: RunEvent }): VNode {
  const r = props.run;
  const where =
    r.position === undefined
      ? ''
      : `${r.position.file}:${String(r.position.line)}:${String(r.position.column)}`;
  return html`<li class=${r.success ? 'run ok' : 'run failed'}>
    <div class="row">
      <span class="mono">${new Date(r.time).toLocaleTimeString()}</span>
      <strong>${r.success ? 'ok' : 'failed'}</strong>
      <span class="muted">${r.source}${r.duration === null ? '' : ` · ${String(r.duration)} ms`}</span>
      ${r.dropped === undefined ? null : html`<span class="muted">(${r.dropped} runs skipped: reader too slow)</span>`}
    </div>
    ${
      r.success
        ? null
        : html`<div class="run-error">
            <code>${r.code ?? ''}</code> ${r.message ?? ''}
            ${where === '' ? null : html`<span class="mono"> at ${where}</span>`}
          </div>`
    }
    ${(r.logs ?? []).map((l) => html`<pre class="mono log-line">${l.message}</pre>`)}
  </li>`;
}

/** The Live logs page of the console. */
export function LogsPage({ ctx }: PageProps): VNode {
  const [names, setNames] = useState<string[]>([]);
  const [name, setName] = useState<string>(logsSelection.name ?? '');
  const [runs, setRuns] = useState<RunEvent[]>([]);
  const [live, setLive] = useState(false);
  const [error, setError] = useState<unknown>(null);

  useEffect(() => {
    ctx.api
      .get<{ code: string[] }>(`/admin/code/v/1/${ctx.systemKey}`)
      .then((r) => {
        const sorted = [...r.code].sort();
        setNames(sorted);
        setName((n) => (n === '' ? (sorted[0] ?? '') : n));
      })
      .catch(setError);
  }, [ctx]);

  useEffect(() => {
    if (name === '') return;
    logsSelection.name = name;
    setRuns([]);
    setLive(false);
    setError(null);
    const abort = new AbortController();
    const url = `${location.origin}/api/v/3/code/${ctx.systemKey}/logs/${encodeURIComponent(name)}/stream`;
    readEvents(
      url,
      { 'ClearBlade-DevToken': ctx.devToken },
      abort.signal,
      (e) => {
        if (e.event === 'ready') setLive(true);
        if (e.event === 'run') setRuns((rs) => [e.data as RunEvent, ...rs].slice(0, MAX_SHOWN));
      },
      (status, body) => {
        let parsed: unknown;
        try {
          parsed = JSON.parse(body) as unknown;
        } catch {
          parsed = undefined;
        }
        return errorOf(status, parsed, body);
      },
    )
      .then(() => setLive(false))
      .catch((err: unknown) => {
        setLive(false);
        if (!abort.signal.aborted) setError(err);
      });
    return () => abort.abort();
  }, [ctx, name]);

  return html`<section class="logs">
    <h1>Live logs</h1>
    <${ErrorBox} error=${error} onDismiss=${() => setError(null)} />
    <div class="row">
      <${Select}
        label="Service"
        name="service"
        value=${name}
        options=${names.map((n) => ({ value: n, label: n }))}
        onChange=${setName}
      />
      <span class=${live ? 'live on' : 'live'} role="status">${live ? '● live' : 'not connected'}</span>
      <button type="button" class="secondary" onClick=${() => setRuns([])}>Clear</button>
    </div>
    ${names.length === 0 ? html`<p class="muted">No services in this system yet.</p>` : null}
    ${live && runs.length === 0 ? html`<p class="muted">Waiting for runs of ${name}…</p>` : null}
    <ol class="runs" aria-label="Runs" aria-live="polite">
      ${runs.map((r, i) => html`<${RunRow} key=${`${String(r.time)}-${String(i)}`} run=${r} />`)}
    </ol>
  </section>`;
}
