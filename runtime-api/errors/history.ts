import { defineErrors } from './spec.js';

/** Message history: capture, query, retention. */
export const historyErrors = defineErrors({
  CB_ERR_HISTORY_BAD_QUERY: { status: 400, fault: 'user', message: 'Invalid history query: {detail}' },
});
