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

/**
 * Publishes and forgets every will left by an earlier process. Embedded: every stored will not of this
 * broker (it has a fresh id each start). Cluster (`ownOnly`): only wills stored under this node's own id —
 * a previous process with this id died or closed and has no clients now; the wills of other nodes are
 * aedes' heartbeat sweep's to fire, once their node is silent (cluster-wills.ts), never at our start.
 */
export async function publishWills(
  aedes: Aedes,
  persistence: AsyncPersistence,
  log: Log,
  ownOnly = false,
): Promise<void> {
  let count = 0;
  for await (const will of persistence.streamWill()) {
    const brokerId = (will as { brokerId?: string }).brokerId;
    if (ownOnly ? brokerId !== aedes.id : brokerId === aedes.id) continue;
    await new Promise<void>((resolve) =>
      aedes.publish({ ...will, cmd: 'publish', dup: false }, () => resolve()),
    );
    // the Redis persistence keys wills by broker and client (LevelDB by client alone)
    await persistence.delWill({ id: will.clientId, brokerId });
    count++;
  }
  if (count > 0) log.info('published wills left by the previous run', { count });
}
