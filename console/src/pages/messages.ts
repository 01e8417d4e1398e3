// Messages: a topic explorer over MQTT on WebSocket as the developer — subscribe to filters and watch
// messages arrive live, publish with QoS and retain, see the retained topics the subscriptions delivered,
// and browse stored history (REST, message-history.ts).
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from '../ctx.js';
import { publish, subscribe, unsubscribe, useMqtt, payloadText, type Received } from '../mqtt.js';
import { ErrorBox, Field, Select, TextArea, html, table } from '../ui.js';
import { MessageHistory } from './message-history.js';
import './pages.css';

/** Live messages kept in the page (oldest dropped first) so a busy topic cannot grow the tab without end. */
const KEEP = 500;

const QOS_OPTIONS = [
  { value: '0', label: 'QoS 0' },
  { value: '1', label: 'QoS 1' },
  { value: '2', label: 'QoS 2' },
];

/** The Messages page of the console. */
export function MessagesPage({ ctx }: PageProps): VNode {
  const mqtt = useMqtt(ctx);
  const client = mqtt.client;
  const [filters, setFilters] = useState<string[]>([]);
  const [filter, setFilter] = useState('#');
  const [messages, setMessages] = useState<Received[]>([]);
  const [retained, setRetained] = useState<ReadonlyMap<string, Received>>(new Map());
  const [error, setError] = useState<unknown>(null);
  const [topic, setTopic] = useState('');
  const [payload, setPayload] = useState('');
  const [qos, setQos] = useState('0');
  const [retain, setRetain] = useState(false);
  const [sent, setSent] = useState('');

  useEffect(() => {
    if (client === undefined) return;
    const on = (t: string, p: Uint8Array, packet: { qos: number; retain: boolean }): void => {
      const m: Received = {
        topic: t,
        payload: payloadText(p),
        qos: packet.qos,
        retain: packet.retain,
        at: Date.now(),
      };
      setMessages((all) => [m, ...all].slice(0, KEEP));
      if (m.retain) setRetained((r) => new Map(r).set(t, m));
    };
    client.on('message', on);
    return () => {
      client.off('message', on);
    };
  }, [client]);

  const onSubscribe = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    if (client === undefined || filters.includes(filter)) return;
    try {
      await subscribe(client, filter, 0);
      setFilters((f) => [...f, filter]);
    } catch (err) {
      setError(err);
    }
  };
  const onUnsubscribe = async (f: string): Promise<void> => {
    setError(null);
    if (client === undefined) return;
    try {
      await unsubscribe(client, f);
      setFilters((all) => all.filter((x) => x !== f));
    } catch (err) {
      setError(err);
    }
  };
  const onPublish = async (e: Event): Promise<void> => {
    e.preventDefault();
    setError(null);
    setSent('');
    if (client === undefined) return;
    try {
      const q = Number(qos) as 0 | 1 | 2;
      await publish(client, topic, payload, { qos: q, retain });
      setSent(`Published to ${topic}${retain ? ' (retained)' : ''}`);
    } catch (err) {
      setError(err);
    }
  };

  const ready = mqtt.state === 'connected';
  return html`<section class="page messages">
    <h1>Messages</h1>
    <p class="muted">
      MQTT over WebSocket as you (developer token, system ${ctx.systemName}):
      <span role="status" class=${`conn conn-${mqtt.state}`}>${mqtt.state}</span>
    </p>
    <${ErrorBox} error=${mqtt.error} />
    <${ErrorBox} error=${error} onDismiss=${() => setError(null)} />
    <div class="two-col">
      <form class="panel" aria-label="Subscribe" onSubmit=${onSubscribe}>
        <h2>Subscribe</h2>
        <${Field} label="Topic filter" name="filter" value=${filter} onInput=${setFilter} />
        <button type="submit" disabled=${!ready}>Subscribe</button>
        <ul class="chips" aria-label="Subscriptions">
          ${filters.map(
            (f) =>
              html`<li key=${f}>
                <code>${f}</code>
                <button
                  type="button"
                  class="link"
                  aria-label=${`Unsubscribe ${f}`}
                  onClick=${() => void onUnsubscribe(f)}
                >
                  ×
                </button>
              </li>`,
          )}
        </ul>
      </form>
      <form class="panel" aria-label="Publish" onSubmit=${onPublish}>
        <h2>Publish</h2>
        <${Field} label="Topic" name="topic" value=${topic} onInput=${setTopic} required=${true} />
        <${TextArea} label="Payload" name="payload" value=${payload} onInput=${setPayload} rows=${3} />
        <div class="row">
          <${Select} label="QoS" name="qos" value=${qos} options=${QOS_OPTIONS} onChange=${setQos} />
          <label class="check">
            <input
              type="checkbox"
              checked=${retain}
              onChange=${(e: Event) => setRetain((e.currentTarget as HTMLInputElement).checked)}
            />
            Retain
          </label>
          <button type="submit" disabled=${!ready || topic === ''}>Publish</button>
        </div>
        ${sent === '' ? null : html`<p role="status" class="ok">${sent}</p>`}
      </form>
    </div>
    <h2>Live messages <span class="muted">(newest first, last ${KEEP})</span></h2>
    ${table(
      {
        label: 'Live messages',
        rows: messages,
        rowKey: (m) => `${String(m.at)}-${m.topic}-${m.payload.slice(0, 20)}`,
        empty: filters.length === 0 ? 'Subscribe to a filter to watch messages arrive.' : 'No message yet.',
      },
      [
        { title: 'Time', cell: (m) => new Date(m.at).toLocaleTimeString() },
        { title: 'Topic', cell: (m) => html`<code>${m.topic}</code>` },
        { title: 'Payload', cell: (m) => html`<code class="payload">${m.payload}</code>` },
        { title: 'QoS', cell: (m) => String(m.qos) },
        { title: 'Retained', cell: (m) => (m.retain ? 'yes' : '') },
      ],
    )}
    <h2>Retained topics</h2>
    <p class="muted">Retained messages the broker handed over when a filter above was subscribed.</p>
    ${table(
      {
        label: 'Retained topics',
        rows: [...retained.values()],
        rowKey: (m) => m.topic,
        empty: 'None seen yet: subscribe to a filter (e.g. #) to receive the retained messages under it.',
      },
      [
        { title: 'Topic', cell: (m) => html`<code>${m.topic}</code>` },
        { title: 'Payload', cell: (m) => html`<code class="payload">${m.payload}</code>` },
        {
          title: '',
          cell: (m) =>
            html`<button
              type="button"
              class="secondary"
              disabled=${!ready}
              onClick=${() => {
                // An empty retained payload clears the topic's retained message [MQTT-3.3.1-10].
                if (client !== undefined)
                  publish(client, m.topic, '', { qos: 0, retain: true }).then(
                    () =>
                      setRetained((r) => {
                        const n = new Map(r);
                        n.delete(m.topic);
                        return n;
                      }),
                    setError,
                  );
              }}
            >
              Clear
            </button>`,
        },
      ],
    )}
    <${MessageHistory} ctx=${ctx} />
  </section>`;
}
