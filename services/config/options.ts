// The table of every setting: its environment variable, flag, type, default, unit and why it exists.
// `services/config/load.ts` reads it; the README's configuration table is checked against it by a test.

export type OptionType = 'string' | 'port' | 'int' | 'bool' | 'path' | 'enum';

export interface OptionSpec {
  /** Dotted path in the frozen config object, e.g. `http.port`. */
  readonly key: string;
  readonly env: string;
  readonly flag: string;
  readonly type: OptionType;
  readonly default: string | number | boolean | undefined;
  readonly doc: string;
  readonly values?: readonly string[];
  readonly min?: number;
  readonly max?: number;
}

const port = (key: string, env: string, flag: string, def: number, doc: string): OptionSpec => ({
  key,
  env,
  flag,
  type: 'port',
  default: def,
  doc: `${doc}; 0 = any free port, -1 = disabled`,
});

/** Every option, in README order. */
export const OPTIONS: readonly OptionSpec[] = [
  {
    key: 'dataDir',
    env: 'ISOBAR_DATA_DIR',
    flag: '--data-dir',
    type: 'path',
    default: './data',
    doc: 'Directory for the SQLite file, MQTT persistence and generated TLS pair',
  },
  {
    key: 'host',
    env: 'ISOBAR_HOST',
    flag: '--host',
    type: 'string',
    default: '0.0.0.0',
    doc: 'Bind address for every listener',
  },
  {
    key: 'publicHost',
    env: 'ISOBAR_PUBLIC_HOST',
    flag: '--public-host',
    type: 'string',
    default: undefined,
    doc: 'Host name clients should use (auth-over-MQTT messaging URL, banner); default: the bind address, or 127.0.0.1 for 0.0.0.0',
  },
  port('http.port', 'ISOBAR_HTTP_PORT', '--http-port', 9000, 'REST API, OpenAPI page and /healthz'),
  port('mqtt.tcpPort', 'ISOBAR_MQTT_PORT', '--mqtt-port', 1883, 'MQTT over TCP'),
  port('mqtt.tlsPort', 'ISOBAR_MQTTS_PORT', '--mqtts-port', 1884, 'MQTT over TLS'),
  port('mqtt.wsPort', 'ISOBAR_WS_PORT', '--ws-port', 8903, 'MQTT over WebSocket (path /mqtt)'),
  port('mqtt.wssPort', 'ISOBAR_WSS_PORT', '--wss-port', 8904, 'MQTT over secure WebSocket (path /mqtt)'),
  port('mqtt.authPort', 'ISOBAR_AUTH_PORT', '--auth-port', 8905, 'Auth over MQTT (TCP)'),
  port('mqtt.authTlsPort', 'ISOBAR_AUTH_TLS_PORT', '--auth-tls-port', 8906, 'Auth over MQTT (TLS)'),
  port(
    'mqtt.authWsPort',
    'ISOBAR_AUTH_WS_PORT',
    '--auth-ws-port',
    8907,
    'Auth over MQTT via WebSocket (paths /mqtt_auth and /mqtt)',
  ),
  port(
    'mqtt.authWssPort',
    'ISOBAR_AUTH_WSS_PORT',
    '--auth-wss-port',
    8908,
    'Auth over MQTT via secure WebSocket',
  ),
  {
    key: 'admin.email',
    env: 'ISOBAR_ADMIN_EMAIL',
    flag: '--admin-email',
    type: 'string',
    default: 'admin@isobar.local',
    doc: 'First developer account, created on first start',
  },
  {
    key: 'admin.password',
    env: 'ISOBAR_ADMIN_PASSWORD',
    flag: '--admin-password',
    type: 'string',
    default: undefined,
    doc: 'Its password; when unset a random one is generated and printed once',
  },
  {
    key: 'tls.cert',
    env: 'ISOBAR_TLS_CERT',
    flag: '--tls-cert',
    type: 'path',
    default: undefined,
    doc: 'PEM certificate for the TLS listeners; default: a self-signed pair generated into the data dir',
  },
  {
    key: 'tls.key',
    env: 'ISOBAR_TLS_KEY',
    flag: '--tls-key',
    type: 'path',
    default: undefined,
    doc: 'PEM private key matching ISOBAR_TLS_CERT',
  },
  {
    key: 'log.level',
    env: 'ISOBAR_LOG_LEVEL',
    flag: '--log-level',
    type: 'enum',
    values: ['debug', 'info', 'warn', 'error', 'silent'],
    default: 'info',
    doc: 'Lowest level written to stderr',
  },
  {
    key: 'identity.devTokenTtl',
    env: 'ISOBAR_DEV_TOKEN_TTL',
    flag: '--dev-token-ttl',
    type: 'int',
    min: 60,
    default: 86400,
    doc: 'Developer token lifetime, seconds',
  },
  {
    key: 'identity.defaultTokenTtl',
    env: 'ISOBAR_TOKEN_TTL',
    flag: '--token-ttl',
    type: 'int',
    min: 60,
    default: 432000,
    doc: 'Default `token_ttl` of new systems (user and device tokens), seconds',
  },
  {
    key: 'http.bodyLimit',
    env: 'ISOBAR_HTTP_BODY_LIMIT',
    flag: '--http-body-limit',
    type: 'int',
    min: 1024,
    default: 4194304,
    doc: 'Largest accepted REST body, bytes (protects memory)',
  },
  {
    key: 'mqtt.maxPacketSize',
    env: 'ISOBAR_MQTT_MAX_PACKET',
    flag: '--mqtt-max-packet',
    type: 'int',
    min: 1024,
    default: 1048576,
    doc: 'Largest MQTT packet, bytes; larger ones disconnect the client',
  },
  {
    key: 'mqtt.maxTopicLength',
    env: 'ISOBAR_MQTT_MAX_TOPIC_LENGTH',
    flag: '--mqtt-max-topic-length',
    type: 'int',
    min: 16,
    default: 1024,
    doc: 'Longest topic or filter, characters',
  },
  {
    key: 'mqtt.maxTopicLevels',
    env: 'ISOBAR_MQTT_MAX_TOPIC_LEVELS',
    flag: '--mqtt-max-topic-levels',
    type: 'int',
    min: 1,
    default: 32,
    doc: 'Most levels in a topic or filter',
  },
  {
    key: 'mqtt.maxConnections',
    env: 'ISOBAR_MQTT_MAX_CONNECTIONS',
    flag: '--mqtt-max-connections',
    type: 'int',
    min: 1,
    default: 100000,
    doc: 'Most simultaneous MQTT connections (CONNACK 3 beyond)',
  },
  {
    key: 'mqtt.maxInflight',
    env: 'ISOBAR_MQTT_MAX_INFLIGHT',
    flag: '--mqtt-max-inflight',
    type: 'int',
    min: 1,
    default: 1000,
    doc: 'Most unacknowledged QoS 1/2 messages queued per client before it is disconnected',
  },
  {
    key: 'mqtt.connectRate',
    env: 'ISOBAR_MQTT_CONNECT_RATE',
    flag: '--mqtt-connect-rate',
    type: 'int',
    min: 0,
    default: 0,
    doc: 'Most CONNECTs per second from one address (0 = unlimited)',
  },
  {
    key: 'engine.hopLimit',
    env: 'ISOBAR_HOP_LIMIT',
    flag: '--hop-limit',
    type: 'int',
    min: 1,
    max: 64,
    default: 8,
    doc: 'Deepest chain of service publishes re-triggering services',
  },
  {
    key: 'engine.memoryLimitMb',
    env: 'ISOBAR_SERVICE_MEMORY_MB',
    flag: '--service-memory-mb',
    type: 'int',
    min: 8,
    max: 4096,
    default: 128,
    doc: 'Default isolate heap limit per service, MiB',
  },
  {
    key: 'edge.name',
    env: 'ISOBAR_EDGE_NAME',
    flag: '--edge',
    type: 'string',
    default: undefined,
    doc: 'Run as the edge of this name (edge mode)',
  },
  {
    key: 'edge.platformUrl',
    env: 'ISOBAR_PLATFORM_URL',
    flag: '--platform',
    type: 'string',
    default: undefined,
    doc: 'Edge mode: the platform to connect up to (http(s)://host:port)',
  },
  {
    key: 'edge.systemKey',
    env: 'ISOBAR_EDGE_SYSTEM',
    flag: '--system',
    type: 'string',
    default: undefined,
    doc: 'Edge mode: the system this edge belongs to',
  },
  {
    key: 'edge.token',
    env: 'ISOBAR_EDGE_TOKEN',
    flag: '--edge-token',
    type: 'string',
    default: undefined,
    doc: 'Edge mode: the edge token issued by the platform',
  },
];
