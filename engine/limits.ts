import { DEFAULT_MAX_RESULT_DEPTH } from '../runtime-api/json-depth.js';
import type { EngineLimits } from './types.js';

/** Defaults of the per-run limits; each protects the host from one kind of runaway service. */
export const DEFAULT_LIMITS: EngineLimits = {
  maxResultBytes: 4 * 1024 * 1024,
  maxResultDepth: DEFAULT_MAX_RESULT_DEPTH,
  maxLogLines: 10_000,
  maxLogBytes: 1024 * 1024,
  maxLogLineChars: 16 * 1024,
  maxPublishes: 100_000,
  maxBufferedMessages: 10_000,
  maxBufferedBytes: 16 * 1024 * 1024,
  maxSubscriptions: 256,
  maxPublishesInFlight: 1024,
  maxDelayedPublishes: 1000,
  maxDelayedPerService: 100,
  maxDelayedBytesPerService: 4 * 1024 * 1024,
  minDelayedIntervalMs: 500,
  streamLogLinesPerSecond: 1000,
};

/** Smallest memoryLimit isolated-vm accepts, MB. */
export const MIN_MEMORY_MB = 8;

export const DEFAULT_BACKOFF = { initialMs: 1000, maxMs: 60_000 };
