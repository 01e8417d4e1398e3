import { defineErrors } from './spec.js';

/** Configuration, start-up and generic HTTP errors. */
export const platformErrors = defineErrors({
  CB_ERR_CONFIG_INVALID: {
    status: 500,
    fault: 'user',
    message: 'Invalid configuration: {problems}',
    fix: 'Correct every setting the message lists (environment, flags or config file; README "Configuration"), then start again.',
  },
  // Start-up and offline admin failures: printed by the CLI as one line and a non-zero exit, never
  // served over REST (the status is only there because every entry has one).
  CB_ERR_START_PORT_IN_USE: {
    status: 500,
    fault: 'user',
    message: 'port {port} ({env}) is already in use — stop the other process or set {env}',
    fix: 'Another process listens on that port (often a second Isobar): stop it, or choose another port with the setting named, or -1 to disable that listener.',
  },
  CB_ERR_START_PORT_DENIED: {
    status: 500,
    fault: 'user',
    message:
      'not allowed to listen on port {port} ({env}) — use a port above 1023 or grant CAP_NET_BIND_SERVICE',
    fix: 'Ports below 1024 need privileges: pick a higher port with the setting named, or give node the capability (systemd: AmbientCapabilities=CAP_NET_BIND_SERVICE).',
  },
  CB_ERR_START_ADDRESS_UNAVAILABLE: {
    status: 500,
    fault: 'user',
    message:
      'cannot listen on {host} (ISOBAR_HOST): no such address on this machine — set ISOBAR_HOST to one of its addresses or 0.0.0.0',
    fix: 'ISOBAR_HOST must be an address of a local interface (or 0.0.0.0 / :: for all of them).',
  },
  CB_ERR_START_DATA_DIR: {
    status: 500,
    fault: 'user',
    message:
      'data directory {dir} (ISOBAR_DATA_DIR) is not writable: {reason} — fix its permissions or set ISOBAR_DATA_DIR to a writable directory',
    fix: 'The user running Isobar must be able to create and write files in the data directory (chown/chmod it, or point ISOBAR_DATA_DIR elsewhere).',
  },
  CB_ERR_START_DATA_DIR_IN_USE: {
    status: 500,
    fault: 'user',
    message:
      'data directory {dir} is in use by another Isobar process (pid {pid}) — stop it first, or set ISOBAR_DATA_DIR to another directory',
    fix: 'One process owns a data directory (lock file isobar.pid). Stop the other process (systemctl stop isobar, docker stop ...); if none runs, the lock is stale only when that pid is alive but not Isobar: delete isobar.pid.',
  },
  CB_ERR_ADMIN_NO_DEVELOPER: {
    status: 500,
    fault: 'user',
    message: 'no developer {email} in {dir}',
    fix: 'Check the email (isobar admin reset-password without --email picks the only developer) and that ISOBAR_DATA_DIR / --data-dir names the data directory the platform uses.',
  },
  CB_ERR_ADMIN_EMAIL_REQUIRED: {
    status: 500,
    fault: 'user',
    message: '{dir} holds {count} developers — name one with --email',
    fix: 'Give the account to reset with --email <email>.',
  },
  CB_ERR_INTERNAL: {
    status: 500,
    fault: 'system',
    message: 'Internal error',
    fix: 'Not caused by the request. Retry; if it persists, report it with the time: the server log holds the cause.',
  },
  CB_ERR_UNAVAILABLE: {
    status: 503,
    fault: 'system',
    message: 'Service unavailable: {reason}',
    connack: 3,
    fix: 'The platform is starting, draining or overloaded: retry after a short back-off.',
  },
  CB_ERR_HTTP_BAD_JSON: {
    status: 400,
    fault: 'user',
    message: 'Poorly formatted json object: {detail}',
    fix: 'Send a valid JSON body with Content-Type: application/json.',
  },
  CB_ERR_HTTP_BAD_REQUEST: {
    status: 400,
    fault: 'user',
    message: 'Invalid request: {detail}',
    fix: 'Fix the parameter or body field the message names; the OpenAPI document (/openapi.json, browsable at /docs) shows the expected shape.',
  },
  CB_ERR_HTTP_BODY_TOO_LARGE: {
    status: 413,
    fault: 'user',
    message: 'Request body larger than {limit} bytes',
    fix: 'Send a smaller body, or have the operator raise ISOBAR_HTTP_BODY_LIMIT.',
  },
  CB_ERR_HTTP_ROUTE_NOT_FOUND: {
    status: 404,
    fault: 'user',
    message: 'Route not found: {method} {url}',
    fix: 'Check the method and path (and the /api/v/N version) against the OpenAPI document.',
  },
  CB_ERR_HTTP_UNSUPPORTED_MEDIA: {
    status: 415,
    fault: 'user',
    message: 'Unsupported content type: {type}',
    fix: 'Send the body as JSON with Content-Type: application/json.',
  },
  CB_ERR_HTTP_CONFLICT: {
    status: 409,
    fault: 'user',
    message: 'Another request created the same {what} at the same moment',
    fix: 'Two writes raced for one name (on one node or two nodes of a cluster) and the other won: read what exists, or retry with another name.',
  },
});
