// A small server-sent-events reader over node:http for the platform's live tails (the service log stream):
// it opens the stream with the client's headers, parses `event:`/`data:` frames and hands each to a
// listener. A refusal (4xx/5xx before the stream starts) rejects like the REST client does (RestError).
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { errorOf, parseBody, type RestClient } from './rest-client.js';

/** One frame: its `event:` name (default "message") and its `data:` parsed as JSON (else the text). */
export interface StreamEvent {
  readonly event: string;
  readonly data: unknown;
}

export interface EventStream {
  /** Resolves when the server closed the stream (or `close()` was called). */
  readonly ended: Promise<void>;
  close(): void;
}

/** Parses complete frames out of `buffer`; answers them and the unfinished rest. */
export function parseFrames(buffer: string): { events: StreamEvent[]; rest: string } {
  const events: StreamEvent[] = [];
  const parts = buffer.replace(/\r\n/g, '\n').split('\n\n');
  const rest = parts.pop() ?? '';
  for (const part of parts) {
    let event = 'message';
    const data: string[] = [];
    for (const line of part.split('\n')) {
      if (line.startsWith(':')) continue;
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).replace(/^ /, ''));
    }
    if (data.length === 0) continue;
    const text = data.join('\n');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // Not JSON: the text as it came.
    }
    events.push({ event, data: parsed });
  }
  return { events, rest };
}

/** Opens `path` on the client's platform as an event stream; resolves once the server answered 200. */
export function openEventStream(
  client: RestClient,
  path: string,
  onEvent: (event: StreamEvent) => void,
): Promise<EventStream> {
  const target = new URL(path, client.url).toString();
  const send = target.startsWith('https:') ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(target, { method: 'GET', headers: { ...client.headers, accept: 'text/event-stream' } });
    req.on('error', reject);
    req.on('response', (res: IncomingMessage) => {
      const status = res.statusCode ?? 0;
      if (status !== 200) {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          reject(errorOf({ status, body: parseBody(text), text, headers: {} }));
        });
        return;
      }
      res.setEncoding('utf8');
      let buffer = '';
      const ended = new Promise<void>((done) => {
        res.on('close', done);
        res.on('end', done);
      });
      res.on('data', (chunk: string) => {
        const { events, rest } = parseFrames(buffer + chunk);
        buffer = rest;
        for (const e of events) onEvent(e);
      });
      resolve({ ended, close: () => req.destroy() });
    });
    req.end();
  });
}
