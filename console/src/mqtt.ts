// MQTT over WebSocket for the console: the signed-in developer's token as the username and the system key
// as the password (ClearBlade's scheme), dialled at the address `GET /api/v/4/console/config` names. The
// Messages and Edges pages watch topics live through it; the broker applies the developer's rights.
import mqtt, { type IClientPublishOptions, type MqttClient } from 'mqtt';
import { useEffect, useState } from 'preact/hooks';
import type { ConsoleConfig } from './api.js';
import type { Ctx } from './ctx.js';

/** One message the console received. */
export interface Received {
  readonly topic: string;
  readonly payload: string;
  readonly qos: number;
  readonly retain: boolean;
  /** Epoch ms when the browser received it. */
  readonly at: number;
}

/** Connection state as the pages show it. */
export type MqttState = 'connecting' | 'connected' | 'offline' | 'error';

/** What a page holds: the client (undefined until dialled), its state and the last error. */
export interface MqttHandle {
  readonly client: MqttClient | undefined;
  readonly state: MqttState;
  readonly error: unknown;
}

/** The WebSocket URL: wss when the console itself came over https, else ws. */
export async function mqttUrl(ctx: Ctx): Promise<string> {
  const cfg = await ctx.api.get<ConsoleConfig>('/api/v/4/console/config');
  const url = location.protocol === 'https:' ? (cfg.wssUrl ?? cfg.wsUrl) : (cfg.wsUrl ?? cfg.wssUrl);
  if (url === null) throw new Error('MQTT over WebSocket is disabled on this platform (ISOBAR_WS_PORT=-1)');
  return url;
}

/** Dials the broker as the developer in ctx's system; no automatic reconnect storms (5 s apart). */
export async function connectMqtt(ctx: Ctx): Promise<MqttClient> {
  const url = await mqttUrl(ctx);
  return mqtt.connect(url, {
    username: ctx.devToken,
    password: ctx.systemKey,
    clientId: `console-${Math.random().toString(36).slice(2, 12)}`,
    protocolVersion: 4,
    reconnectPeriod: 5000,
    connectTimeout: 10_000,
  });
}

/** A connection owned by one page: dialled on mount, ended on unmount or system change. */
export function useMqtt(ctx: Ctx): MqttHandle {
  const [handle, setHandle] = useState<MqttHandle>({ client: undefined, state: 'connecting', error: null });
  useEffect(() => {
    let client: MqttClient | undefined;
    let gone = false;
    connectMqtt(ctx).then(
      (c) => {
        if (gone) {
          c.end(true);
          return;
        }
        client = c;
        setHandle({ client: c, state: 'connecting', error: null });
        c.on('connect', () => setHandle({ client: c, state: 'connected', error: null }));
        c.on('offline', () => setHandle((h) => ({ ...h, client: c, state: 'offline' })));
        c.on('error', (err) => setHandle({ client: c, state: 'error', error: err }));
      },
      (err: unknown) => setHandle({ client: undefined, state: 'error', error: err }),
    );
    return () => {
      gone = true;
      client?.end(true);
    };
  }, [ctx.systemKey, ctx.devToken]);
  return handle;
}

/** Subscribes with a promise (rejects when the broker refuses: SUBACK 0x80). */
export function subscribe(client: MqttClient, filter: string, qos: 0 | 1 | 2): Promise<void> {
  return new Promise((resolve, reject) => {
    client.subscribe(filter, { qos }, (err, granted) => {
      if (err !== null && err !== undefined) reject(err);
      else if (granted?.some((g) => g.qos === 128) === true)
        reject(new Error(`The broker refused the subscription to ${filter} (SUBACK 0x80)`));
      else resolve();
    });
  });
}

/** Unsubscribes with a promise. */
export function unsubscribe(client: MqttClient, filter: string): Promise<void> {
  return new Promise((resolve, reject) => {
    client.unsubscribe(filter, (err) => (err === null || err === undefined ? resolve() : reject(err)));
  });
}

/** Publishes with a promise (QoS 1/2 resolve on the broker's acknowledgement). */
export function publish(
  client: MqttClient,
  topic: string,
  payload: string,
  opts: IClientPublishOptions,
): Promise<void> {
  return new Promise((resolve, reject) => {
    client.publish(topic, payload, opts, (err) =>
      err === null || err === undefined ? resolve() : reject(err),
    );
  });
}

/** Payload bytes as text (UTF-8; replacement characters for anything else). */
export function payloadText(payload: Uint8Array): string {
  return new TextDecoder().decode(payload);
}
