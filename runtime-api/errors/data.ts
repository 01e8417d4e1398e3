import { defineErrors } from './spec.js';

/** Collections (ClearBlade's Data): management, items, queries. */
export const dataErrors = defineErrors({
  CB_ERR_DATA_UNKNOWN_COLLECTION: {
    status: 404,
    fault: 'user',
    message: 'No collection {collection} in this system',
    fix: 'Check the collection id or name (GET /api/v/3/allcollections/{systemKey} lists them); a developer creates it at /admin/collectionmanagement.',
  },
  CB_ERR_DATA_COLLECTION_EXISTS: {
    status: 409,
    fault: 'user',
    message: 'A collection named {name} already exists in this system',
    fix: 'Pick another name, or delete the existing collection first.',
  },
  CB_ERR_DATA_BAD_NAME: {
    status: 400,
    fault: 'user',
    message: 'Invalid {what} name {name}: {detail}',
    fix: 'Collection and column names start with a letter or `_` and hold only letters, digits and `_` (at most 64 characters); `item_id` is reserved.',
  },
  CB_ERR_DATA_UNKNOWN_COLUMN: {
    status: 400,
    fault: 'user',
    message: 'Collection {collection} has no column {column}',
    fix: 'Use a column listed by GET /api/v/1/data/{collectionId}/columns, or add it with PUT /admin/collectionmanagement {id, addColumn}.',
  },
  CB_ERR_DATA_COLUMN_EXISTS: {
    status: 409,
    fault: 'user',
    message: 'Collection {collection} already has a column {column}',
    fix: 'Column names are unique regardless of case; pick another name or drop the existing column.',
  },
  CB_ERR_DATA_BAD_COLUMN_TYPE: {
    status: 400,
    fault: 'user',
    message: 'Unknown column type {type}',
    fix: 'Use one of: string, int, float, bool, timestamp, uuid, blob.',
  },
  CB_ERR_DATA_BAD_VALUE: {
    status: 400,
    fault: 'user',
    message: 'Column {column} is a {type} column: {detail}',
    fix: 'Send a value of the column type (string, int, float, bool, timestamp as ISO text or epoch ms, uuid, blob as text) or null.',
  },
  CB_ERR_DATA_BAD_QUERY: {
    status: 400,
    fault: 'user',
    message: 'Invalid query: {detail}',
    fix: 'Send the ClearBlade query object: {FILTERS: [[{EQ: [{column: value}]}]], SORT: [{ASC: column}], PAGESIZE, PAGENUM, SELECTCOLUMNS}.',
  },
  CB_ERR_DATA_BAD_OPERATOR: {
    status: 400,
    fault: 'user',
    message: 'Unknown query operator {operator}',
    fix: 'Use one of EQ, NEQ, GT, GTE, LT, LTE, RE, IN, LIKE (as the SDK Query methods send them).',
  },
  CB_ERR_DATA_BAD_ITEM: {
    status: 400,
    fault: 'user',
    message: 'Invalid item: {detail}',
    fix: 'Send an object (or an array of objects) of column values; `$set` must be an object; item_id is assigned by the platform.',
  },
  CB_ERR_DATA_TOO_MANY: {
    status: 413,
    fault: 'user',
    message: 'Too many {what}: at most {max}',
    fix: 'Split the request (items per create, columns per collection, collections per system).',
  },
  CB_ERR_DATA_FORBIDDEN: {
    status: 403,
    fault: 'user',
    message: 'Invalid Permissions: {action} on collection {collection} is not allowed',
    fix: "Grant the caller's role the right on the collection (collections: [{itemInfo: {id or name}, permissions}]) or `allcollections`, or use a developer token.",
  },
});
