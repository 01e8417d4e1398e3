// Authentication at CONNECT (DESIGN.md "MQTT surface": credentials and CONNACK codes). The first packet of every MQTT connection is read here,
// before aedes sees anything: protocol level, client id rules, connection limits, token and duplicate
// client id are settled and refused with the CONNACK code of DESIGN.md. An admitted connection is
// handed to aedes with its bytes put back, together with the Session it authenticated as.
import { randomUUID } from 'node:crypto';
import type { Duplex } from 'node:stream';
import { generate, parser as createParser, type IConnectPacket, type Packet } from 'mqtt-packet';
import { IsobarError, isIsobarError } from '../runtime-api/errors/index.js';
import type { Clock } from '../runtime-api/clock.js';
import type { Log } from '../runtime-api/log.js';
import type { ClientIds, Session } from './client-ids.js';
import { packetBreach, partialLength, type AdmissionLimits } from './limits.js';
import { internalClientId } from './tenancy.js';
import type { BrokerAuth, BrokerLimits } from './types.js';

export interface ConnectGateDeps {
  readonly auth: BrokerAuth;
  readonly log: Log;
  readonly clock: Clock;
  readonly admission: AdmissionLimits;
  readonly clientIds: ClientIds;
  /** Called with an admitted connection; `bytes` were read off it and must be put back. */
  readonly onAdmit: (conn: Duplex, session: Session, bytes: Buffer) => void;
  /** Called once an admitted connection has closed. */
  readonly onClose: (session: Session) => void;
}

export interface ConnectGate {
  /** Takes over a new connection until its CONNECT is settled. */
  admit(conn: Duplex, address: string): void;
}

/** CONNACK then close: the client learns why [MQTT-3.2.2-5]. */
export function refuse(conn: Duplex, returnCode: number, clock: Clock): void {
  if (conn.destroyed) return;
  conn.end(generate({ cmd: 'connack', returnCode, sessionPresent: false }));
  clock.setTimer(2000, () => conn.destroy());
}

function destroySelf(this: Duplex): void {
  this.destroy();
}

const hasBadChar = (s: string): boolean => s.includes('\uFFFD') || s.includes('\u0000');

