import { defineErrors } from './spec.js';

/** Code registry: services, libraries, versions, execution over REST and logs. */
export const codeErrors = defineErrors({
  CB_ERR_CODE_SERVICE_UNKNOWN: {
    status: 404,
    fault: 'user',
    message: 'No service with that name: {name}',
    fix: 'Check the service name (case matters); GET /admin/code/v/1/{systemKey} lists them.',
  },
  CB_ERR_CODE_SERVICE_EXISTS: {
    status: 409,
    fault: 'user',
    message: 'Service {name} already exists',
    fix: 'Update the existing service (PUT) or choose another name.',
  },
  CB_ERR_CODE_BAD_NAME: {
    status: 400,
    fault: 'user',
    message: 'Invalid name {name}: letters, digits, _ and - only, starting with a letter or _, at most 128',
    fix: 'Rename: letters, digits, _ and - only, starting with a letter or _, at most 128 characters.',
  },
  CB_ERR_CODE_BAD_DEFINITION: {
    status: 400,
    fault: 'user',
    message: 'Invalid definition of {name}: {detail}',
    fix: 'Correct the field the message names in the service or library definition.',
  },
  CB_ERR_CODE_SYNTAX: {
    status: 400,
    fault: 'user',
    message: 'Syntax error in {name} at line {line}, column {column}: {detail}',
    fix: 'Fix the source at the line and column given and save again.',
  },
  CB_ERR_CODE_BUNDLE_FAILED: {
    status: 400,
    fault: 'user',
    message: 'Cannot bundle {name}: {detail}',
    fix: 'Fix the import or source problem the message shows; only libraries of the system and native libraries can be imported.',
  },
  CB_ERR_CODE_DEPENDENCY_UNKNOWN: {
    status: 400,
    fault: 'user',
    message: '{name} depends on {dependency}, which is neither a library of the system nor a native library',
    fix: 'Create that library in the system first, or remove it from dependencies.',
  },
  CB_ERR_CODE_DEPENDENCY_CYCLE: {
    status: 400,
    fault: 'user',
    message: 'Library dependencies form a cycle: {cycle}',
    fix: 'Remove one dependency from the cycle shown.',
  },
  CB_ERR_CODE_LIBRARY_UNKNOWN: {
    status: 404,
    fault: 'user',
    message: 'No library with that name: {name}',
    fix: 'Check the library name; GET /codeadmin/v/2/library/{systemKey} lists them.',
  },
  CB_ERR_CODE_LIBRARY_EXISTS: {
    status: 409,
    fault: 'user',
    message: 'Library {name} already exists',
    fix: 'Update the existing library or choose another name.',
  },
  CB_ERR_CODE_LIBRARY_IN_USE: {
    status: 409,
    fault: 'user',
    message: 'Library {name} is a dependency of {users}',
    fix: 'Remove the library from the dependencies of the services and libraries listed, then delete it.',
  },
  CB_ERR_CODE_VERSION_UNKNOWN: {
    status: 404,
    fault: 'user',
    message: '{name} has no version {version}',
    fix: 'List the versions of the service or library and pick an existing one.',
  },
  CB_ERR_CODE_RUN_USER_UNKNOWN: {
    status: 400,
    fault: 'user',
    message: 'run_user {userId} is not a user of system {systemKey}',
    fix: 'Set run_user to the id of an existing user of this system, or leave it empty.',
  },
  CB_ERR_CODE_RUN_USER_FORBIDDEN: {
    status: 403,
    fault: 'user',
    message:
      'Only a developer of the system may set or change run_user, or change a service that runs as a run_user ({name})',
    fix: 'Ask a developer of the system to make this change.',
  },
  CB_ERR_CODE_AUTHOR_UNKNOWN: {
    status: 409,
    fault: 'user',
    message:
      'Service {name} was saved by {kind} {id}, who no longer exists: it does not run until a developer or user saves it again',
    fix: 'Save the service again as an existing developer or user (or have a developer set run_user).',
  },
  CB_ERR_CODE_EXECUTE_DENIED: {
    status: 403,
    fault: 'user',
    message: 'Invalid Permissions: {principal} may not execute service {name}',
    fix: 'Call as an identity whose role grants execute on this service, or have a developer add the service to its role.',
  },
  CB_ERR_CODE_CALL_DEPTH: {
    status: 200,
    fault: 'user',
    message: 'Service {name} not run: call chain deeper than {limit}',
    fix: 'No longer raised: call chains that go too deep end with CB_ERR_SANDBOX_DEPTH.',
    deprecated: true,
    replacedBy: 'CB_ERR_SANDBOX_DEPTH',
  },
  CB_ERR_CODE_INSTANCE_UNKNOWN: {
    status: 404,
    fault: 'user',
    message: 'No running instance {id}',
    fix: 'List the running instances again: this one has ended or never existed.',
  },
  CB_ERR_CODE_OP_UNAVAILABLE: {
    status: 501,
    fault: 'user',
    message: 'Platform operation {op} is not available on this platform',
    fix: 'This platform does not offer that operation (e.g. an edge without the platform feature); use another API.',
  },
  CB_ERR_CODE_RESPONSE_HEADER: {
    status: 502,
    fault: 'user',
    message: 'Service response header {name} refused: {reason}',
    fix: 'Set only allowed response headers from the service (JSON content types, cache headers, x-* names), without CR/LF.',
  },
  CB_ERR_CODE_RESPONSE_STATUS: {
    status: 502,
    fault: 'user',
    message: 'Service response status {status} refused: only 200-599 may be set',
    fix: 'Set a status between 200 and 599 from the service.',
  },
  CB_ERR_CODE_TAIL_LIMIT: {
    status: 429,
    fault: 'user',
    message: 'Service {name} already has {limit} live log watchers',
    fix: 'Close another `services logs --follow` (or console tail) of this service, then watch again.',
  },
  CB_ERR_CODE_NOT_STREAM: {
    status: 400,
    fault: 'user',
    message: 'Service {name} is not a stream service (execution_timeout is not -1)',
    fix: 'Set execution_timeout to -1 to make it a stream service, or run it with execute instead.',
  },
  CB_ERR_CODE_ENGINE_UNAVAILABLE: {
    status: 503,
    fault: 'system',
    message: 'The code engine is not available',
    fix: 'No longer raised: a run refused while the engine is closing ends with CB_ERR_SANDBOX_CLOSED.',
    deprecated: true,
    replacedBy: 'CB_ERR_SANDBOX_CLOSED',
  },
});
