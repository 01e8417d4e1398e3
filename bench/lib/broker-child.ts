// One broker in its own process, so its CPU is measured alone and the load generator has the other
// core. `isobar`: createBroker with auth, ACL and tenancy on; `aedes`: bare aedes 1.x, no hooks, same
// LevelDB persistence. Driven over IPC: {cmd: 'cpu'} answers process.cpuUsage(), {cmd: 'mem'} memory,
// {cmd: 'close'} closes and exits.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Aedes } from 'aedes';
import { createBroker } from '../../broker/index.js';
import type { BrokerAuth, ClientIdentity } from '../../broker/types.js';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { filterCovers, topicMatches } from '../../runtime-api/topics.js';
import { systemClock } from '../../services/kernel/clock.js';
import { createMemoryLog } from '../../services/kernel/log.js';
import { openPersistence } from '../../broker/persistence.js';

export const BENCH_SYSTEM = 'b0b0b0b0b0b0b0b0b0b0b0b0b0b0';
export const BENCH_TOKEN = 'bench-token';

/** A BrokerAuth shaped like the identity service's: token map, system check, one role with `bench/#`. */
function benchAuth(): BrokerAuth {
  const identity: ClientIdentity = {
    kind: 'device',
    id: 'd',
    name: 'd',
    systemKey: BENCH_SYSTEM,
    token: BENCH_TOKEN,
  };
  const tokens = new Map([[BENCH_TOKEN, identity]]);
  const roleTopics = [{ filter: 'bench/#', level: 3 }];
  return {
    authenticate(token, systemKey) {
      if (systemKey !== BENCH_SYSTEM) throw new IsobarError('CB_ERR_SYSTEM_UNKNOWN', { systemKey });
      const who = tokens.get(token);
      if (who === undefined) throw new IsobarError('CB_ERR_AUTH_INVALID_TOKEN');
      return who;
    },
    duplicateClientId: () => 'reject',
    canPublish: (_who, topic) => roleTopics.some((r) => (r.level & 2) !== 0 && topicMatches(r.filter, topic)),
    canSubscribe: (_who, filter) =>
      roleTopics.some((r) => (r.level & 1) !== 0 && filterCovers(r.filter, filter)),
    login: () => Promise.reject(new IsobarError('CB_ERR_AUTH_BAD_CREDENTIALS')),
  };
}

async function main(kind: string): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), `isobar-bench-${kind}-`));
  let close: () => Promise<void>;
  let port: number;
  // `isobar-nometrics`: the same broker without its per-system traffic counters (bench/metrics.ts).
  if (kind === 'isobar' || kind === 'isobar-nometrics') {
    const off = -1;
    const broker = await createBroker(
      {
        host: '127.0.0.1',
        ports: { tcp: 0, tls: off, ws: off, wss: off, auth: off, authTls: off, authWs: off, authWss: off },
        tls: undefined,
        dataDir,
        limits: {
          maxPacketSize: 1 << 20,
          maxTopicLength: 1024,
          maxTopicLevels: 32,
          maxConnections: 100_000,
          maxInflight: 65_535,
          connectRate: 0,
        },
        publicHost: '127.0.0.1',
        traffic: kind === 'isobar',
      },
      { auth: benchAuth(), log: createMemoryLog(), clock: systemClock },
    );
    port = (await broker.listen()).mqtt ?? 0;
    // With counters on, read them every second as a scraper and the $SYS publisher would.
    const scrape = setInterval(() => {
      let n = 0;
      for (const t of broker.traffic().values()) n += t.received[0] + t.sent[0];
      n += broker.subscriptionCounts().size;
      return n;
    }, 1000);
    scrape.unref();
    close = () => {
      clearInterval(scrape);
      return broker.close();
    };
  } else {
    const persistence = await openPersistence(dataDir);
    const aedes = await Aedes.createBroker({ persistence });
    const server = createServer((socket) => {
      socket.setNoDelay(true);
      aedes.handle(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    close = async () => {
      server.close();
      await new Promise<void>((resolve) => aedes.close(() => resolve()));
      await persistence.destroy();
    };
  }
  process.on('message', (msg: { cmd: string }) => {
    if (msg.cmd === 'cpu') process.send?.({ cpu: process.cpuUsage() });
    else if (msg.cmd === 'mem') {
      global.gc?.();
      process.send?.({ mem: process.memoryUsage() });
    } else if (msg.cmd === 'close') {
      void close().finally(() => {
        rmSync(dataDir, { recursive: true, force: true });
        process.exit(0);
      });
    }
  });
  process.send?.({ port });
}

void main(process.argv[2] ?? 'isobar');
