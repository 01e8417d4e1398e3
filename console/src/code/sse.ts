// Server-sent events over fetch: EventSource cannot send the ClearBlade-DevToken header, so the console
// reads the stream itself. Frames are `event: x\ndata: json\n\n`; comment lines (keep-alives) are skipped.

/** One event of the stream. */
export interface SseEvent {
  readonly event: string;
  readonly data: unknown;
}

/** Parses complete frames off the front of `buffer`; answers them and the unparsed rest. */
export function parseFrames(buffer: string): { events: SseEvent[]; rest: string } {
  const events: SseEvent[] = [];
  const frames = buffer.split('\n\n');
  const rest = frames.pop() ?? '';
  for (const frame of frames) {
    let event = 'message';
    const data: string[] = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length === 0) continue;
    const text = data.join('\n');
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text) as unknown;
    } catch {
      // Not JSON: keep the text.
    }
    events.push({ event, data: parsed });
  }
  return { events, rest };
}

/**
 * Reads `url` as an event stream until `signal` aborts or the server ends it; `onEvent` gets each event.
 * Rejects with the HTTP answer when it is not a stream (the caller shows it).
 */
export async function readEvents(
  url: string,
  headers: Record<string, string>,
  signal: AbortSignal,
  onEvent: (e: SseEvent) => void,
  onError: (status: number, body: string) => Error,
): Promise<void> {
  const res = await fetch(url, { headers: { accept: 'text/event-stream', ...headers }, signal });
  if (!res.ok || res.body === null) throw onError(res.status, await res.text());
  const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    const parsed = parseFrames(buffer + value);
    buffer = parsed.rest;
    for (const e of parsed.events) onEvent(e);
  }
}
