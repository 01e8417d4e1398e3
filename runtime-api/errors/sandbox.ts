import { defineErrors } from './spec.js';

/** The isolate sandbox: limits, timeouts, bridge calls. */
export const sandboxErrors = defineErrors({
  CB_ERR_SANDBOX_TIMEOUT: {
    status: 200,
    fault: 'user',
    message: 'Service {service} timed out after {seconds} s',
    fix: 'Make the service finish (call resp.success or resp.error on every path) within execution_timeout, or raise that setting.',
  },
  CB_ERR_SANDBOX_MEMORY: {
    status: 200,
    fault: 'user',
    message: 'Service {service} went over its memory limit of {limitMb} MB',
    fix: 'Hold less data at once (page through large collections) or raise the service memory limit (ISOBAR_SERVICE_MEMORY_MB).',
  },
  CB_ERR_SANDBOX_RESULT_TOO_LARGE: {
    status: 200,
    fault: 'user',
    message: 'Service {service} answered more than {limit} bytes',
    fix: 'Answer less: return an id or a page, store bulk data elsewhere, or raise ISOBAR_SERVICE_RESULT_BYTES.',
  },
  CB_ERR_SANDBOX_RESULT_TOO_DEEP: {
    status: 200,
    fault: 'user',
    message: 'Service {service} answered a value nested deeper than {limit} levels',
    fix: 'Answer a flatter value (fewer nested arrays/objects), or raise ISOBAR_SERVICE_RESULT_DEPTH.',
  },
  CB_ERR_SANDBOX_LOG_LIMIT: {
    status: 200,
    fault: 'user',
    message: 'Service {service} logged more than {limit} in one run',
    fix: 'Log less per run: summarise instead of logging inside loops.',
  },
  CB_ERR_SANDBOX_PUBLISH_LIMIT: {
    status: 200,
    fault: 'user',
    message: 'Service {service} published more than {limit} messages in one run',
    fix: 'Publish fewer messages per run (batch them into one payload) or split the work across runs.',
  },
  CB_ERR_SANDBOX_UNCAUGHT: {
    status: 200,
    fault: 'user',
    message: 'Service {service} threw {error}',
    fix: 'Fix the service code at the error shown in the logs; catch what you expect and answer resp.error.',
  },
  CB_ERR_SANDBOX_COMPILE: {
    status: 400,
    fault: 'user',
    message: 'Service {service} does not compile: {error}',
    fix: 'Fix the syntax or type error the message shows and save the service again.',
  },
  CB_ERR_SANDBOX_NO_ENTRY: {
    status: 200,
    fault: 'user',
    message: 'Service {service} defines no function {service} and no default export',
    fix: "Define function <ServiceName>(req, resp) with the service's exact name, or export it as the default.",
  },
  /** The one call-depth code: the invoke door refuses a run whose chain already ran engine.hopLimit services. */
  CB_ERR_SANDBOX_DEPTH: {
    status: 200,
    fault: 'user',
    message: 'Service {service} not run: call chain deeper than {limit}',
    fix: 'Break the chain: a service that publishes to a topic that triggers itself, or calls services in a loop, needs a stop condition (the limit is ISOBAR_HOP_LIMIT).',
  },
  CB_ERR_SANDBOX_BRIDGE_OP: {
    status: 200,
    fault: 'user',
    message: 'Bridge operation {op} is not available: {reason}',
    fix: 'No longer raised: an unknown bridge operation fails its own call, a missing platform operation gives CB_ERR_CODE_OP_UNAVAILABLE.',
    deprecated: true,
    replacedBy: 'CB_ERR_CODE_OP_UNAVAILABLE',
  },
  CB_ERR_SANDBOX_TIMER_LIMIT: {
    status: 200,
    fault: 'user',
    message: 'System {systemKey} already has {limit} delayed publishes waiting',
    fix: 'Cancel delayed publishes you no longer need (Messaging().cancelCBInterval) before scheduling more.',
  },
  CB_ERR_SANDBOX_BUSY: {
    status: 429,
    fault: 'user',
    message: 'Service {service} not run: system {systemKey} already has {limit} runs waiting for an isolate',
    fix: 'Retry after a back-off; send fewer runs at once, or have the operator raise ISOBAR_MAX_QUEUED_PER_SYSTEM.',
  },
  CB_ERR_SANDBOX_DELAYED_LIMIT: {
    status: 200,
    fault: 'user',
    message: 'Service {service} already holds {limit} of delayed publishes',
    fix: "Cancel this service's unneeded delayed publishes before scheduling more, or use fewer iterations.",
  },
  CB_ERR_SANDBOX_DELAYED_PERIOD: {
    status: 200,
    fault: 'user',
    message: 'Service {service} asked for a delayed publish every {ms} ms; the shortest period is {min} ms',
    fix: 'Use a delay or interval of at least the minimum the message names.',
  },
  CB_ERR_SANDBOX_WASM_MEMORY: {
    status: 200,
    fault: 'user',
    message: 'Service {service} asked for more WebAssembly memory than its limit of {limitMb} MB',
    fix: 'Ask for less WebAssembly memory (smaller initial/maximum pages) or raise the service memory limit.',
  },
  CB_ERR_SANDBOX_STOPPED: {
    status: 200,
    fault: 'user',
    message: 'Service {service} was stopped',
    fix: 'The stream service was stopped on purpose (update, delete or stop call); start it again if wanted.',
  },
  CB_ERR_SANDBOX_CRASHED: {
    status: 500,
    fault: 'system',
    message: 'The isolate of service {service} died: {reason}',
    fix: 'Retry; the isolate was replaced. If it repeats for one service, look for native-size allocations or runaway recursion in it.',
  },
  CB_ERR_SANDBOX_CLOSED: {
    status: 503,
    fault: 'system',
    message: 'The code engine is shutting down',
    fix: 'The platform is shutting down: retry once it is back.',
  },
});
