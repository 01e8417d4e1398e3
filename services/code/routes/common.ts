// What the code route modules share: their dependencies and the JSON schemas of ClearBlade's shapes.
import type { Identity } from '../../identity/types.js';
import type { Libraries } from '../libraries.js';
import type { CodeLogs } from '../logs.js';
import type { RunTail } from '../run-tail.js';
import type { Registry } from '../registry.js';
import type { InvokeService } from '../invoke.js';
import type { ServiceInput, ServiceRecord } from '../types.js';
import type { StreamControl } from '../streams.js';

/** Everything a code route module is built from (who may call is each route's `config.auth`). */
export interface CodeRouteDeps {
  readonly identity: Identity;
  readonly registry: Registry;
  readonly libraries: Libraries;
  readonly logs: CodeLogs;
  readonly tail: RunTail;
  readonly invoke: InvokeService;
  readonly streams: StreamControl;
}

export {
  callerSecurity,
  devTokenSecurity as devSecurity,
  systemKeyParams as systemParams,
} from '../../rest/schemas.js';

export const serviceParams = {
  type: 'object',
  required: ['systemKey', 'name'],
  properties: { systemKey: { type: 'string', minLength: 1 }, name: { type: 'string', minLength: 1 } },
} as const;

const stringList = { type: 'array', items: { type: 'string' } } as const;

/** The body of POST/PUT (reference §3.1); unknown fields (run_on_edge, engine_type, …) are accepted and ignored. */
export const serviceBody = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    code: { type: 'string', description: 'JavaScript, ES module or TypeScript source' },
    parameters: stringList,
    params: { ...stringList, description: 'accepted as a synonym of parameters' },
    dependencies: { type: 'string', description: 'comma list of library names' },
    run_user: {
      type: ['string', 'null'],
      description:
        'user_id the service runs as ("" = the caller); developers only (CB_ERR_CODE_RUN_USER_FORBIDDEN)',
    },
    execution_timeout: { type: 'integer', description: 'seconds (default 60); -1 = stream service' },
    auto_restart: { type: 'boolean' },
    auto_balance: { type: 'boolean' },
    concurrency: { type: 'integer', minimum: 0, maximum: 64, description: 'stream instances' },
    logging_enabled: { type: 'boolean' },
    log_ttl_minutes: { type: 'integer', minimum: 1, description: 'log retention (default 10080)' },
    log_level: { type: 'string' },
    memory_limit_mb: { type: ['integer', 'null'], minimum: 8, maximum: 4096 },
    allow_wasm: {
      type: 'boolean',
      description:
        'WebAssembly available to the service (default false); module memories count against its memory limit',
    },
    strict_isolation: {
      type: 'boolean',
      description:
        'A fresh V8 context for every run (default false: runs share a warm context of the version, each in a fresh scope)',
    },
    description: { type: 'string' },
  },
} as const;

/** A service as GET returns it (`params`, not `parameters`). */
export const serviceSchema = {
  type: 'object',
  properties: {
    name: { type: 'string' },
    system_key: { type: 'string' },
    code: { type: 'string' },
    params: stringList,
    dependencies: { type: 'string' },
    run_user: { type: 'string' },
    execution_timeout: { type: 'integer' },
    auto_restart: { type: 'boolean' },
    auto_balance: { type: 'boolean' },
    concurrency: { type: 'integer' },
    logging_enabled: { type: 'boolean' },
    log_ttl_minutes: { type: 'integer' },
    log_level: { type: 'string' },
    memory_limit_mb: { type: ['integer', 'null'] },
    allow_wasm: { type: 'boolean' },
    strict_isolation: { type: 'boolean' },
    description: { type: 'string' },
    current_version: { type: 'integer' },
    created_by: {
      type: 'object',
      description:
        'who saved the current version: a stream runs as it (unless run_user), a micro run never above its rights',
      properties: { kind: { type: 'string', enum: ['developer', 'user', 'device'] }, id: { type: 'string' } },
    },
    created_at: { type: 'integer' },
    updated_at: { type: 'integer' },
  },
} as const;

export const namesSchema = {
  type: 'object',
  properties: { code: { type: 'array', items: { type: 'string' } } },
} as const;

/** The request body of POST/PUT as the registry takes it. */
export type ServiceBody = Omit<ServiceInput, 'run_user'> & { run_user?: string | null; name?: string };

/** Normalises a body: `run_user: null` means "the caller". */
export function serviceInput(body: ServiceBody | undefined): ServiceInput {
  const b = body ?? {};
  return { ...b, run_user: b.run_user === null ? '' : b.run_user };
}

/** The service object of GET. */
export function serviceJson(s: ServiceRecord): ServiceRecord {
  return s;
}
