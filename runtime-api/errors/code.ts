import { defineErrors } from './spec.js';

/** Code registry: services, libraries, versions, execution over REST. */
export const codeErrors = defineErrors({
  CB_ERR_CODE_SERVICE_UNKNOWN: { status: 404, fault: 'user', message: 'No service with that name: {name}' },
});
