import { defineErrors } from './spec.js';

/** Configuration, start-up and generic HTTP errors. */
export const platformErrors = defineErrors({
  CB_ERR_CONFIG_INVALID: {
    status: 500,
    fault: 'user',
    message: 'Invalid configuration: {problems}',
    fix: 'Correct every setting the message lists (environment, flags or config file; README "Configuration"), then start again.',
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
});
