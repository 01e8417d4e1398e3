// The built-ins the prelude calls, captured once when the prelude installs, before any service code runs: a
// run that replaces `JSON.parse` or `Reflect.apply` on the global object (or deletes them) cannot reach into
// the prelude's own calls, and every file of the prelude reads them from this one place.

export const parse = JSON.parse;
export const stringify = JSON.stringify;
export const isInteger = Number.isInteger;
export const defineProperty = Object.defineProperty;
export const keys = Object.keys;
export const freeze = Object.freeze;
export const is = Object.is;
export const hasOwn = Object.hasOwn;
export const apply = Reflect.apply;
export const ownKeys = Reflect.ownKeys;
export const getOwnPropertyDescriptor = Reflect.getOwnPropertyDescriptor;
export const reflectDefineProperty = Reflect.defineProperty;
export const deleteProperty = Reflect.deleteProperty;
export const isExtensible = Reflect.isExtensible;
export const reflectSet = Reflect.set;
export const reflectGet = Reflect.get;
