// The console shell: sign-in, system picker (and create), nav and the hash router over the page table.
// Routes: `#/` the systems, `#/<systemKey>/<pageId>` a page of a system. Hash routing keeps every URL served
// by the one index.html, so a reload or a shared link opens the same page.
import './app.css';
import { render, type VNode } from 'preact';
import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { createApi, type Api, type ApiError } from './api.js';
import type { Ctx } from './ctx.js';
import { pages } from './pages/index.js';
import { ErrorBox, Field, html, table } from './ui.js';

const TOKEN_KEY = 'isobar.devToken';
const EMAIL_KEY = 'isobar.email';

/** A system as `/admin/allsystems` answers it. */
interface SystemJson {
  appID: string;
  appSecret: string;
  name: string;
  description?: string;
}

interface Route {
  systemKey?: string;
  pageId?: string;
}

function parseHash(hash: string): Route {
  const [systemKey, pageId] = hash.replace(/^#\/?/, '').split('/');
  return systemKey === undefined || systemKey === '' ? {} : { systemKey, pageId: pageId || pages[0].id };
}

function useRoute(): Route {
  const [route, setRoute] = useState(() => parseHash(location.hash));
  useEffect(() => {
    const on = (): void => setRoute(parseHash(location.hash));
    addEventListener('hashchange', on);
    return () => removeEventListener('hashchange', on);
  }, []);
  return route;
}

/** The whole app: signed out → sign-in form; signed in → systems or a system's page. */
function App(): VNode {
  // sessionStorage: the token lives as long as the tab, not on disk across browser restarts.
  const [token, setToken] = useState<string | undefined>(
    () => sessionStorage.getItem(TOKEN_KEY) ?? undefined,
  );
  const [expired, setExpired] = useState<ApiError | null>(null);
  const signOut = useCallback((why: ApiError | null) => {
    sessionStorage.removeItem(TOKEN_KEY);
    setToken(undefined);
    setExpired(why);
  }, []);
  const api = useMemo(
    () => createApi({ base: location.origin, token: () => token, onUnauthorized: (e) => signOut(e) }),
    [token, signOut],
  );
  if (token === undefined) {
    return html`<${SignIn}
      api=${api}
      notice=${expired}
      onSignedIn=${(t: string) => {
        sessionStorage.setItem(TOKEN_KEY, t);
        setExpired(null);
        setToken(t);
      }}
    />`;
  }
  return html`<${SignedIn}
    api=${api}
    token=${token}
    onSignOut=${() => {
      // Revoke the token on the platform too; the UI signs out whatever the answer.
      api.post('/admin/logout').catch(() => undefined);
      signOut(null);
    }}
  />`;
}

function SignIn(props: { api: Api; notice: ApiError | null; onSignedIn: (token: string) => void }): VNode {
  const [email, setEmail] = useState(() => localStorage.getItem(EMAIL_KEY) ?? '');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>(props.notice);
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const r = await props.api.post<{ dev_token: string }>('/admin/auth', { email, password });
      localStorage.setItem(EMAIL_KEY, email);
      props.onSignedIn(r.dev_token);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<main class="signin">
    <form onSubmit=${submit} aria-label="Sign in">
      <h1>Isobar</h1>
      <p class="muted">Sign in as a developer (the admin account is printed at first start).</p>
      <${ErrorBox} error=${error} />
      <${Field}
        label="Email"
        name="email"
        type="email"
        value=${email}
        onInput=${setEmail}
        required
        autocomplete="username"
      />
      <${Field}
        label="Password"
        name="password"
        type="password"
        value=${password}
        onInput=${setPassword}
        required
        autocomplete="current-password"
      />
      <button type="submit" disabled=${busy}>Sign in</button>
    </form>
  </main>`;
}

function SignedIn(props: { api: Api; token: string; onSignOut: () => void }): VNode {
  const route = useRoute();
  const [systems, setSystems] = useState<SystemJson[] | null>(null);
  const [error, setError] = useState<unknown>(null);
  const reload = useCallback(async () => {
    try {
      setSystems(await props.api.get<SystemJson[]>('/admin/allsystems'));
      setError(null);
    } catch (err) {
      setError(err);
    }
  }, [props.api]);
  useEffect(() => {
    void reload();
  }, [reload]);
  const system = systems?.find((s) => s.appID === route.systemKey);
  const ctx = useMemo<Ctx | undefined>(
    () =>
      system === undefined
        ? undefined
        : {
            api: props.api,
            systemKey: system.appID,
            systemSecret: system.appSecret,
            systemName: system.name,
            devToken: props.token,
            navigate: (id: string) => {
              location.hash = `#/${system.appID}/${id}`;
            },
          },
    [system, props.api, props.token],
  );
  const page = pages.find((p) => p.id === route.pageId) ?? pages[0];
  return html`<div class="app">
    <header class="top">
      <a class="brand" href="#/">Isobar</a>
      ${
        systems !== null && systems.length > 0
          ? html`<label class="system-switch">
              <span class="sr-only">System</span>
              <select
                aria-label="System"
                value=${route.systemKey ?? ''}
                onChange=${(e: Event) => {
                  const key = (e.currentTarget as HTMLSelectElement).value;
                  location.hash = key === '' ? '#/' : `#/${key}/${page.id}`;
                }}
              >
                <option value="">All systems…</option>
                ${systems.map((s) => html`<option value=${s.appID}>${s.name}</option>`)}
              </select>
            </label>`
          : null
      }
      <span class="spacer"></span>
      <a href="/docs" target="_blank" rel="noopener">API docs</a>
      <button type="button" class="link" onClick=${props.onSignOut}>Sign out</button>
    </header>
    ${
      ctx === undefined
        ? html`<main class="content">
            <${ErrorBox} error=${error} />
            ${
              route.systemKey !== undefined && systems !== null
                ? html`<${ErrorBox} error=${new Error(`No system ${route.systemKey} among yours`)} />`
                : null
            }
            <${Systems} api=${props.api} systems=${systems} onCreated=${reload} />
          </main>`
        : html`<div class="with-nav">
            <nav aria-label="Pages">
              <ul>
                ${pages.map(
                  (p) =>
                    html`<li>
                      <a
                        href=${`#/${ctx.systemKey}/${p.id}`}
                        aria-current=${p.id === page.id ? 'page' : undefined}
                        >${p.title}</a
                      >
                    </li>`,
                )}
              </ul>
            </nav>
            <main class="content" key=${`${ctx.systemKey}/${page.id}`}>
              <${page.component} ctx=${ctx} />
            </main>
          </div>`
    }
  </div>`;
}

function Systems(props: { api: Api; systems: SystemJson[] | null; onCreated: () => Promise<void> }): VNode {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [error, setError] = useState<unknown>(null);
  const create = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    try {
      const s = await props.api.post<SystemJson>('/admin/systemmanagement', { name, description });
      setName('');
      setDescription('');
      await props.onCreated();
      location.hash = `#/${s.appID}/${pages[0].id}`;
    } catch (err) {
      setError(err);
    }
  };
  return html`<section>
    <h1>Systems</h1>
    ${
      props.systems === null
        ? html`<p class="muted">Loading…</p>`
        : table(
            {
              label: 'Systems',
              rows: props.systems,
              rowKey: (s) => s.appID,
              empty: 'No systems yet: create one below.',
            },
            [
              { title: 'Name', cell: (s) => html`<a href=${`#/${s.appID}/${pages[0].id}`}>${s.name}</a>` },
              { title: 'System key', cell: (s) => html`<code>${s.appID}</code>` },
              { title: 'Description', cell: (s) => s.description ?? '' },
            ],
          )
    }
    <form class="inline" onSubmit=${create} aria-label="Create a system">
      <h2>Create a system</h2>
      <${ErrorBox} error=${error} />
      <${Field} label="Name" name="name" value=${name} onInput=${setName} required />
      <${Field} label="Description" name="description" value=${description} onInput=${setDescription} />
      <button type="submit">Create system</button>
    </form>
  </section>`;
}

const root = document.getElementById('app');
if (root !== null) render(html`<${App} />`, root);
