import { defineErrors } from './spec.js';

/** Edges, relay and deployment sync. */
export const edgeErrors = defineErrors({
  CB_ERR_EDGE_UNKNOWN: {
    status: 404,
    fault: 'user',
    message: 'No edge named {name}',
    fix: 'Check the edge name; GET /admin/edges/{systemKey} lists them.',
  },
  CB_ERR_EDGE_EXISTS: {
    status: 409,
    fault: 'user',
    message: 'Edge {name} already exists in this system',
    fix: 'Choose another edge name, or update the existing edge.',
  },
  CB_ERR_EDGE_BAD_NAME: {
    status: 400,
    fault: 'user',
    message: 'Invalid edge name {name}: use 1-64 letters, digits, "-" or "_"',
    fix: 'Rename: 1-64 letters, digits, - or _.',
  },
  CB_ERR_EDGE_BAD_TOKEN: {
    status: 401,
    fault: 'user',
    message: 'Wrong edge token for this system',
    connack: 5,
    fix: 'Set ISOBAR_EDGE_TOKEN to the token issued when the edge was created (re-issue it on the platform if lost).',
  },
  CB_ERR_EDGE_PLATFORM_UNREACHABLE: {
    status: 503,
    fault: 'user',
    message: 'Platform {url} unreachable: {detail}',
    fix: 'Check ISOBAR_PLATFORM_URL and the network path to the platform; the edge keeps retrying with back-off.',
  },
  CB_ERR_EDGE_OUTBOX_FULL: {
    status: 503,
    fault: 'user',
    message: 'Edge outbox full ({limit} messages waiting for the platform); oldest message dropped',
    fix: 'Restore the link to the platform; until it is back the oldest queued messages are dropped.',
  },
  CB_ERR_EDGE_RELAY_NO_EDGE: {
    status: 404,
    fault: 'user',
    message: 'Relay topic {topic} names edge {name}, which does not exist in this system',
    fix: 'Create the edge named in the relay topic, or publish to an existing edge name.',
  },
  CB_ERR_EDGE_BAD_ASSET: {
    status: 400,
    fault: 'user',
    message: 'Invalid deployment asset: {detail}',
    fix: 'Correct the deployment entry the message names (asset_class, asset_id, target edges).',
  },
  CB_ERR_EDGE_ASSET_UNKNOWN: {
    status: 404,
    fault: 'user',
    message: 'No {asset_class} named {asset_id} in this system',
    fix: 'Create the asset on the platform first, or remove it from the deployment.',
  },
  CB_ERR_EDGE_APPLY_FAILED: {
    status: 400,
    fault: 'user',
    message: 'Edge {edge} could not apply {asset_class} {asset_id}: {detail}',
    fix: 'Read the detail for the edge-side cause, fix the asset on the platform and deploy it again.',
  },
});
