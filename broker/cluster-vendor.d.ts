// qlobber (the topic matcher aedes-persistence-redis and mqemitter use) ships no types: the part
// broker/cluster-interest.ts uses.
declare module 'qlobber' {
  export class Qlobber {
    constructor(options: {
      separator: string;
      wildcard_one: string;
      wildcard_some: string;
      match_empty_levels: boolean;
    });
    add(topic: string, value: string): this;
    remove(topic: string, value?: string): this;
    match(topic: string): string[];
  }
}

// aedes-persistence-redis ships no types for its aedes 1.x (async) entry point; broker/persistence.ts
// gives the instance its type (AsyncPersistence in broker/internal.ts).
declare module 'aedes-persistence-redis/asyncPersistence.js' {
  const AsyncRedisPersistence: new (options: { conn: unknown; maxSessionDelivery?: number }) => unknown;
  export default AsyncRedisPersistence;
}
