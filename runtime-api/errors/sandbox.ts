import { defineErrors } from './spec.js';

/** The isolate sandbox: limits, timeouts, bridge calls. */
export const sandboxErrors = defineErrors({
  CB_ERR_SANDBOX_TIMEOUT: {
    status: 200,
    fault: 'user',
    message: 'Service {service} timed out after {seconds} s',
  },
  CB_ERR_SANDBOX_MEMORY: {
    status: 200,
    fault: 'user',
    message: 'Service {service} went over its memory limit of {limitMb} MB',
  },
  CB_ERR_SANDBOX_RESULT_TOO_LARGE: {
    status: 200,
    fault: 'user',
    message: 'Service {service} answered more than {limit} bytes',
  },
  CB_ERR_SANDBOX_RESULT_TOO_DEEP: {
    status: 200,
    fault: 'user',
    message: 'Service {service} answered a value nested deeper than {limit} levels',
  },
  CB_ERR_SANDBOX_LOG_LIMIT: {
    status: 200,
    fault: 'user',
    message: 'Service {service} logged more than {limit} in one run',
  },
  CB_ERR_SANDBOX_PUBLISH_LIMIT: {
    status: 200,
    fault: 'user',
    message: 'Service {service} published more than {limit} messages in one run',
  },
  CB_ERR_SANDBOX_UNCAUGHT: {
    status: 200,
    fault: 'user',
    message: 'Service {service} threw {error}',
  },
  CB_ERR_SANDBOX_COMPILE: {
    status: 400,
    fault: 'user',
    message: 'Service {service} does not compile: {error}',
  },
  CB_ERR_SANDBOX_NO_ENTRY: {
    status: 200,
    fault: 'user',
    message: 'Service {service} defines no function {service} and no default export',
  },
  /** The one call-depth code: the invoke door refuses a run whose chain already ran engine.hopLimit services. */
  CB_ERR_SANDBOX_DEPTH: {
    status: 200,
    fault: 'user',
    message: 'Service {service} not run: call chain deeper than {limit}',
  },
  CB_ERR_SANDBOX_BRIDGE_OP: {
    status: 200,
    fault: 'user',
    message: 'Bridge operation {op} is not available: {reason}',
  },
  CB_ERR_SANDBOX_TIMER_LIMIT: {
    status: 200,
    fault: 'user',
    message: 'System {systemKey} already has {limit} delayed publishes waiting',
  },
  CB_ERR_SANDBOX_BUSY: {
    status: 429,
    fault: 'user',
    message: 'Service {service} not run: system {systemKey} already has {limit} runs waiting for an isolate',
  },
  CB_ERR_SANDBOX_DELAYED_LIMIT: {
    status: 200,
    fault: 'user',
    message: 'Service {service} already holds {limit} of delayed publishes',
  },
  CB_ERR_SANDBOX_DELAYED_PERIOD: {
    status: 200,
    fault: 'user',
    message: 'Service {service} asked for a delayed publish every {ms} ms; the shortest period is {min} ms',
  },
  CB_ERR_SANDBOX_WASM_MEMORY: {
    status: 200,
    fault: 'user',
    message: 'Service {service} asked for more WebAssembly memory than its limit of {limitMb} MB',
  },
  CB_ERR_SANDBOX_STOPPED: {
    status: 200,
    fault: 'user',
    message: 'Service {service} was stopped',
  },
  CB_ERR_SANDBOX_CRASHED: {
    status: 500,
    fault: 'system',
    message: 'The isolate of service {service} died: {reason}',
  },
  CB_ERR_SANDBOX_CLOSED: {
    status: 503,
    fault: 'system',
    message: 'The code engine is shutting down',
  },
});
