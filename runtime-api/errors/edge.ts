import { defineErrors } from './spec.js';

/** Edges, relay and deployment sync. */
export const edgeErrors = defineErrors({
  CB_ERR_EDGE_UNKNOWN: { status: 404, fault: 'user', message: 'No edge named {name}' },
  CB_ERR_EDGE_EXISTS: { status: 409, fault: 'user', message: 'Edge {name} already exists in this system' },
  CB_ERR_EDGE_BAD_NAME: {
    status: 400,
    fault: 'user',
    message: 'Invalid edge name {name}: use 1-64 letters, digits, "-" or "_"',
  },
  CB_ERR_EDGE_BAD_TOKEN: {
    status: 401,
    fault: 'user',
    message: 'Wrong edge token for this system',
    connack: 5,
  },
  CB_ERR_EDGE_PLATFORM_UNREACHABLE: {
    status: 503,
    fault: 'user',
    message: 'Platform {url} unreachable: {detail}',
  },
  CB_ERR_EDGE_OUTBOX_FULL: {
    status: 503,
    fault: 'user',
    message: 'Edge outbox full ({limit} messages waiting for the platform); oldest message dropped',
  },
  CB_ERR_EDGE_RELAY_NO_EDGE: {
    status: 404,
    fault: 'user',
    message: 'Relay topic {topic} names edge {name}, which does not exist in this system',
  },
  CB_ERR_EDGE_BAD_ASSET: {
    status: 400,
    fault: 'user',
    message: 'Invalid deployment asset: {detail}',
  },
  CB_ERR_EDGE_ASSET_UNKNOWN: {
    status: 404,
    fault: 'user',
    message: 'No {asset_class} named {asset_id} in this system',
  },
  CB_ERR_EDGE_APPLY_FAILED: {
    status: 400,
    fault: 'user',
    message: 'Edge {edge} could not apply {asset_class} {asset_id}: {detail}',
  },
});
