import { defineErrors } from './spec.js';

/** The isolate sandbox: limits, timeouts, bridge calls. */
export const sandboxErrors = defineErrors({
  CB_ERR_SANDBOX_TIMEOUT: {
    status: 200,
    fault: 'user',
    message: 'Service {service} timed out after {seconds} s',
  },
});
