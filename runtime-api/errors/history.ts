import { defineErrors } from './spec.js';

/** Message history: capture, query, retention. */
export const historyErrors = defineErrors({
  CB_ERR_HISTORY_BAD_QUERY: {
    status: 400,
    fault: 'user',
    message: 'Invalid history query: {detail}',
    fix: 'Correct the query parameter named (topic, count, last, start, stop: numbers in epoch seconds or ms).',
  },
  CB_ERR_HISTORY_BAD_SETTINGS: {
    status: 400,
    fault: 'user',
    message: 'Invalid message history settings: {detail}',
    fix: 'Send storage entries as {topic, max_rows, max_time} and autodelete as documented; fix the field named.',
  },
  CB_ERR_HISTORY_FORBIDDEN: {
    status: 403,
    fault: 'user',
    message: 'Invalid Permissions: message history {action} is not allowed',
    fix: 'Use an identity whose role grants message history read (or delete), or a developer.',
  },
  CB_ERR_HISTORY_UNAVAILABLE: {
    status: 503,
    fault: 'system',
    message: 'Message history store unavailable: {reason}',
    fix: 'The history writer is full or failed: an MQTT client re-sends the PUBLISH on reconnect; a REST caller retries after a back-off.',
  },
});
