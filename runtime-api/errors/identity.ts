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
  CB_ERR_SYSTEM_MISSING: {
    status: 400,
    fault: 'user',
    message: 'No system given (ClearBlade-SystemKey and ClearBlade-SystemSecret headers expected)',
    connack: 4,
  },
  CB_ERR_DEVELOPER_EXISTS: { status: 409, fault: 'user', message: 'Developer {email} already exists' },
  CB_ERR_USER_EXISTS: { status: 409, fault: 'user', message: 'User {email} already exists in this system' },
  CB_ERR_USER_UNKNOWN: { status: 404, fault: 'user', message: 'No user {user} in this system' },
  CB_ERR_DEVICE_EXISTS: {
    status: 409,
    fault: 'user',
    message: 'Device {name} already exists in this system',
  },
  CB_ERR_DEVICE_UNKNOWN: { status: 404, fault: 'user', message: 'No device {name} in this system' },
  CB_ERR_ROLE_EXISTS: { status: 409, fault: 'user', message: "A role's name must be unique: {name}" },
  CB_ERR_ROLE_UNKNOWN: { status: 404, fault: 'user', message: 'No role {role} in this system' },
  CB_ERR_ROLE_PROTECTED: {
    status: 400,
    fault: 'user',
    message: 'The default role {role} cannot be deleted or renamed',
  },
  CB_ERR_IDENTITY_BAD_QUERY: { status: 400, fault: 'user', message: 'Unsupported query: {detail}' },
  CB_ERR_IDENTITY_BAD_FIELD: { status: 400, fault: 'user', message: 'Invalid field {field}: {detail}' },
  CB_ERR_IDENTITY_PASSWORD_TOO_SHORT: {
    status: 400,
    fault: 'user',
    message: '{field} must be at least {min} characters long',
  },
  CB_ERR_IDENTITY_PASSWORD_WEAK: {
    status: 400,
    fault: 'user',
    message: '{field} is too easy to guess: {detail}',
  },
  CB_ERR_AUTH_THROTTLED: {
    status: 429,
    fault: 'user',
    message: 'Too many failed attempts; retry in {retryAfter} s',
    connack: 3,
  },
  CB_ERR_DEVELOPER_REGISTRATION_CLOSED: {
    status: 403,
    fault: 'user',
    message: 'Developer registration needs a registration key (the "key" field)',
  },
  CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY: {
    status: 403,
    fault: 'user',
    message: 'Wrong registration key',
  },
});
