// aedes-persistence-level ships no types for its aedes 1.x (async) entry point; broker/persistence.ts
// gives the instance its type (AsyncPersistence in broker/internal.ts).
declare module 'aedes-persistence-level/asyncPersistence.js' {
  const AsyncLevelPersistence: new (db: unknown) => unknown;
  export default AsyncLevelPersistence;
}
