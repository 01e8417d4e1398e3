// The tabs under the service editor: Test run, Versions (diff and rollback), Settings, Instances.
import type { VNode } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { Ctx } from '../ctx.js';
import { ErrorBox, Field, TextArea, html, table } from '../ui.js';
import { diffLines } from './diff.js';
import type { RunningInstance, ServiceRecord, VersionRecord } from './types.js';

const enc = encodeURIComponent;

/** Runs the service with JSON parameters and shows its result, log and run time. */
export function TestRunPanel(props: { ctx: Ctx; service: ServiceRecord }): VNode {
  const { ctx, service } = props;
  const [params, setParams] = useState('{}');
  const [out, setOut] = useState<{ success: boolean; results: unknown; logs?: string; ms: number } | null>(
    null,
  );
  const [error, setError] = useState<unknown>(null);
  const run = async (e: Event) => {
    e.preventDefault();
    setError(null);
    let body: unknown;
    try {
      body = JSON.parse(params) as unknown;
    } catch (err) {
      setError(new Error(`Parameters are not JSON: ${String(err)}`));
      return;
    }
    const t0 = performance.now();
    try {
      const r = await ctx.api.request<{ success: boolean; results: unknown; logs?: string }>(
        'POST',
        `/api/v/1/code/${ctx.systemKey}/${enc(service.name)}`,
        body,
        { 'Logging-enabled': 'true' },
      );
      setOut({ ...r, ms: performance.now() - t0 });
    } catch (err) {
      setError(err);
    }
  };
  return html`<form class="test-run" onSubmit=${run}>
    <${TextArea} label="Parameters (JSON)" name="params" value=${params} onInput=${setParams} rows=${4} />
    <button type="submit">Run</button>
    <${ErrorBox} error=${error} />
    ${
      out === null
        ? null
        : html`<div class="run-result" data-success=${String(out.success)}>
            <p>
              <strong>${out.success ? 'Succeeded' : 'Failed'}</strong>
              <span class="muted"> in ${out.ms.toFixed(0)} ms</span>
            </p>
            <pre class="mono result" aria-label="Result">${JSON.stringify(out.results, null, 2)}</pre>
            ${
              out.logs === undefined || out.logs === ''
                ? null
                : html`<pre class="mono logs" aria-label="Run logs">${out.logs}</pre>`
            }
          </div>`
    }
  </form>`;
}

/** The version history: pick one to diff against the editor's text, roll back to it. */
export function VersionsPanel(props: {
  ctx: Ctx;
  service: ServiceRecord;
  draft: string;
  onRolledBack: (r: ServiceRecord) => Promise<void>;
}): VNode {
  const { ctx, service } = props;
  const base = `/codeadmin/v/2/history/service/${ctx.systemKey}/${enc(service.name)}`;
  const [versions, setVersions] = useState<VersionRecord[]>([]);
  const [picked, setPicked] = useState<VersionRecord | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    ctx.api.get<VersionRecord[]>(base).then((v) => setVersions([...v].reverse()), setError);
  }, [ctx, base, service.current_version]);
  const pick = async (v: number) => {
    setError(null);
    try {
      setPicked(await ctx.api.get<VersionRecord>(`${base}/${String(v)}`));
    } catch (err) {
      setError(err);
    }
  };
  const rollback = async (v: number) => {
    setError(null);
    try {
      const r = await ctx.api.post<ServiceRecord>(`${base}/rollback`, { version: v });
      setPicked(null);
      await props.onRolledBack(r);
    } catch (err) {
      setError(err);
    }
  };
  return html`<div class="versions">
    <${ErrorBox} error=${error} />
    ${table({ label: 'Versions', rows: versions, rowKey: (v) => String(v.version) }, [
      { title: 'Version', cell: (v) => `v${String(v.version)}${v.current === true ? ' (current)' : ''}` },
      {
        title: 'Saved',
        cell: (v) => (v.updated_at === undefined ? '' : new Date(v.updated_at).toLocaleString()),
      },
      {
        title: 'Note',
        cell: (v) =>
          v.rolled_back_from === null || v.rolled_back_from === undefined
            ? ''
            : `rollback to v${String(v.rolled_back_from)}`,
      },
      {
        title: '',
        cell: (v) =>
          html`<button type="button" class="secondary" onClick=${() => void pick(v.version)}>
              Diff v${v.version}
            </button>
            <button
              type="button"
              class="secondary"
              disabled=${v.current === true}
              onClick=${() => void rollback(v.version)}
            >
              Roll back to v${v.version}
            </button>`,
      },
    ])}
    ${
      picked === null
        ? null
        : html`<h3>v${picked.version} → editor</h3>
            <pre class="mono diff" aria-label="Diff">
${diffLines(picked.code, props.draft).map(
                (l) =>
                  html`<div class=${l.op === '+' ? 'add' : l.op === '-' ? 'del' : 'same'}>
                    ${l.op} ${l.text}
                  </div>`,
              )}</pre>`
    }
  </div>`;
}

/** The numeric settings in form order: field name → label. */
const NUMBER_SETTINGS = [
  ['execution_timeout', 'Execution timeout (s; -1 = stream service)'],
  ['concurrency', 'Concurrency (stream instances)'],
  ['memory_limit_mb', 'Memory limit (MB, empty = default)'],
  ['log_ttl_minutes', 'Log retention (minutes)'],
] as const;

