// Shapes of the code registry as REST, CLI and the component see them (ClearBlade field names, §3.1).
import type { ServiceAuthorKind } from '../store/tables/code.js';

/**
 * Who saved a version: a stream runs as this identity (unless run_user), and a micro run never has more
 * rights than it. Developer id '' is the system's owner (versions saved before authors were kept).
 */
export interface ServiceAuthor {
  readonly kind: ServiceAuthorKind;
  readonly id: string;
}

/** The author of saves made by the platform itself (edges applying a deployment, legacy versions). */
export const OWNER_AUTHOR: ServiceAuthor = Object.freeze({ kind: 'developer', id: '' });

/** A service as `GET` returns it: the current version's definition plus the service's switches. */
export interface ServiceRecord {
  readonly system_key: string;
  readonly name: string;
  readonly code: string;
  /** ClearBlade's GET name; POST/PUT take `parameters`. */
  readonly params: readonly string[];
  readonly dependencies: string;
  readonly run_user: string;
  /** seconds; -1 = stream service. */
  readonly execution_timeout: number;
  readonly auto_restart: boolean;
  readonly auto_balance: boolean;
  readonly concurrency: number;
  readonly logging_enabled: boolean;
  readonly log_ttl_minutes: number;
  readonly log_level: string;
  /** MiB; null = the platform default. */
  readonly memory_limit_mb: number | null;
  /** WebAssembly available to the service; its memories count against `memory_limit_mb`. */
  readonly allow_wasm: boolean;
  /** A fresh V8 context for every run (default false: warm contexts, a fresh scope per run). */
  readonly strict_isolation: boolean;
  readonly description: string;
  readonly current_version: number;
  /** Who saved the current version. */
  readonly created_by: ServiceAuthor;
  readonly created_at: number;
  readonly updated_at: number;
}

/** What POST/PUT accept; every field optional on PUT (the current version fills the rest). */
export interface ServiceInput {
  readonly code?: string;
  readonly parameters?: readonly string[];
  /** Accepted too: tools that round-trip a GET send `params` back. */
  readonly params?: readonly string[];
  readonly dependencies?: string;
  readonly run_user?: string;
  readonly execution_timeout?: number;
  readonly auto_restart?: boolean;
  readonly auto_balance?: boolean;
  readonly concurrency?: number;
  readonly logging_enabled?: boolean;
  readonly log_ttl_minutes?: number;
  readonly log_level?: string;
  readonly memory_limit_mb?: number | null;
  readonly allow_wasm?: boolean;
  readonly strict_isolation?: boolean;
  readonly description?: string;
}

/** One stored version (history endpoints); `code` is the uploaded source, `bundle` what runs. */
export interface ServiceVersionRecord {
  readonly name: string;
  readonly version: number;
  readonly code: string;
  readonly bundle: string;
  readonly params: readonly string[];
  readonly dependencies: string;
  readonly run_user: string;
  readonly execution_timeout: number;
  readonly auto_restart: boolean;
  readonly auto_balance: boolean;
  readonly concurrency: number;
  readonly log_ttl_minutes: number;
  readonly memory_limit_mb: number | null;
  readonly allow_wasm: boolean;
  readonly strict_isolation: boolean;
  readonly description: string;
  readonly rolled_back_from: number | null;
  readonly created_by: ServiceAuthor;
  readonly created_at: number;
  readonly current: boolean;
}

/** What changed in the registry; the component prepares, starts and stops engine work from these. */
export type RegistryChange =
  | { readonly kind: 'saved'; readonly service: ServiceRecord; readonly bundle: string }
  | { readonly kind: 'deleted'; readonly systemKey: string; readonly name: string };

/** Defaults of ClearBlade's push tooling (reference §3.1). */
export const SERVICE_DEFAULTS = {
  execution_timeout: 60,
  log_ttl_minutes: 10080,
  log_level: 'debug',
} as const;
