// Auth over MQTT (DESIGN.md "MQTT surface", reference §7.4) on its own ports. A tiny MQTT server, not aedes:
// CONNECT (username = systemKey, password = systemSecret or none, client id `email:password` or
// `deviceName:activeKey`) → CONNACK → SUBSCRIBE `auth`, `v/1/auth` or `<systemKey>/<name>` → one PUBLISH
// whose payload is token, user id (or device name) and messaging URL, each a u16 big-endian length and
// UTF-8 bytes. Nothing is routed: no client can read another's answer, and PUBLISH closes the connection.
//
// CONNACK codes: 4 = malformed request (no username, client id without ':') or unknown system or wrong
// system secret; 5 = wrong email/password or device name/active key; 3 = connection limits, or too many
// failed logins for this account or address (the login throttle, CB_ERR_AUTH_THROTTLED).
import type { Duplex } from 'node:stream';
import {
  generate,
  parser as createParser,
  type IConnectPacket,
  type ISubscribePacket,
  type IUnsubscribePacket,
  type Packet,
} from 'mqtt-packet';
import { AUTH_TOPICS } from '../runtime-api/constants.js';
import { isIsobarError } from '../runtime-api/errors/index.js';
import type { Clock } from '../runtime-api/clock.js';
import type { Log } from '../runtime-api/log.js';
import { refuse } from './auth.js';
import { packetBreach, partialLength, type AdmissionLimits } from './limits.js';
import type { BrokerAuth, BrokerLimits } from './types.js';

export interface AuthOverMqtt {
  handle(conn: Duplex, address: string): void;
}

/** Encodes the answer: three blocks of u16 big-endian length + UTF-8 bytes. */
export function encodeAuthPayload(token: string, id: string, messagingUrl: string): Buffer {
  const blocks = [token, id, messagingUrl].map((s) => Buffer.from(s, 'utf8'));
  const out = Buffer.alloc(blocks.reduce((n, b) => n + 2 + b.length, 0));
  let at = 0;
  for (const b of blocks) {
    at = out.writeUInt16BE(b.length, at);
    at += b.copy(out, at);
  }
  return out;
}

/** Decodes a payload made by `encodeAuthPayload` (tests, CLI). */
export function decodeAuthPayload(payload: Buffer): string[] {
  const out: string[] = [];
  let at = 0;
  while (at + 2 <= payload.length) {
    const len = payload.readUInt16BE(at);
    out.push(payload.subarray(at + 2, at + 2 + len).toString('utf8'));
    at += 2 + len;
  }
  return out;
}

/** How long an auth connection may stay open at most, ms: it exists for one answer. */
const MAX_LIFETIME_MS = 60_000;

/** Creates the auth-over-MQTT handler shared by the four auth listeners. */
export function createAuthOverMqtt(
  options: { readonly limits: BrokerLimits; readonly messagingUrl: () => string },
  deps: { auth: BrokerAuth; log: Log; clock: Clock; admission: AdmissionLimits },
): AuthOverMqtt {
  const { auth, log, clock, admission } = deps;
  return {
    handle(conn, address) {
      const parser = createParser();
      let state: 'connect' | 'waiting' | 'connected' | 'done' = 'connect';
      let answer: Buffer | undefined;
      let systemKey = '';
      let name = '';
      let admitted = false;
      const cancel = clock.setTimer(MAX_LIFETIME_MS, () => conn.destroy());
      const send = (packet: Packet) => {
        if (!conn.destroyed) conn.write(generate(packet));
      };
      const close = (why: string) => {
        log.info('mqtt auth connection closed', { address, why });
        state = 'done';
        conn.destroy();
      };
      const onConnect = (connect: IConnectPacket) => {
        if (connect.protocolVersion !== 3 && connect.protocolVersion !== 4) return refuse(conn, 1, clock);
        const breach = admission.admit(address);
        if (breach !== undefined) {
          log.warn('mqtt limit breached: connection refused', { ...breach, address });
          return refuse(conn, 3, clock);
        }
        admitted = true;
        const colon = connect.clientId.indexOf(':');
        if (connect.username === undefined || connect.username === '' || colon <= 0)
          return refuse(conn, 4, clock);
        systemKey = connect.username;
        name = connect.clientId.slice(0, colon);
        state = 'waiting';
        const secret = connect.password?.toString('utf8') || undefined;
        auth.login(systemKey, secret, connect.clientId, address).then(
          (result) => {
            if (state !== 'waiting') return;
            answer = encodeAuthPayload(result.token, result.id, options.messagingUrl());
            state = 'connected';
            send({ cmd: 'connack', returnCode: 0, sessionPresent: false });
          },
          (err: unknown) => {
            const code = isIsobarError(err) ? err.spec.connack : undefined;
            if (code === undefined) log.error('mqtt auth login failed', { err: String(err) });
            log.info('mqtt auth refused', { address, systemKey, name, code: code ?? 3 });
            state = 'done';
            refuse(conn, code ?? 3, clock);
          },
        );
      };
      const onSubscribe = (packet: ISubscribePacket) => {
        const own = `${systemKey}/${name}`;
        let matched = false;
        const granted = packet.subscriptions.map((s) => {
          const ok = (AUTH_TOPICS as readonly string[]).includes(s.topic) || s.topic === own;
          if (!ok) return 0x80;
          matched = true;
          return s.qos;
        });
        send({ cmd: 'suback', messageId: packet.messageId, granted });
        const topic = packet.subscriptions.find((s, i) => granted[i] !== 0x80)?.topic;
        if (matched && topic !== undefined && answer !== undefined) {
          send({ cmd: 'publish', topic, payload: answer, qos: 0, retain: false, dup: false });
        }
      };
      parser.on('packet', (packet: Packet) => {
        if (state === 'done') return;
        if (state === 'connect') {
          if (packet.cmd !== 'connect') return close('first packet was not CONNECT');
          return onConnect(packet);
        }
        if (state === 'waiting') return close('packet before CONNACK');
        switch (packet.cmd) {
          case 'subscribe':
            return onSubscribe(packet);
          case 'unsubscribe':
            return send({
              cmd: 'unsuback',
              messageId: (packet as IUnsubscribePacket).messageId ?? 0,
              granted: [],
            } as unknown as Packet);
          case 'pingreq':
            return send({ cmd: 'pingresp' });
          case 'disconnect':
            state = 'done';
            conn.end();
            return;
          default:
            return close(`${packet.cmd} is not allowed on the auth port`);
        }
      });
      parser.on('error', (err: Error) => {
        if (state === 'connect' && err.message === 'Invalid protocol version') {
          state = 'done';
          return refuse(conn, 1, clock);
        }
        close(`malformed packet: ${err.message}`);
      });
      conn.on('data', (buf: Buffer) => {
        if (state === 'done') return;
        parser.parse(buf);
        const breach = packetBreach(partialLength(parser), options.limits);
        if (breach !== undefined) {
          log.warn('mqtt limit breached: connection closed', { ...breach, address });
          close('packet too large');
        }
      });
      conn.on('error', () => conn.destroy());
      conn.once('close', () => {
        cancel();
        if (admitted) admission.release();
      });
    },
  };
}
