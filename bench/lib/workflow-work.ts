// The work every workflow-1 variant does, kept in one place so each system runs the same code
// (adapted from shared/bench/nodered/service-src.mjs): parse a JSON reading `{id, ts, sensor, temp}`,
// convert to Fahrenheit, publish `{id, ts, sensor, f, alert}`. The floor runs `convertReading` in Node;
// the micro service, the stream service and the Node-RED function node run the same lines as source text.

/** The body shared by all variants, as JavaScript source; `payload` in, `out` (a JSON string) out. */
const BODY = `var m = JSON.parse(payload);
  var f = Math.round((m.temp * 9 / 5 + 32) * 100) / 100;
  var out = JSON.stringify({ id: m.id, ts: m.ts, sensor: m.sensor, f: f, alert: f > 80 });`;

/** The in-process floor's handler: the same lines compiled in Node. */
export const convertReading = new Function('payload', `${BODY}\n  return out;`) as (
  payload: string,
) => string;

/** Workflow 1's micro service, run by a Messaging::Publish trigger on `in/+`. */
export const TRIGGER_SOURCE = `function convert(req, resp) {
  var payload = req.params.body;
  ${BODY}
  ClearBlade.Messaging().publish('out/' + req.params.topic.slice(3), out);
  resp.success('');
}`;

/** The same work in a stream service's waitForMessage loop (`sin/+` → `sout/+`). */
export const STREAM_SOURCE = `function streamConvert(req, resp) {
  var msg = ClearBlade.Messaging();
  msg.subscribe('sin/+', function () {});
  while (true) {
    msg.waitForMessage(['sin/+'], function (err, payload, topic) {
      if (err) return;
      ${BODY}
      msg.publish('sout/' + topic.slice(4), out);
    });
  }
}`;

/** Node-RED's function node body: `msg` in, the message to send out. */
export const NODE_RED_FUNCTION = `var payload = msg.payload;
${BODY}
return { topic: 'out/' + msg.topic.slice(3), payload: out };`;

/** A reading as the load generator sends it; `ts` is the send time (ms, the generator's clock). */
export function readingPayload(id: number, ts: number): Buffer {
  return Buffer.from(
    `{"id":${String(id)},"ts":${ts.toFixed(3)},"sensor":"s-${String(id & 15)}","temp":${String(15 + (id % 20))}.5}`,
  );
}

/** The send time carried in an output payload (`"ts":` is its second field). */
export function sentAt(payload: Buffer): number {
  const text = payload.toString('latin1');
  const at = text.indexOf('"ts":') + 5;
  return Number(text.slice(at, text.indexOf(',', at)));
}
