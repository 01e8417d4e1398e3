// Services: the list of a system's services, and for the chosen one its editor (inline compile errors,
// runtime-API completion), save (= a new version), test run, versions with diff and rollback, settings
// and — for a stream service — its instances with start/stop/restart. Everything goes through the public
// REST API (services/code/routes), so a script can do all of it too.
import type { VNode } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import type { PageProps } from '../ctx.js';
import { CodeEditor, type SourceDiagnostic } from '../code/editor.js';
import { InstancesPanel, SettingsPanel, TestRunPanel, VersionsPanel } from '../code/panels.js';
import { logsSelection, type ServiceRecord } from '../code/types.js';
import { ErrorBox, Field, html } from '../ui.js';

type Tab = 'test' | 'versions' | 'settings' | 'instances';

/** The source a new service starts from: a ClearBlade-style handler, typed so completion has types. */
export function template(name: string): string {
  return `function ${name}(req: CbServer.BasicReq, resp: CbServer.Resp) {
  log("called with " + JSON.stringify(req.params));
  resp.success("hello from ${name}");
}
`;
}

/** The Services page of the console. */
export function ServicesPage({ ctx }: PageProps): VNode {
  const sk = ctx.systemKey;
  const [names, setNames] = useState<string[]>([]);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [record, setRecord] = useState<ServiceRecord | undefined>(undefined);
  const [draft, setDraft] = useState('');
  const [shown, setShown] = useState('');
  const [diagnostics, setDiagnostics] = useState<readonly SourceDiagnostic[]>([]);
  const [newName, setNewName] = useState('');
  const [tab, setTab] = useState<Tab>('test');
  const [error, setError] = useState<unknown>(null);
  const [notice, setNotice] = useState('');

  const loadNames = useCallback(async () => {
    const r = await ctx.api.get<{ code: string[] }>(`/admin/code/v/1/${sk}`);
    setNames([...r.code].sort());
  }, [ctx, sk]);

  const open = useCallback(
    async (name: string) => {
      setError(null);
      setNotice('');
      const r = await ctx.api.get<ServiceRecord>(`/api/v/1/code/${sk}/${encodeURIComponent(name)}`);
      setSelected(name);
      setRecord(r);
      setDraft(r.code);
      setShown(r.code);
    },
    [ctx, sk],
  );

  useEffect(() => {
    loadNames().catch(setError);
  }, [loadNames]);

  const startNew = (e: Event) => {
    e.preventDefault();
    const name = newName.trim();
    if (name === '') return;
    setSelected(name);
    setRecord(undefined);
    const code = template(name);
    setDraft(code);
    setShown(code);
    setNewName('');
    setNotice('');
    setError(null);
  };

  const save = async () => {
    if (selected === undefined) return;
    setError(null);
    try {
      const path = `/admin/code/v/1/${sk}/${encodeURIComponent(selected)}`;
      // A new service logs its runs, so its lines show in Live logs from the first test run.
      const saved =
        record === undefined
          ? await ctx.api.post<ServiceRecord>(path, { code: draft, parameters: [], logging_enabled: true })
          : await ctx.api.put<ServiceRecord>(path, { code: draft });
      setRecord(saved);
      setNotice(`Saved version ${String(saved.current_version)}`);
      await loadNames();
    } catch (err) {
      setError(err);
    }
  };

  const check = useCallback(
    async (code: string) => {
      if (selected === undefined) return [];
      const r = await ctx.api.post<{ ok: boolean; diagnostics: SourceDiagnostic[] }>(
        `/admin/code/v/1/${sk}/${encodeURIComponent(selected)}/check`,
        { code, dependencies: record?.dependencies ?? '' },
      );
      return r.diagnostics;
    },
    [ctx, sk, selected, record],
  );

  const reloaded = async (r: ServiceRecord) => {
    setRecord(r);
    setDraft(r.code);
    setShown(r.code);
    setNotice(`Now at version ${String(r.current_version)}`);
  };

  const errors = diagnostics.filter((d) => d.severity === 'error');
  const tabs: Array<[Tab, string]> = [
    ['test', 'Test run'],
    ['versions', 'Versions'],
    ['settings', 'Settings'],
  ];
  if (record?.execution_timeout === -1) tabs.push(['instances', 'Instances']);

  return html`<section class="services">
    <h1>Services</h1>
    <${ErrorBox} error=${error} onDismiss=${() => setError(null)} />
    <div class="split">
      <nav class="service-list" aria-label="Services">
        <ul>
          ${names.map(
            (n) =>
              html`<li key=${n}>
                <button
                  type="button"
                  class=${n === selected ? 'link current' : 'link'}
                  aria-current=${n === selected ? 'true' : undefined}
                  onClick=${() => open(n).catch(setError)}
                >
                  ${n}
                </button>
              </li>`,
          )}
        </ul>
        ${names.length === 0 ? html`<p class="muted">No services yet.</p>` : null}
        <form class="inline" onSubmit=${startNew}>
          <${Field} label="New service name" name="new-service" value=${newName} onInput=${setNewName} />
          <button type="submit">New service</button>
        </form>
      </nav>
      ${
        selected === undefined
          ? html`<p class="muted">Pick a service or create one.</p>`
          : html`<div class="service-detail">
              <header class="row">
                <h2>${selected}</h2>
                <span class="muted">
                  ${record === undefined ? 'not saved yet' : `version ${String(record.current_version)}`}
                  ${record?.execution_timeout === -1 ? ' · stream service' : ''}
                </span>
                <span class="spacer"></span>
                <button
                  type="button"
                  class="secondary"
                  disabled=${record === undefined}
                  onClick=${() => {
                    logsSelection.name = selected;
                    ctx.navigate('logs');
                  }}
                >
                  Live logs
                </button>
                <button type="button" onClick=${() => void save()} title="Save (a new version)">Save</button>
              </header>
              ${notice === '' ? null : html`<p class="notice" role="status">${notice}</p>`}
              <${CodeEditor}
                key=${selected}
                value=${shown}
                label=${`Source of ${selected}`}
                onChange=${setDraft}
                check=${check}
                onDiagnostics=${setDiagnostics}
                onCheckError=${setError}
              />
              <ul class="diagnostics" aria-label="Problems" aria-live="polite">
                ${diagnostics.map(
                  (d) =>
                    html`<li class=${`diagnostic ${d.severity}`}>
                      Line ${d.line}, column ${d.column}: ${d.message}
                    </li>`,
                )}
              </ul>
              ${
                errors.length === 0 && diagnostics.length === 0
                  ? html`<p class="muted checked">No problems found.</p>`
                  : null
              }
              ${
                record === undefined
                  ? null
                  : html`<div class="tabs" role="tablist">
                        ${tabs.map(
                          ([id, title]) =>
                            html`<button
                              type="button"
                              role="tab"
                              aria-selected=${tab === id ? 'true' : 'false'}
                              class=${tab === id ? 'tab current' : 'tab'}
                              onClick=${() => setTab(id)}
                            >
                              ${title}
                            </button>`,
                        )}
                      </div>
                      <div role="tabpanel">
                        ${tab === 'test' ? html`<${TestRunPanel} ctx=${ctx} service=${record} />` : null}
                        ${
                          tab === 'versions'
                            ? html`<${VersionsPanel}
                                ctx=${ctx}
                                service=${record}
                                draft=${draft}
                                onRolledBack=${reloaded}
                              />`
                            : null
                        }
                        ${
                          tab === 'settings'
                            ? html`<${SettingsPanel} ctx=${ctx} service=${record} onSaved=${reloaded} />`
                            : null
                        }
                        ${tab === 'instances' ? html`<${InstancesPanel} ctx=${ctx} service=${record} />` : null}
                      </div>`
              }
            </div>`
      }
    </div>
  </section>`;
}
