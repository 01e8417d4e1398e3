import { defineErrors } from './spec.js';

/** Edges, relay and deployment sync. */
export const edgeErrors = defineErrors({
  CB_ERR_EDGE_UNKNOWN: { status: 404, fault: 'user', message: 'No edge named {name}' },
});
