// The ONLY host functions user code can reach. One function per context, behind an isolated-vm Reference the
// prelude keeps in a closure. Every argument arrives as a primitive and is checked here; every answer leaves
// as a string. Errors never escape as exceptions: waited calls answer ANSWER_ERR + message.

import { randomBytes } from 'node:crypto';
import { BRIDGE_OPS } from '../runtime-api/bridge-ops.js';
import { isIsobarError, IsobarError } from '../runtime-api/errors/index.js';
import { clearBladeResults } from '../runtime-api/results.js';
import {
  ANSWER_ERR,
  ANSWER_OK,
  CALL_OPS,
  LOG_LEVELS,
  SEND_OPS,
  decodeOutbox,
} from '../runtime-api/sandbox-protocol.js';
import type { DelayedPublishes } from './delayed-publish.js';
import { safeParse } from './json.js';
import type { RunState } from './run-state.js';

/** Which run a context serves: set when a prepared context is handed a run. */
export interface BridgeSlot {
  run?: RunState;
  /** A batch in flight: told when run `index` ended (its outcome JSON); it moves `run` to the next. */
  onNext?: (index: number, outcome: string) => void;
}

const ok = (data: unknown = ''): string =>
  ANSWER_OK + (typeof data === 'string' && data === '' ? '' : JSON.stringify(data));
const fail = (err: unknown): string =>
  ANSWER_ERR + (isIsobarError(err) ? err.publicMessage : err instanceof Error ? err.message : String(err));

const platformOps: ReadonlySet<string> = new Set(BRIDGE_OPS);
const isQos = (q: unknown): q is 0 | 1 | 2 => q === 0 || q === 1 || q === 2;

/** Whether `run` may still act: a killed or ended run's ops are refused (its publishes dropped). */
const live = (run: RunState | undefined): run is RunState =>
  run !== undefined && !run.ended && run.fault === undefined;

/** The host function of one context. Sent ops return nothing; waited ops return a promise of a string. */
export function createHostFunction(slot: BridgeSlot, delayed: DelayedPublishes) {
  return (op: unknown, a?: unknown, b?: unknown, c?: unknown, d?: unknown): Promise<string> | undefined => {
    if (op === SEND_OPS.next) {
      // The ended run's publishes come with its marker: they are still that run's (its identity, its limit).
      const ending = slot.run;
      if (typeof c === 'string' && c !== '' && live(ending)) publishOutbox(ending, c);
      if (typeof a === 'number' && typeof b === 'string') slot.onNext?.(a, b);
      return undefined;
    }
    const run = slot.run;
    // A killed run is answered at once: a blocked isolate would keep its thread and never see its termination.
    if (!live(run))
      return op === SEND_OPS.log || op === SEND_OPS.publish ? undefined : Promise.resolve(fail('run ended'));
    switch (op) {
      case SEND_OPS.log:
        if ((LOG_LEVELS as readonly unknown[]).includes(a) && typeof b === 'string')
          run.userLog(a as 'info', b);
        return undefined;
      case SEND_OPS.publish:
      case SEND_OPS.publishBinary:
        sendPublish(run, op === SEND_OPS.publishBinary, a, b, c, d);
        return undefined;
      case SEND_OPS.publishBatch:
        if (typeof a === 'string') publishOutbox(run, a);
        return undefined;
      default:
        return answer(run, delayed, op, a, b, c).catch(fail);
    }
  };
}

function publishOutbox(run: RunState, outbox: string): void {
  for (const [topic, payload, qos, retain, binary] of decodeOutbox(outbox)) {
    sendPublish(run, binary, topic, payload, qos, retain);
    if (run.fault !== undefined) return;
  }
}

function sendPublish(
  run: RunState,
  binary: boolean,
  topic: unknown,
  payload: unknown,
  qos: unknown,
  retain: unknown,
): void {
  if (typeof topic !== 'string' || typeof payload !== 'string') return;
  run.publishes++;
  const limit = run.deps.limits.maxPublishes;
  if (!run.stream && run.publishes > limit) return run.kill('CB_ERR_SANDBOX_PUBLISH_LIMIT', { limit });
  const body = binary ? new Uint8Array(Buffer.from(payload, 'latin1')) : payload;
  let p: Promise<void>;
  try {
    p = run.deps.host.publish(run.ctx, topic, body, isQos(qos) ? qos : 0, retain === true);
  } catch (err) {
    p = Promise.reject(err);
  }
  run.track(p, topic);
}

