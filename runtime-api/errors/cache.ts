import { defineErrors } from './spec.js';

/** Shared caches: `ClearBlade.Cache(name)` and `/admin/v/4/service_caches`. */
export const cacheErrors = defineErrors({
  CB_ERR_CACHE_UNKNOWN: {
    status: 404,
    fault: 'user',
    message: 'Shared cache {name} does not exist',
    fix: 'Create it first: POST /admin/v/4/service_caches/{systemKey}/{name} (developer), then use ClearBlade.Cache(name).',
  },
  CB_ERR_CACHE_EXISTS: {
    status: 409,
    fault: 'user',
    message: 'Shared cache {name} already exists',
    fix: 'Use the existing cache, change it with PUT, or delete it before creating it again.',
  },
  CB_ERR_CACHE_BAD_INPUT: {
    status: 400,
    fault: 'user',
    message: 'Invalid shared cache request: {detail}',
    fix: 'Correct the field named: cache names are 1-128 characters of letters, digits, _ - . ; keys are non-empty strings; ttl is whole seconds >= 0; values are JSON (not undefined).',
  },
  CB_ERR_CACHE_VALUE_TOO_LARGE: {
    status: 413,
    fault: 'user',
    message: 'Shared cache entry {key} is {size} characters, over the limit of {limit}',
    fix: 'Store smaller values (split them over several keys, or keep large data in a collection); the limit is ISOBAR_CACHE_VALUE_BYTES.',
  },
  CB_ERR_CACHE_FULL: {
    status: 409,
    fault: 'user',
    message: 'Shared cache {name} holds {limit} entries, its limit',
    fix: 'Delete entries, give entries a ttl so they expire, or flush the cache; the limit is ISOBAR_CACHE_MAX_ENTRIES.',
  },
  CB_ERR_CACHE_TOO_MANY: {
    status: 409,
    fault: 'user',
    message: 'System already has {limit} shared caches',
    fix: 'Delete a cache you no longer use; the limit is ISOBAR_CACHE_MAX_PER_SYSTEM.',
  },
  CB_ERR_CACHE_FORBIDDEN: {
    status: 403,
    fault: 'user',
    message: 'Invalid Permissions: shared cache {name} may not be {action}',
    fix: 'Run the service as an identity whose role grants servicecaches on this cache (1 read, 2 create, 4 update, 8 delete), or as a developer.',
  },
});
