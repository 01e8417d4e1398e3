// Stored message history (REST): the topics with stored messages (`currentTopics`) and, for one, its newest
// messages. What is stored at all is the system's storage setting (`/api/v/4/message/{sk}/storage`).
import type { VNode } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import type { PageProps } from '../ctx.js';
import { ErrorBox, html, table } from '../ui.js';

/** One stored message as `GET /api/v/1/message/{sk}` answers it. */
interface StoredMessage {
  readonly id: string;
  readonly topicid: string;
  readonly time_ms?: number;
  readonly time: number;
  readonly payload?: string;
  readonly payload_base64?: string;
  readonly userid?: string;
  readonly qos: number;
}

/** The history section of the Messages page. */
export function MessageHistory({ ctx }: PageProps): VNode {
  const sk = ctx.systemKey;
  const [topics, setTopics] = useState<string[] | undefined>(undefined);
  const [topic, setTopic] = useState<string | undefined>(undefined);
  const [rows, setRows] = useState<StoredMessage[]>([]);
  const [error, setError] = useState<unknown>(null);

  const loadTopics = (): void => {
    setError(null);
    ctx.api
      .get<string[]>(`/api/v/1/message/${sk}/currentTopics`)
      .then((t) => setTopics([...t].sort()), setError);
  };
  useEffect(loadTopics, [sk]);

  const open = (t: string): void => {
    setTopic(t);
    setError(null);
    const q = new URLSearchParams({ topic: t, count: '50' });
    ctx.api.get<StoredMessage[]>(`/api/v/1/message/${sk}?${q.toString()}`).then(setRows, setError);
  };

  return html`<section class="history" aria-label="Message history">
    <h2>
      Message history
      <button type="button" class="secondary" onClick=${loadTopics}>Refresh topics</button>
    </h2>
    <${ErrorBox} error=${error} onDismiss=${() => setError(null)} />
    ${
      topics === undefined
        ? html`<p class="muted">Loading…</p>`
        : topics.length === 0
          ? html`<p class="muted">
              No stored messages (which topics are stored is the system's storage setting).
            </p>`
          : html`<ul class="chips" aria-label="Stored topics">
              ${topics.map(
                (t) =>
                  html`<li key=${t}>
                    <button type="button" class=${t === topic ? '' : 'secondary'} onClick=${() => open(t)}>
                      ${t}
                    </button>
                  </li>`,
              )}
            </ul>`
    }
    ${
      topic === undefined
        ? null
        : table(
            {
              label: `History of ${topic}`,
              rows: rows,
              rowKey: (m) => m.id,
              empty: 'No message stored for this topic.',
            },
            [
              { title: 'Time', cell: (m) => new Date(m.time_ms ?? m.time * 1000).toLocaleString() },
              {
                title: 'Payload',
                cell: (m) =>
                  html`<code class="payload">${m.payload ?? `base64:${m.payload_base64 ?? ''}`}</code>`,
              },
              { title: 'QoS', cell: (m) => String(m.qos) },
              { title: 'From', cell: (m) => m.userid ?? '' },
            ],
          )
    }
  </section>`;
}
