// Edges: the registry with each edge's connected state, registering one (its token shown once), deploying
// and undeploying assets, and the sync status the platform publishes on $notification/sync/# (watched live
// over MQTT on WebSocket).
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from '../ctx.js';
import { payloadText, subscribe, useMqtt, type Received } from '../mqtt.js';
import { useOutcome } from '../outcome.js';
import { ErrorBox, Field, PanelForm, Select, StatusLine, actionsColumn, html, table } from '../ui.js';
import './pages.css';

interface EdgeJson {
  readonly name: string;
  readonly description: string;
  readonly isConnected: boolean;
  readonly last_seen: number | null;
  readonly token?: string;
}

interface Asset {
  readonly asset_class: string;
  readonly asset_id: string;
}

const CLASSES = ['service', 'library', 'trigger', 'timer'].map((c) => ({ value: c, label: c }));
const SYNC_TOPIC = '$notification/sync/#';

/** The Edges page of the console. */
export function EdgesPage({ ctx }: PageProps): VNode {
  const sk = ctx.systemKey;
  const mqtt = useMqtt(ctx);
  const [edges, setEdges] = useState<EdgeJson[]>([]);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [token, setToken] = useState<{ edge: string; token: string } | undefined>(undefined);
  const [selected, setSelected] = useState<string | undefined>(undefined);
  const [assets, setAssets] = useState<Asset[]>([]);
  const [assetClass, setAssetClass] = useState('service');
  const [assetId, setAssetId] = useState('');
  const [sync, setSync] = useState<Received[]>([]);
  const outcome = useOutcome();
  const { error, setError } = outcome;

  const load = (): void => {
    ctx.api.get<EdgeJson[]>(`/admin/edges/${sk}`).then(setEdges, setError);
  };
  useEffect(load, [sk]);
  const loadAssets = (edge: string): void => {
    ctx.api.get<Asset[]>(`/admin/edges/sync/${sk}/${encodeURIComponent(edge)}`).then(setAssets, setError);
  };
  useEffect(() => {
    if (selected !== undefined) loadAssets(selected);
  }, [selected]);

  const client = mqtt.client;
  useEffect(() => {
    if (client === undefined || mqtt.state !== 'connected') return;
    const on = (t: string, p: Uint8Array, packet: { qos: number; retain: boolean }): void => {
      if (!t.startsWith('$notification/sync/')) return;
      const m = { topic: t, payload: payloadText(p), qos: packet.qos, retain: packet.retain, at: Date.now() };
      setSync((all) => [m, ...all].slice(0, 100));
      // A sync report may change the connected state or the deployed list: read them again.
      load();
    };
    client.on('message', on);
    subscribe(client, SYNC_TOPIC, 0).catch(setError);
    return () => {
      client.off('message', on);
    };
  }, [client, mqtt.state]);

  const reload = (): void => {
    load();
    if (selected !== undefined) loadAssets(selected);
  };
  const act = (what: string, call: () => Promise<unknown>): Promise<void> => outcome.act(what, call, reload);
  const register = (e: Event): void => {
    e.preventDefault();
    void act(`Registered edge ${name}`, async () => {
      const r = await ctx.api.post<EdgeJson>(`/admin/edges/${sk}`, { name, description });
      if (r.token !== undefined) setToken({ edge: r.name, token: r.token });
      setName('');
      setDescription('');
    });
  };
  const deploy = (e: Event): void => {
    e.preventDefault();
    if (selected === undefined) return;
    const edge = selected;
    void act(`Deployed ${assetClass} ${assetId} to ${edge}`, () =>
      ctx.api.put(`/admin/edges/sync/${sk}/${encodeURIComponent(edge)}`, {
        add: [{ asset_class: assetClass, asset_id: assetId }],
      }),
    );
  };
  const resetToken = (edge: string): void =>
    void act(`New token for ${edge}`, async () => {
      const r = await ctx.api.put<EdgeJson>(`/admin/edges/${sk}/${encodeURIComponent(edge)}`, {
        reset_token: true,
      });
      if (r.token !== undefined) setToken({ edge, token: r.token });
    });
  const undeploy = (edge: string, a: Asset): void =>
    void act(`Removed ${a.asset_class} ${a.asset_id} from ${edge}`, () =>
      ctx.api.put(`/admin/edges/sync/${sk}/${encodeURIComponent(edge)}`, { remove: [a] }),
    );

  return html`<section class="page edges">
    <h1>Edges</h1>
    <${ErrorBox} error=${error} onDismiss=${() => setError(null)} />
    <${ErrorBox} error=${mqtt.error} />
    <${StatusLine} status=${outcome.status} />
    ${
      token === undefined
        ? null
        : html`<div class="panel" role="alert">
            Token of edge <b>${token.edge}</b> (shown once; the edge starts with it as ISOBAR_EDGE_TOKEN):
            <code class="payload">${token.token}</code>
            <button type="button" class="link" onClick=${() => setToken(undefined)}>Hide</button>
          </div>`
    }
    ${table({ label: 'Edges', rows: edges, rowKey: (e) => e.name, empty: 'No edge registered yet.' }, [
      { title: 'Name', cell: (e) => e.name },
      {
        title: 'State',
        cell: (e) =>
          html`<span class=${e.isConnected ? 'yes' : 'no'}
            >${e.isConnected ? 'connected' : 'disconnected'}</span
          >`,
      },
      {
        title: 'Last seen',
        cell: (e) => (e.last_seen === null ? 'never' : new Date(e.last_seen).toLocaleString()),
      },
      { title: 'Description', cell: (e) => e.description },
      actionsColumn((e) => [
        { label: 'Assets', name: `Assets of ${e.name}`, onClick: () => setSelected(e.name) },
        { label: 'Reset token', name: `Reset token of ${e.name}`, onClick: () => resetToken(e.name) },
        {
          label: 'Remove',
          name: `Remove edge ${e.name}`,
          onClick: () =>
            void act(`Removed edge ${e.name}`, async () => {
              await ctx.api.del(`/admin/edges/${sk}/${encodeURIComponent(e.name)}`);
              if (selected === e.name) setSelected(undefined);
            }),
        },
      ]),
    ])}
    <${PanelForm} label="Register an edge" title="Register an edge" submit="Register edge" onSubmit=${register}>
      <${Field} label="Edge name" value=${name} required=${true} onInput=${setName} />
      <${Field} label="Edge description" value=${description} onInput=${setDescription} />
    </${PanelForm}>
    ${
      selected === undefined
        ? null
        : html`<section class="panel" aria-label=${`Assets deployed to ${selected}`}>
            <h2>Assets deployed to ${selected}</h2>
            ${table(
              {
                label: 'Deployed assets',
                rows: assets,
                rowKey: (a) => `${a.asset_class}/${a.asset_id}`,
                empty: 'Nothing deployed to this edge.',
              },
              [
                { title: 'Kind', cell: (a) => a.asset_class },
                { title: 'Name', cell: (a) => a.asset_id },
                actionsColumn((a) => [
                  {
                    label: 'Undeploy',
                    name: `Undeploy ${a.asset_class} ${a.asset_id}`,
                    onClick: () => undeploy(selected, a),
                  },
                ]),
              ],
            )}
            <form class="row" aria-label="Deploy an asset" onSubmit=${deploy}>
              <${Select}
                label="Asset kind"
                value=${assetClass}
                options=${CLASSES}
                onChange=${setAssetClass}
              />
              <${Field} label="Asset name" value=${assetId} required=${true} onInput=${setAssetId} />
              <button type="submit">Deploy</button>
            </form>
          </section>`
    }
    <h2>Sync status <span class="muted">(live: ${SYNC_TOPIC}, ${mqtt.state})</span></h2>
    ${table(
      {
        label: 'Sync status',
        rows: sync,
        rowKey: (m) => `${String(m.at)}-${m.payload}`,
        empty: 'No sync report since this page opened.',
      },
      [
        { title: 'Time', cell: (m) => new Date(m.at).toLocaleTimeString() },
        { title: 'Topic', cell: (m) => html`<code>${m.topic}</code>` },
        { title: 'Report', cell: (m) => html`<code class="payload">${m.payload}</code>` },
      ],
    )}
  </section>`;
}
