// Every run visible to its author (docs/security/run-visibility.md): failed runs of every source are kept with their
// code, text and position in the author's source whether or not the service logs its runs, readable over
// REST and told live over server-sent events; TypeScript positions come back through the bundle's map.
import { expect } from 'chai';
import { createRestClient } from '../../../bin/cli/rest-client.js';
import { openEventStream, type EventStream, type StreamEvent } from '../../../bin/cli/event-stream.js';
import { startRig, type Rig } from '../automation/rig.js';

interface RunEventBody {
  source: string;
  success: boolean;
  code?: string;
  message?: string;
  position?: { file: string; line: number; column: number };
  duration: number | null;
  logs?: Array<{ message: string }>;
}

interface LogRow {
  source?: string;
  success: boolean | null;
  code?: string;
  message?: string;
  position?: { file: string; line: number; column: number };
  stack?: string;
  log: string;
}

/** Watches one service's live tail; `next()` waits (bounded) for the next `run` event. */
async function watch(
  rig: Rig,
  name: string,
): Promise<{ next(): Promise<RunEventBody>; stream: EventStream }> {
  const client = createRestClient(rig.tp.url, { 'ClearBlade-DevToken': rig.devToken });
  const queued: RunEventBody[] = [];
  const waiting: Array<(e: RunEventBody) => void> = [];
  let ready: () => void = () => undefined;
  const isReady = new Promise<void>((resolve) => (ready = resolve));
  const stream = await openEventStream(
    client,
    `/api/v/3/code/${rig.ws.systemKey}/logs/${name}/stream`,
    (e: StreamEvent) => {
      if (e.event === 'ready') ready();
      if (e.event !== 'run') return;
      const body = e.data as RunEventBody;
      const w = waiting.shift();
      if (w === undefined) queued.push(body);
      else w(body);
    },
  );
  await isReady;
  return {
    stream,
    next: () => {
      const q = queued.shift();
      if (q !== undefined) return Promise.resolve(q);
      return new Promise<RunEventBody>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error('no run event within 5 s')), 5000);
        waiting.push((e) => {
          clearTimeout(timer);
          resolve(e);
        });
      });
    },
  };
}

describe('failed runs and the live tail', () => {
  let rig: Rig;
  const streams: EventStream[] = [];
  beforeEach(async () => {
    rig = await startRig();
  });
  afterEach(async () => {
    for (const s of streams.splice(0)) s.close();
    await rig.close();
  });

  const logsOf = async (name: string, query = '') =>
    (await rig.dev.call('GET', `/codeadmin/v/2/logs/${rig.ws.systemKey}/${name}${query}`)) as LogRow[];

  it('keeps a failing trigger run with its code, text and line, over REST and live, with logging off', async () => {
    const sk = rig.ws.systemKey;
    await rig.dev.call('POST', `/admin/code/v/1/${sk}/failing`, {
      code: "function failing(req, resp) {\n  var t = req.params.topic;\n  throw new Error('no ' + t);\n}",
      parameters: [],
    });
    await rig.onPublish('failingTrigger', 'in/+', 'failing');
    const tail = await watch(rig, 'failing');
    streams.push(tail.stream);
    const client = await rig.mqtt(rig.devToken, 'run-logs-test');
    await client.publishAsync('in/1', 'x');

    const event = await tail.next();
    expect(event).to.include({
      source: 'trigger',
      success: false,
      code: 'CB_ERR_SANDBOX_UNCAUGHT',
      message: 'Error: no in/1',
    });
    expect(event.position).to.include({ file: 'failing.ts', line: 3 });

    const rows = await logsOf('failing');
    expect(rows).to.have.length(1);
    expect(rows[0]).to.include({ source: 'trigger', success: false, code: 'CB_ERR_SANDBOX_UNCAUGHT' });
    expect(rows[0].message).to.equal('Error: no in/1');
    expect(rows[0].position).to.include({ line: 3 });
    expect(await logsOf('failing', '?failed=true')).to.have.length(1);
  });

  it('names line 4 of a TypeScript service in the position, the stack and logged stacks', async () => {
    const sk = rig.ws.systemKey;
    const code = [
      'interface P { n: number }',
      'export default function Boom(req: { params: P }, resp: unknown): void {',
      "  log(new Error('here').stack ?? '');",
      "  throw new Error('bad ' + String(req.params.n));",
      '}',
    ].join('\n');
    await rig.dev.call('POST', `/admin/code/v/1/${sk}/Boom`, { code, parameters: [] });
    const tail = await watch(rig, 'Boom');
    streams.push(tail.stream);
    const ran = (await rig.dev.call('POST', `/api/v/1/code/${sk}/Boom`, { n: 3 })) as {
      success: boolean;
      results: string;
    };
    // The REST answer stays ClearBlade's.
    expect(ran).to.include({ success: false, results: 'Error: bad 3' });

    const event = await tail.next();
    expect(event).to.include({ source: 'rest', success: false, code: 'CB_ERR_SANDBOX_UNCAUGHT' });
    expect(event.position).to.include({ file: 'Boom.ts', line: 4 });
    // A failed run keeps its logs: the logged stack names the author's line 3, not the bundle's.
    expect(event.logs?.[0].message).to.match(/Boom\.ts:3:\d+/);
    expect(event.logs?.[0].message).not.to.match(/Boom\.js:/);
    const [row] = await logsOf('Boom');
    expect(row.stack).to.match(/Boom\.ts:4:\d+/);
    expect(row.position).to.include({ file: 'Boom.ts', line: 4 });
  });

  it('records a stream instance that crashes at start, as source stream', async () => {
    const sk = rig.ws.systemKey;
    const tail = await watch(rig, 'Crash').catch(() => undefined);
    // The service does not exist yet: the tail refuses it, so watch once it is saved as a micro service.
    expect(tail).to.equal(undefined);
    await rig.dev.call('POST', `/admin/code/v/1/${sk}/Crash`, {
      code: 'function Crash(req, resp) { resp.success(1); }',
      parameters: [],
    });
    const live = await watch(rig, 'Crash');
    streams.push(live.stream);
    await rig.dev.call('PUT', `/admin/code/v/1/${sk}/Crash`, {
      code: "function Crash(req, resp) {\n  throw new Error('cannot start');\n}",
      execution_timeout: -1,
      auto_restart: false,
    });
    const event = await live.next();
    expect(event).to.include({ source: 'stream', success: false, message: 'Error: cannot start' });
    expect(event.position).to.include({ line: 2 });
    const [row] = await logsOf('Crash', '?failed=true');
    expect(row).to.include({ source: 'stream', success: false, message: 'Error: cannot start' });
  });
});
