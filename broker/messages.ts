// Turning aedes packets into the platform's BrokerMessage, and publishing the wills a previous process
// left behind (it died or closed with clients connected; wills survive restarts in the persistence).
import type { Aedes, AedesPublishPacket } from 'aedes';
import type { Clock } from '../runtime-api/clock.js';
import type { Log } from '../runtime-api/log.js';
import type { Session } from './client-ids.js';
import type { AsyncPersistence } from './internal.js';
import { fromInternal } from './tenancy.js';
import type { BrokerMessage, ClientIdentity } from './types.js';

/** What the broker's internal publish attaches to a packet (MQTT 3.1.1 clients never see properties). */
interface Provenance {
  readonly isobar?: { readonly hop?: number; readonly publisher?: ClientIdentity };
}

/** The platform's view of a packet; undefined for topics outside every system (aedes' own $SYS). */
export function toMessage(
  packet: AedesPublishPacket,
  session: Session | undefined,
  clock: Clock,
): BrokerMessage | undefined {
  const where = fromInternal(packet.topic);
  if (where === undefined) return undefined;
  const provenance = (packet as { properties?: Provenance }).properties?.isobar;
  return {
    systemKey: where.systemKey,
    topic: where.topic,
    payload: packet.payload as Buffer,
    qos: packet.qos,
    retain: packet.retain,
    publisher: session?.identity ?? provenance?.publisher,
    clientId: session?.clientId,
    address: session?.address,
    hop: provenance?.hop ?? 0,
    time: clock.now(),
  };
}

/** Publishes and forgets every will stored by an earlier process (this one has a fresh broker id). */
export async function publishWills(aedes: Aedes, persistence: AsyncPersistence, log: Log): Promise<void> {
  let count = 0;
  for await (const will of persistence.streamWill()) {
    if (will.brokerId === aedes.id) continue;
    await new Promise<void>((resolve) =>
      aedes.publish({ ...will, cmd: 'publish', dup: false }, () => resolve()),
    );
    await persistence.delWill({ id: will.clientId });
    count++;
  }
  if (count > 0) log.info('published wills left by the previous run', { count });
}
