import { defineErrors } from './spec.js';

/** Configuration, start-up and generic HTTP errors. */
export const platformErrors = defineErrors({
  CB_ERR_CONFIG_INVALID: { status: 500, fault: 'user', message: 'Invalid configuration: {problems}' },
  CB_ERR_INTERNAL: { status: 500, fault: 'system', message: 'Internal error' },
  CB_ERR_UNAVAILABLE: { status: 503, fault: 'system', message: 'Service unavailable: {reason}', connack: 3 },
  CB_ERR_HTTP_BAD_JSON: { status: 400, fault: 'user', message: 'Poorly formatted json object: {detail}' },
  CB_ERR_HTTP_BAD_REQUEST: { status: 400, fault: 'user', message: 'Invalid request: {detail}' },
  CB_ERR_HTTP_BODY_TOO_LARGE: {
    status: 413,
    fault: 'user',
    message: 'Request body larger than {limit} bytes',
  },
  CB_ERR_HTTP_ROUTE_NOT_FOUND: { status: 404, fault: 'user', message: 'Route not found: {method} {url}' },
  CB_ERR_HTTP_UNSUPPORTED_MEDIA: { status: 415, fault: 'user', message: 'Unsupported content type: {type}' },
});