/** Creates the gate every MQTT listener hands its connections to. */
export function createConnectGate(
  options: { readonly limits: BrokerLimits; readonly connectTimeoutMs: number },
  deps: ConnectGateDeps,
): ConnectGate {
  const { auth, log, clock, admission, clientIds } = deps;

  const settle = (conn: Duplex, address: string, packet: Packet): Session | IsobarError | undefined => {
    if (packet.cmd !== 'connect') return undefined; // [MQTT-3.1.0-1] first packet must be CONNECT
    const connect = packet as IConnectPacket;
    if (connect.protocolVersion !== 3 && connect.protocolVersion !== 4) {
      return new IsobarError('CB_ERR_MQTT_BAD_PROTOCOL', { level: String(connect.protocolVersion) }); // [MQTT-3.1.2-2]
    }
    const requested = connect.clientId ?? '';
    if (requested === '' && connect.clean === false) {
      return new IsobarError('CB_ERR_MQTT_CLIENT_ID_REJECTED', { reason: 'empty with clean session 0' }); // [MQTT-3.1.3-8]
    }
    if (hasBadChar(requested))
      return new IsobarError('CB_ERR_MQTT_CLIENT_ID_REJECTED', { reason: 'not valid UTF-8' });
    const breach = admission.admit(address);
    if (breach !== undefined) {
      log.warn('mqtt limit breached: connection refused', { ...breach, address });
      return new IsobarError('CB_ERR_MQTT_LIMIT', { ...breach });
    }
    let admitted = false;
    try {
      const password = connect.password?.toString('utf8');
      if (connect.username === undefined || password === undefined || hasBadChar(connect.username)) {
        return new IsobarError('CB_ERR_MQTT_BAD_CREDENTIALS', { reason: 'token and systemKey expected' });
      }
      const identity = auth.authenticate(connect.username, password);
      const clientId = requested === '' ? `isobar-${randomUUID()}` : requested;
      const internalId = internalClientId(identity.systemKey, clientId);
      const holder = clientIds.holder(internalId);
      if (holder !== undefined && auth.duplicateClientId(identity) === 'reject') {
        return new IsobarError('CB_ERR_MQTT_CLIENT_ID_REJECTED', { reason: 'already connected' });
      }
      const session: Session = {
        // The identity auth answered, kept as it is (it already carries this token) so ACL checks and the
        // services it reaches see the very object; stamped only when an adapter left the token out.
        identity:
          identity.kind === 'service' || identity.token === connect.username
            ? identity
            : { ...identity, token: connect.username },
        systemKey: identity.systemKey,
        clientId,
        internalId,
        token: connect.username,
        conn,
        address,
        inflight: 0,
        connected: false,
        close: () => conn.destroy(),
      };
      admitted = true;
      return session;
    } catch (err) {
      if (isIsobarError(err) && err.spec.connack !== undefined) return err;
      log.error('mqtt authentication failed', { err: String(err) });
      return new IsobarError('CB_ERR_UNAVAILABLE', { reason: 'authentication failed' }, { cause: err });
    } finally {
      if (!admitted) admission.release();
    }
  };

  // Outside `admit` so the long-lived close listener does not keep the CONNECT parser and bytes alive.
  const admitted = (session: Session, bytes: Buffer) => {
    clientIds.claim(session);
    session.conn.once('close', () => {
      admission.release();
      clientIds.release(session);
      deps.onClose(session);
    });
    deps.onAdmit(session.conn, session, bytes);
  };

  return {
    admit(conn, address) {
      const parser = createParser();
      const chunks: Buffer[] = [];
      let settled = false;
      const stop = () => {
        settled = true;
        cancelTimer();
        conn.removeListener('data', onData);
        parser.removeAllListeners('packet');
      };
      const cancelTimer = clock.setTimer(options.connectTimeoutMs, () => {
        if (settled) return;
        stop();
        log.info('mqtt connect timeout', { address });
        conn.destroy();
      });
      const onData = (buf: Buffer) => {
        chunks.push(buf);
        parser.parse(buf);
        if (settled) return;
        const breach = packetBreach(partialLength(parser), options.limits);
        if (breach !== undefined) {
          stop();
          log.warn('mqtt limit breached: connection closed', { ...breach, address });
          conn.destroy();
        }
      };
      parser.on('error', (err: Error) => {
        if (settled) return;
        stop();
        log.info('mqtt malformed CONNECT', { address, err: err.message });
        // mqtt-packet refuses unknown levels while parsing; the spec still wants CONNACK 0x01 [MQTT-3.1.2-2]
        if (err.message === 'Invalid protocol version') refuse(conn, 1, clock);
        else conn.destroy();
      });
      parser.once('packet', (packet: Packet) => {
        stop();
        conn.pause();
        // Cluster mode: a token this node has not seen is read from the store before the sync checks.
        const connect = packet.cmd === 'connect' ? (packet as IConnectPacket) : undefined;
        const token = connect?.username;
        if (auth.lookup !== undefined && token !== undefined) {
          // ClearBlade's CONNECT: the token as user name, the system key as password.
          auth.lookup(token, connect?.password?.toString()).then(
            () => decide(packet),
            () => decide(packet),
          );
        } else decide(packet);
      });
      const decide = (packet: Packet) => {
        if (conn.destroyed) return;
        const result = settle(conn, address, packet);
        if (result === undefined) {
          log.info('mqtt first packet was not CONNECT', { address, cmd: packet.cmd });
          conn.destroy();
        } else if (result instanceof IsobarError) {
          log.info('mqtt CONNECT refused', { address, code: result.code, connack: result.spec.connack });
          refuse(conn, result.spec.connack ?? 3, clock);
        } else {
          admitted(result, Buffer.concat(chunks));
        }
      };
      conn.on('error', destroySelf);
      conn.on('data', onData);
    },
  };
}
