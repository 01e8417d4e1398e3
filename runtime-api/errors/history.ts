import { defineErrors } from './spec.js';

/** Message history: capture, query, retention. */
export const historyErrors = defineErrors({
  CB_ERR_HISTORY_BAD_QUERY: { status: 400, fault: 'user', message: 'Invalid history query: {detail}' },
  CB_ERR_HISTORY_BAD_SETTINGS: {
    status: 400,
    fault: 'user',
    message: 'Invalid message history settings: {detail}',
  },
  CB_ERR_HISTORY_FORBIDDEN: {
    status: 403,
    fault: 'user',
    message: 'Invalid Permissions: message history {action} is not allowed',
  },
  CB_ERR_HISTORY_UNAVAILABLE: {
    status: 503,
    fault: 'system',
    message: 'Message history store unavailable: {reason}',
  },
});