/** Micro/stream settings; saving them makes a new version. */
export function SettingsPanel(props: {
  ctx: Ctx;
  service: ServiceRecord;
  onSaved: (r: ServiceRecord) => Promise<void>;
}): VNode {
  const { ctx, service: s } = props;
  const [f, setF] = useState({
    execution_timeout: String(s.execution_timeout),
    concurrency: String(s.concurrency ?? 1),
    memory_limit_mb:
      s.memory_limit_mb === null || s.memory_limit_mb === undefined ? '' : String(s.memory_limit_mb),
    log_ttl_minutes: String(s.log_ttl_minutes ?? 10080),
    auto_restart: s.auto_restart === true,
    strict_isolation: s.strict_isolation === true,
    allow_wasm: s.allow_wasm === true,
    logging_enabled: s.logging_enabled === true,
  });
  const [error, setError] = useState<unknown>(null);
  const set = (k: keyof typeof f) => (v: string | boolean) => setF({ ...f, [k]: v });
  const save = async (e: Event) => {
    e.preventDefault();
    setError(null);
    try {
      const r = await ctx.api.put<ServiceRecord>(`/admin/code/v/1/${ctx.systemKey}/${enc(s.name)}`, {
        execution_timeout: Number(f.execution_timeout),
        concurrency: Number(f.concurrency),
        memory_limit_mb: f.memory_limit_mb === '' ? null : Number(f.memory_limit_mb),
        log_ttl_minutes: Number(f.log_ttl_minutes),
        auto_restart: f.auto_restart,
        strict_isolation: f.strict_isolation,
        allow_wasm: f.allow_wasm,
        logging_enabled: f.logging_enabled,
      });
      await props.onSaved(r);
    } catch (err) {
      setError(err);
    }
  };
  const box = (k: 'auto_restart' | 'strict_isolation' | 'allow_wasm' | 'logging_enabled', label: string) =>
    html`<label class="check"
      ><input
        type="checkbox"
        name=${k}
        checked=${f[k]}
        onChange=${(e: Event) => set(k)((e.currentTarget as HTMLInputElement).checked)}
      />
      ${label}</label
    >`;
  return html`<form class="settings" onSubmit=${save}>
    <${ErrorBox} error=${error} />
    ${NUMBER_SETTINGS.map(
      ([k, label]) =>
        html`<${Field} key=${k} label=${label} name=${k} type="number" value=${f[k]} onInput=${set(k)} />`,
    )}
    ${box('auto_restart', 'Auto restart (stream)')}
    ${box('strict_isolation', 'Strict isolation (fresh context per run)')}
    ${box('allow_wasm', 'Allow WebAssembly')} ${box('logging_enabled', 'Log every run')}
    <button type="submit">Save settings (new version)</button>
  </form>`;
}

/** A stream service's instances: start (restart) and stop the service, stop one instance. */
export function InstancesPanel(props: { ctx: Ctx; service: ServiceRecord }): VNode {
  const { ctx, service } = props;
  const [list, setList] = useState<RunningInstance[]>([]);
  const [error, setError] = useState<unknown>(null);
  const load = useCallback(async () => {
    const all = await ctx.api.get<Record<string, RunningInstance>>(`/codeadmin/v/3/running/${ctx.systemKey}`);
    setList(Object.values(all).filter((i) => i.name === service.name));
  }, [ctx, service.name]);
  useEffect(() => {
    load().catch(setError);
  }, [load, service.current_version]);
  const act = async (f: () => Promise<unknown>) => {
    setError(null);
    try {
      await f();
      await load();
    } catch (err) {
      setError(err);
    }
  };
  const path = `/codeadmin/v/3/running/${ctx.systemKey}/${enc(service.name)}`;
  return html`<div class="instances">
    <${ErrorBox} error=${error} />
    <div class="row">
      <button type="button" onClick=${() => void act(() => ctx.api.post(`${path}/start`))}>
        ${list.length === 0 ? 'Start' : 'Restart'}
      </button>
      <button type="button" class="secondary" onClick=${() => void act(() => ctx.api.post(`${path}/stop`))}>
        Stop
      </button>
      <button type="button" class="secondary" onClick=${() => void act(load)}>Refresh</button>
    </div>
    ${table({ label: 'Instances', rows: list, rowKey: (i) => i.instanceId, empty: 'No instance running.' }, [
      { title: 'Instance', cell: (i) => html`<span class="mono">${i.instanceId.slice(0, 8)}</span>` },
      { title: 'State', cell: (i) => i.state },
      { title: 'Version', cell: (i) => `v${String(i.version)}` },
      { title: 'Restarts', cell: (i) => String(i.restarts) },
      { title: 'Last exit', cell: (i) => i.lastExit ?? '' },
      {
        title: '',
        cell: (i) =>
          html`<button
            type="button"
            class="secondary"
            onClick=${() => void act(() => ctx.api.del(`/codeadmin/v/3/running/${ctx.systemKey}`, { id: i.instanceId }))}
          >
            Stop instance
          </button>`,
      },
    ])}
  </div>`;
}
