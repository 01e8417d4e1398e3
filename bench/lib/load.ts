// Load phases for bench/workflow.ts over raw-socket MQTT clients (bench/lib/mqtt-load.ts): a paced phase
// (fixed rate, latency of what arrived, delivered/sent) and a saturation phase (as fast as the path drains
// with WINDOW messages outstanding). Each message is a reading whose `ts` is its send time; the output
// carries it back, so latency is measured on the generator's clock alone.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { publishPacket, rawClient, subscribeAll, type RawMqtt } from './mqtt-load.js';
import { createSamples } from './stats.js';
import { readingPayload, sentAt } from './workflow-work.js';

export interface Target {
  readonly port: number;
  readonly username?: string;
  readonly password?: string;
  readonly inPrefix: string;
  readonly outFilter: string;
}

export interface Paced {
  readonly sent: number;
  readonly received: number;
  readonly p50: number;
  readonly p99: number;
}

export interface Saturated {
  readonly rate: number;
  readonly received: number;
  readonly seconds: number;
}

export interface Lane {
  readonly pub: RawMqtt;
  readonly sub: RawMqtt;
  close(): void;
}

let clientSeq = 0;

/** One publisher and one subscriber on the target, the subscriber's SUBSCRIBE acknowledged. */
export async function openLane(t: Target): Promise<Lane> {
  const opts = (role: string) => ({
    clientId: `bench-${role}-${String(process.pid)}-${String(clientSeq++)}`,
    username: t.username,
    password: t.password,
  });
  const pub = await rawClient(t.port, opts('pub'));
  const sub = await rawClient(t.port, opts('sub'));
  await subscribeAll([sub], t.outFilter, 0);
  return {
    pub,
    sub,
    close() {
      pub.close();
      sub.close();
    },
  };
}

/** Publishes a reading every `everyMs` until one comes back (bench only: the system is still starting). */
export async function waitUntilAnswering(lane: Lane, t: Target, timeoutMs = 60_000): Promise<void> {
  const before = lane.sub.received;
  const start = performance.now();
  while (lane.sub.received === before) {
    if (performance.now() - start > timeoutMs) throw new Error(`no answer on ${t.outFilter}`);
    await lane.pub.write(publishPacket(`${t.inPrefix}0`, readingPayload(0, performance.now()), 0));
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** Resolves once `done()` holds or nothing arrived for `idleMs`. */
function drained(sub: RawMqtt, done: () => boolean, idleMs: number): Promise<void> {
  return new Promise((resolve) => {
    let last = sub.received;
    const check = () => {
      if (done()) return resolve();
      if (sub.received === last) return resolve();
      last = sub.received;
      setTimeout(check, idleMs);
    };
    setTimeout(check, idleMs);
  });
}

/** Sends `rate` msg/s for `seconds`; latency of every answer that arrives. */
export async function paced(lane: Lane, t: Target, rate: number, seconds: number): Promise<Paced> {
  const total = Math.round(rate * seconds);
  const latencies = createSamples();
  const base = lane.sub.received;
  lane.sub.onPayload = (p) => latencies.add(performance.now() - sentAt(p));
  let sent = 0;
  const start = performance.now();
  await new Promise<void>((resolve) => {
    const tick = () => {
      const due = Math.min(total, Math.floor(((performance.now() - start) * rate) / 1000));
      const batch: Buffer[] = [];
      while (sent < due)
        batch.push(
          publishPacket(`${t.inPrefix}${String(sent & 15)}`, readingPayload(sent++, performance.now()), 0),
        );
      if (batch.length > 0) void lane.pub.write(Buffer.concat(batch));
      if (sent >= total) resolve();
      else setTimeout(tick, 1);
    };
    tick();
  });
  await drained(lane.sub, () => lane.sub.received - base >= total, 1000);
  lane.sub.onPayload = undefined;
  return {
    sent,
    received: lane.sub.received - base,
    p50: latencies.percentile(50),
    p99: latencies.percentile(99),
  };
}

/** Sends `total` messages keeping at most `window` unanswered; throughput of what arrived. */
export async function saturate(lane: Lane, t: Target, total: number, window: number): Promise<Saturated> {
  const base = lane.sub.received;
  let sent = 0;
  let wake: (() => void) | undefined;
  lane.sub.onPayload = () => wake?.();
  const start = performance.now();
  let progress = -1;
  let watchdog: NodeJS.Timeout | undefined;
  await new Promise<void>((resolve) => {
    // Lost messages would hold the window shut: a second without an answer ends the phase.
    watchdog = setInterval(() => {
      if (lane.sub.received === progress) resolve();
      progress = lane.sub.received;
    }, 1000);
    const pump = () => {
      wake = undefined;
      const batch: Buffer[] = [];
      while (sent < total && sent - (lane.sub.received - base) < window) {
        batch.push(
          publishPacket(`${t.inPrefix}${String(sent & 15)}`, readingPayload(sent++, performance.now()), 0),
        );
      }
      if (batch.length > 0) void lane.pub.write(Buffer.concat(batch));
      if (sent >= total) return resolve();
      wake = () => {
        wake = undefined;
        setImmediate(pump);
      };
    };
    pump();
  });
  clearInterval(watchdog);
  wake = undefined;
  await drained(lane.sub, () => lane.sub.received - base >= total, 1000);
  const received = lane.sub.received - base;
  // The idle second that ended an incomplete drain is not throughput time.
  const seconds = (performance.now() - start) / 1000 - (received < total ? 1 : 0);
  lane.sub.onPayload = undefined;
  return { rate: received / seconds, received, seconds };
}

const TICK_US = 1_000_000 / Number(process.env.BENCH_CLK_TCK ?? 100);

/** CPU microseconds (user + system, all threads) a process used so far, from /proc/<pid>/stat. */
export function processCpu(pid: number): number {
  const stat = readFileSync(`/proc/${String(pid)}/stat`, 'latin1');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
}
