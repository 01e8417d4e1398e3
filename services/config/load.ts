import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { IsobarError } from '../../runtime-api/errors/index.js';
import { OPTIONS, type OptionSpec } from './options.js';

/** The whole configuration, validated and deep-frozen; each component receives its slice. */
export interface Config {
  readonly dataDir: string;
  readonly host: string;
  readonly publicHost: string;
  readonly http: { readonly port: number; readonly bodyLimit: number };
  readonly mqtt: MqttConfig;
  readonly admin: { readonly email: string; readonly password: string | undefined };
  readonly tls: { readonly cert: string | undefined; readonly key: string | undefined };
  readonly log: {
    readonly level: 'debug' | 'info' | 'warn' | 'error' | 'silent';
    readonly format: 'auto' | 'pretty' | 'json';
  };
  readonly identity: IdentityConfig;
  readonly engine: EngineConfig;
  readonly timers: { readonly minPeriodS: number; readonly maxPerSystem: number };
  readonly history: { readonly durable: boolean; readonly maxPageBytes: number };
  /** Shared caches (services/cache). */
  readonly cache: {
    readonly maxValueBytes: number;
    readonly maxEntries: number;
    readonly maxPerSystem: number;
  };
  /** Outbound HTTP from services (services/outbound-http). */
  readonly outboundHttp: {
    readonly timeoutS: number;
    readonly maxResponseBytes: number;
    readonly maxRedirects: number;
  };
  readonly edge: EdgeConfig;
  /** Where platform data lives: SQLite under dataDir unless a PostgreSQL URL is given (services/store). */
  readonly store: { readonly databaseUrl: string | undefined };
  /** Cluster mode (services/cluster): Redis for the broker and coordination, PostgreSQL for data. */
  readonly cluster: ClusterConfig;
  /** Metrics, the console overview and $SYS topics (services/metrics). */
  readonly metrics: {
    readonly enabled: boolean;
    readonly token: string | undefined;
    readonly host: string;
    /** -1 = no separate listener. */
    readonly port: number;
    /** `$SYS` publish interval, seconds; 0 = only on subscribe. */
    readonly sysIntervalS: number;
    /** Console series: one sample per `sampleS`, kept `windowS`. */
    readonly sampleS: number;
    readonly windowS: number;
  };
}

export interface ClusterConfig {
  readonly enabled: boolean;
  readonly redisUrl: string | undefined;
  /** Always set: the configured id, or the host name and a random suffix. */
  readonly nodeId: string;
  readonly heartbeatS: number;
}

export interface EngineConfig {
  readonly hopLimit: number;
  readonly memoryLimitMb: number;
  readonly maxIsolates: number;
  readonly maxRunsPerSystem: number;
  readonly maxRunsPerService: number;
  readonly maxQueuedPerSystem: number;
  readonly triggerBatch: number;
  readonly warmMaxRuns: number;
  readonly warmIdleS: number;
  readonly maxResultBytes: number;
  readonly maxResultDepth: number;
}

export interface MqttConfig {
  readonly tcpPort: number;
  readonly tlsPort: number;
  readonly wsPort: number;
  readonly wssPort: number;
  readonly authPort: number;
  readonly authTlsPort: number;
  readonly authWsPort: number;
  readonly authWssPort: number;
  readonly maxPacketSize: number;
  readonly maxTopicLength: number;
  readonly maxTopicLevels: number;
  readonly maxConnections: number;
  readonly maxInflight: number;
  readonly connectRate: number;
  readonly connectTimeout: number;
  readonly preAuthMaxPacket: number;
  readonly maxQueuedBytes: number;
}

export interface IdentityConfig {
  readonly devTokenTtl: number;
  readonly defaultTokenTtl: number;
  readonly openRegistration: boolean;
  readonly passwordMinLength: number;
  readonly loginAccountFailures: number;
  readonly loginAddressFailures: number;
  readonly loginWindow: number;
  readonly loginTarpitMs: number;
}

export interface EdgeConfig {
  readonly name: string | undefined;
  readonly platformUrl: string | undefined;
  readonly systemKey: string | undefined;
  readonly token: string | undefined;
}

