// Builders shared by the engine tests.

import { createEngine } from '../../engine/index.js';
import type { Caller, Engine, EngineOptions, InvokeRequest, ServiceVersion } from '../../engine/types.js';
import type { Clock } from '../../runtime-api/clock.js';
import { silentLog } from '../../runtime-api/log.js';
import { systemClock } from '../../services/kernel/clock.js';
import { createFakeHost, type FakeHost } from './fake-host.js';

export const SYSTEM_KEY = 'd4a8a4c60b86d3c79bf889b796ff01';
export const SYSTEM_SECRET = 'D4A8A4C60BEE99DC97FCCA958C8701';

export const caller: Caller = {
  kind: 'user',
  id: 'a8cab2a60b9abcffe392e9c5e5df01',
  name: 'ada@example.com',
  token: 'token-of-ada',
  systemKey: SYSTEM_KEY,
};

let nextVersion = 1;

/** A service version with test-friendly defaults (5 s timeout, 32 MB). */
export function service(name: string, code: string, overrides: Partial<ServiceVersion> = {}): ServiceVersion {
  return {
    systemKey: SYSTEM_KEY,
    name,
    version: nextVersion++,
    code,
    executionTimeout: 5,
    memoryLimitMb: 32,
    concurrency: 1,
    autoRestart: false,
    loggingEnabled: false,
    ...overrides,
  };
}

/** An invoke request by `caller`. */
export function request(params: unknown = {}, overrides: Partial<InvokeRequest> = {}): InvokeRequest {
  return { params, caller, runAs: caller, systemSecret: SYSTEM_SECRET, ...overrides };
}

export interface Harness {
  readonly engine: Engine;
  readonly host: FakeHost;
}

/** An engine over a fake host. */
export async function harness(
  options: Partial<EngineOptions> = {},
  clock: Clock = systemClock,
): Promise<Harness> {
  const host = createFakeHost();
  const engine = await createEngine(
    { defaults: { memoryLimitMb: 32, executionTimeoutS: 60 }, ...options },
    { host, log: silentLog, clock },
  );
  return { engine, host };
}
