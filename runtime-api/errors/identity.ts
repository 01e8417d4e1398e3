import { defineErrors } from './spec.js';

/** Developers, systems, users, devices, roles and tokens. */
export const identityErrors = defineErrors({
  CB_ERR_AUTH_MISSING_TOKEN: {
    status: 401,
    fault: 'user',
    message: 'No token given ({header} header expected)',
  },
  CB_ERR_AUTH_INVALID_TOKEN: { status: 401, fault: 'user', message: 'Invalid or revoked token', connack: 5 },
  CB_ERR_AUTH_EXPIRED_TOKEN: { status: 401, fault: 'user', message: 'Token expired', connack: 5 },
  CB_ERR_AUTH_BAD_CREDENTIALS: { status: 401, fault: 'user', message: 'Incorrect login info', connack: 5 },
  CB_ERR_AUTH_FORBIDDEN: { status: 403, fault: 'user', message: 'Invalid Permissions: {detail}' },
  CB_ERR_SYSTEM_UNKNOWN: { status: 404, fault: 'user', message: 'Unknown system {systemKey}', connack: 4 },
  CB_ERR_SYSTEM_BAD_SECRET: {
    status: 401,
    fault: 'user',
    message: 'Wrong system secret for {systemKey}',
    connack: 4,
  },
});
