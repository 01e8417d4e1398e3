import { defineErrors } from './spec.js';

/** Code registry: services, libraries, versions, execution over REST and logs. */
export const codeErrors = defineErrors({
  CB_ERR_CODE_SERVICE_UNKNOWN: { status: 404, fault: 'user', message: 'No service with that name: {name}' },
  CB_ERR_CODE_SERVICE_EXISTS: { status: 409, fault: 'user', message: 'Service {name} already exists' },
  CB_ERR_CODE_BAD_NAME: {
    status: 400,
    fault: 'user',
    message: 'Invalid name {name}: letters, digits, _ and - only, starting with a letter or _, at most 128',
  },
  CB_ERR_CODE_BAD_DEFINITION: {
    status: 400,
    fault: 'user',
    message: 'Invalid definition of {name}: {detail}',
  },
  CB_ERR_CODE_SYNTAX: {
    status: 400,
    fault: 'user',
    message: 'Syntax error in {name} at line {line}, column {column}: {detail}',
  },
  CB_ERR_CODE_BUNDLE_FAILED: { status: 400, fault: 'user', message: 'Cannot bundle {name}: {detail}' },
  CB_ERR_CODE_DEPENDENCY_UNKNOWN: {
    status: 400,
    fault: 'user',
    message: '{name} depends on {dependency}, which is neither a library of the system nor a native library',
  },
  CB_ERR_CODE_DEPENDENCY_CYCLE: {
    status: 400,
    fault: 'user',
    message: 'Library dependencies form a cycle: {cycle}',
  },
  CB_ERR_CODE_LIBRARY_UNKNOWN: { status: 404, fault: 'user', message: 'No library with that name: {name}' },
  CB_ERR_CODE_LIBRARY_EXISTS: { status: 409, fault: 'user', message: 'Library {name} already exists' },
  CB_ERR_CODE_LIBRARY_IN_USE: {
    status: 409,
    fault: 'user',
    message: 'Library {name} is a dependency of {users}',
  },
  CB_ERR_CODE_VERSION_UNKNOWN: { status: 404, fault: 'user', message: '{name} has no version {version}' },
  CB_ERR_CODE_RUN_USER_UNKNOWN: {
    status: 400,
    fault: 'user',
    message: 'run_user {userId} is not a user of system {systemKey}',
  },
  CB_ERR_CODE_RUN_USER_FORBIDDEN: {
    status: 403,
    fault: 'user',
    message:
      'Only a developer of the system may set or change run_user, or change a service that runs as a run_user ({name})',
  },
  CB_ERR_CODE_AUTHOR_UNKNOWN: {
    status: 409,
    fault: 'user',
    message:
      'Service {name} was saved by {kind} {id}, who no longer exists: it does not run until a developer or user saves it again',
  },
  CB_ERR_CODE_EXECUTE_DENIED: {
    status: 403,
    fault: 'user',
    message: 'Invalid Permissions: {principal} may not execute service {name}',
  },
  CB_ERR_CODE_CALL_DEPTH: {
    status: 200,
    fault: 'user',
    message: 'Service {name} not run: call chain deeper than {limit}',
    retired: 'CB_ERR_SANDBOX_DEPTH is the one call-depth code (issue 12)',
  },
  CB_ERR_CODE_INSTANCE_UNKNOWN: { status: 404, fault: 'user', message: 'No running instance {id}' },
  CB_ERR_CODE_OP_UNAVAILABLE: {
    status: 501,
    fault: 'user',
    message: 'Platform operation {op} is not available on this platform',
  },
  CB_ERR_CODE_RESPONSE_HEADER: {
    status: 502,
    fault: 'user',
    message: 'Service response header {name} refused: {reason}',
  },
  CB_ERR_CODE_RESPONSE_STATUS: {
    status: 502,
    fault: 'user',
    message: 'Service response status {status} refused: only 200-599 may be set',
  },
  CB_ERR_CODE_ENGINE_UNAVAILABLE: {
    status: 503,
    fault: 'system',
    message: 'The code engine is not available',
  },
});