export interface ConfigSources {
  /** Environment variables (usually `process.env`). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Command-line flags after the sub-command, e.g. `['--http-port', '0']`. */
  readonly argv?: readonly string[];
  /** Values that win over everything (tests use this). */
  readonly overrides?: Readonly<Record<string, string | number | boolean | undefined>>;
}

type Raw = string | number | boolean | undefined;

/**
 * Reads env, flags, an optional JSON config file (`--config` / `ISOBAR_CONFIG`, keys as in OPTIONS)
 * and overrides; validates everything at once and throws one CB_ERR_CONFIG_INVALID listing every problem.
 */
export function loadConfig(sources: ConfigSources = {}): Config {
  const env = sources.env ?? {};
  const problems: string[] = [];
  const flags = parseFlags(sources.argv ?? [], problems);
  const file = readConfigFile(flags.get('--config') ?? env.ISOBAR_CONFIG, problems);
  const values = new Map<string, Raw>();
  for (const opt of OPTIONS) {
    const raw: Raw =
      sources.overrides?.[opt.key] ?? flags.get(opt.flag) ?? env[opt.env] ?? file[opt.key] ?? opt.default;
    const value = raw === undefined || raw === '' ? undefined : coerce(opt, raw, problems);
    values.set(opt.key, value ?? (raw === '' ? opt.default : undefined));
  }
  for (const flag of flags.keys()) {
    if (flag !== '--config' && !OPTIONS.some((o) => o.flag === flag)) problems.push(`unknown flag ${flag}`);
  }
  crossCheck(values, problems);
  if (problems.length > 0) throw new IsobarError('CB_ERR_CONFIG_INVALID', { problems: problems.join('; ') });
  const host = String(values.get('host'));
  values.set(
    'publicHost',
    values.get('publicHost') ?? (host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host),
  );
  values.set('dataDir', resolve(String(values.get('dataDir'))));
  values.set(
    'cluster.nodeId',
    values.get('cluster.nodeId') ??
      `${hostname()
        .replace(/[^A-Za-z0-9._-]/g, '-')
        .slice(0, 50)}-${randomBytes(3).toString('hex')}`,
  );
  return deepFreeze(nest(values)) as unknown as Config;
}

function parseFlags(argv: readonly string[], problems: string[]): Map<string, string> {
  const flags = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (!arg.startsWith('--')) {
      problems.push(`unexpected argument ${arg}`);
      continue;
    }
    const eq = arg.indexOf('=');
    if (eq > 0) flags.set(arg.slice(0, eq), arg.slice(eq + 1));
    else if (i + 1 < argv.length && !argv[i + 1].startsWith('--')) flags.set(arg, argv[++i]);
    else flags.set(arg, 'true');
  }
  return flags;
}

function readConfigFile(path: string | undefined, problems: string[]): Record<string, Raw> {
  if (path === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(readFileSync(path, 'utf8'));
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
      problems.push(`config file ${path} must hold a JSON object`);
      return {};
    }
    const flat: Record<string, Raw> = {};
    flatten(parsed as Record<string, unknown>, '', flat);
    for (const key of Object.keys(flat)) {
      if (!OPTIONS.some((o) => o.key === key)) problems.push(`config file ${path}: unknown key ${key}`);
    }
    return flat;
  } catch (err) {
    problems.push(`config file ${path}: ${err instanceof Error ? err.message : String(err)}`);
    return {};
  }
}

function flatten(obj: Record<string, unknown>, prefix: string, out: Record<string, Raw>): void {
  for (const [k, v] of Object.entries(obj)) {
    const key = prefix + k;
    if (typeof v === 'object' && v !== null && !Array.isArray(v))
      flatten(v as Record<string, unknown>, `${key}.`, out);
    else if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') out[key] = v;
    else out[key] = String(v);
  }
}