async function answer(
  run: RunState,
  delayed: DelayedPublishes,
  op: unknown,
  a: unknown,
  b: unknown,
  c: unknown,
): Promise<string> {
  const { host, limits } = run.deps;
  switch (op) {
    case CALL_OPS.subscribe: {
      if (typeof a !== 'string') return fail('topic must be a string');
      const known = run.subscriptions.idOf(a);
      if (known !== undefined) return ok(known);
      if (run.subscriptions.size >= limits.maxSubscriptions)
        return fail(`more than ${limits.maxSubscriptions} subscriptions`);
      const { id, onMessage } = run.subscriptions.add(a);
      try {
        run.subscriptions.attach(id, await host.subscribe(run.ctx, a, onMessage));
      } catch (err) {
        run.subscriptions.remove(a);
        throw err;
      }
      return ok(id);
    }
    case CALL_OPS.unsubscribe: {
      if (typeof a !== 'string') return fail('topic must be a string');
      await run.subscriptions.remove(a)?.();
      return ok();
    }
    case CALL_OPS.wait: {
      if (typeof b === 'string' && b !== '') publishOutbox(run, b);
      const ids = typeof a === 'string' ? safeParse(a) : undefined;
      if (!Array.isArray(ids)) return fail('bad topics');
      return (
        ANSWER_OK +
        (await run.subscriptions.wait(new Set(ids.filter((x): x is number => typeof x === 'number'))))
      );
    }
    case CALL_OPS.sleep: {
      const ms = typeof a === 'number' && Number.isFinite(a) ? Math.max(0, a) : 0;
      if (ms > 0) await new Promise<void>((resolve) => run.timer(ms, resolve));
      return ok();
    }
    case CALL_OPS.drain:
      await run.drain();
      return ok();
    case CALL_OPS.random:
      return ANSWER_OK + randomBytes(128).toString('hex');
    case CALL_OPS.execute: {
      if (typeof a !== 'string' || typeof b !== 'string') return fail('execute needs a service name');
      const result = await host.execute(run.ctx, a, safeParse(b), c === true);
      // The callback sees what REST would show: the platform's code and message joined once, here.
      return ok({ success: result.success, results: clearBladeResults(result) });
    }
    case CALL_OPS.platform:
      return ok(await platformCall(run, delayed, a, b));
    case CALL_OPS.limit:
      return fail(breach(run, a, b));
    default:
      return fail(`unknown operation ${String(op)}`);
  }
}

async function platformCall(
  run: RunState,
  delayed: DelayedPublishes,
  op: unknown,
  argsText: unknown,
): Promise<unknown> {
  const args = typeof argsText === 'string' ? safeParse(argsText) : undefined;
  if (typeof op !== 'string' || !platformOps.has(op) || !Array.isArray(args)) {
    throw new Error(`operation ${String(op)} is not available`);
  }
  const [x, y, z, w] = args as unknown[];
  if (op.startsWith('messaging.')) return delayedCall(run, delayed, op, x, y, z, w);
  return (await run.deps.host.call(run.ctx, op, args)) ?? null;
}

/** The prelude saw a limit breached inside the isolate: the run ends with the limit's code. */
function breach(run: RunState, what: unknown, detail: unknown): string {
  if (what === 'wasm') {
    const limitMb = typeof detail === 'number' ? detail : 0;
    run.kill('CB_ERR_SANDBOX_WASM_MEMORY', { limitMb });
    return new IsobarError('CB_ERR_SANDBOX_WASM_MEMORY', { service: run.ctx.service.name, limitMb }).message;
  }
  return `unknown limit ${String(what)}`;
}

/** A delayed publish's payload as sent: a string as is, anything else as its JSON. */
const payloadText = (data: unknown): string => (typeof data === 'string' ? data : JSON.stringify(data ?? ''));

/**
 * Messaging().setTimeout/setInterval/cancel, kept by the engine. A refusal over a limit drops that publish:
 * the callback gets "<CODE>: message" and the run's log a warn line with the code.
 */
function delayedCall(
  run: RunState,
  delayed: DelayedPublishes,
  op: string,
  x: unknown,
  y: unknown,
  z: unknown,
  w: unknown,
): unknown {
  const systemKey = run.ctx.service.systemKey;
  const act = (): unknown => {
    switch (op) {
      case 'messaging.setTimeout':
        if (typeof x !== 'number' || typeof y !== 'string') throw new Error('setTimeout(ms, topic, data)');
        return delayed.setTimeout(run.ctx, x, y, payloadText(z));
      case 'messaging.setInterval':
        if (typeof x !== 'number' || typeof y !== 'string')
          throw new Error('setInterval(ms, topic, data, iterations)');
        return delayed.setInterval(run.ctx, x, y, payloadText(z), typeof w === 'number' ? w : 0);
      case 'messaging.cancel':
        if (!delayed.cancel(systemKey, String(x))) throw new Error(`no delayed publish ${String(x)}`);
        return 'canceled';
      default:
        throw new Error(`operation ${op} is not available`);
    }
  };
  try {
    return act();
  } catch (err) {
    if (!isIsobarError(err)) throw err;
    const line = `${err.code}: ${err.publicMessage}`;
    run.note('warn', line);
    throw new Error(line);
  }
}