function coerce(opt: OptionSpec, raw: string | number | boolean, problems: string[]): Raw {
  const where = `${opt.env} (${opt.flag})`;
  switch (opt.type) {
    case 'string':
    case 'path':
      return String(raw);
    case 'bool': {
      const s = String(raw).toLowerCase();
      if (['1', 'true', 'yes', 'on'].includes(s)) return true;
      if (['0', 'false', 'no', 'off'].includes(s)) return false;
      problems.push(`${where} must be true or false, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    case 'enum': {
      const s = String(raw);
      if (opt.values?.includes(s) === true) return s;
      problems.push(`${where} must be one of ${(opt.values ?? []).join(', ')}, got ${JSON.stringify(raw)}`);
      return undefined;
    }
    case 'port':
    case 'int': {
      const s = String(raw).trim();
      const n = Number(s);
      if (!/^-?\d+$/.test(s) || !Number.isSafeInteger(n)) {
        problems.push(`${where} must be an integer, got ${JSON.stringify(raw)}`);
        return undefined;
      }
      const [min, max] =
        opt.type === 'port'
          ? [-1, 65535]
          : [opt.min ?? Number.MIN_SAFE_INTEGER, opt.max ?? Number.MAX_SAFE_INTEGER];
      if (n < min || n > max) {
        problems.push(`${where} must be between ${min} and ${max}, got ${n}`);
        return undefined;
      }
      return n;
    }
  }
}

function crossCheck(values: Map<string, Raw>, problems: string[]): void {
  if ((values.get('tls.cert') === undefined) !== (values.get('tls.key') === undefined)) {
    problems.push('ISOBAR_TLS_CERT and ISOBAR_TLS_KEY must be given together');
  }
  const ports = OPTIONS.filter((o) => o.type === 'port')
    .map((o) => [o.env, values.get(o.key)] as const)
    .filter(([, v]) => typeof v === 'number' && v > 0);
  const seen = new Map<number, string>();
  for (const [env, v] of ports) {
    const prev = seen.get(v as number);
    if (prev !== undefined) problems.push(`${env} and ${prev} both use port ${String(v)}`);
    else seen.set(v as number, env);
  }
  const edgeKeys = ['edge.name', 'edge.platformUrl', 'edge.systemKey', 'edge.token'];
  const given = edgeKeys.filter((k) => values.get(k) !== undefined);
  if (given.length > 0 && given.length < edgeKeys.length) {
    const missing = OPTIONS.filter((o) => edgeKeys.includes(o.key) && values.get(o.key) === undefined).map(
      (o) => o.env,
    );
    problems.push(`edge mode needs all of its settings; missing ${missing.join(', ')}`);
  }
  if (values.get('cluster.enabled') === true) {
    const missing = ['cluster.redisUrl', 'store.databaseUrl']
      .filter((k) => values.get(k) === undefined)
      .map((k) => OPTIONS.find((o) => o.key === k)?.env);
    if (missing.length > 0) problems.push(`cluster mode needs ${missing.join(' and ')}`);
  } else if (values.get('cluster.redisUrl') !== undefined) {
    problems.push('ISOBAR_REDIS_URL is used in cluster mode only: add --cluster (ISOBAR_CLUSTER=1)');
  }
  const nodeId = values.get('cluster.nodeId');
  if (typeof nodeId === 'string' && !/^[A-Za-z0-9._-]{1,64}$/.test(nodeId))
    problems.push(
      `ISOBAR_NODE_ID must be 1-64 letters, digits, '.', '_' or '-' (it names Redis keys), got ${JSON.stringify(nodeId)}`,
    );
  for (const [key, scheme] of [
    ['cluster.redisUrl', /^rediss?:\/\/[^/]/],
    ['store.databaseUrl', /^postgres(ql)?:\/\/[^/]/],
  ] as const) {
    const v = values.get(key);
    const opt = OPTIONS.find((o) => o.key === key);
    if (typeof v === 'string' && !scheme.test(v))
      problems.push(
        `${opt?.env ?? key} must look like ${key === 'cluster.redisUrl' ? 'redis://host:port' : 'postgres://user@host:port/db'}`,
      );
  }
  const url = values.get('edge.platformUrl');
  if (typeof url === 'string' && !/^(https?|mqtts?):\/\/[^/]+/.test(url)) {
    problems.push(`ISOBAR_PLATFORM_URL must look like http://host:port, got ${JSON.stringify(url)}`);
  }
}

function nest(values: Map<string, Raw>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of values) {
    const parts = key.split('.');
    let node = root;
    for (const part of parts.slice(0, -1)) node = (node[part] ??= {}) as Record<string, unknown>;
    node[parts[parts.length - 1]] = value;
  }
  return root;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
