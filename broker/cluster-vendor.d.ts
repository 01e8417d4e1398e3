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

// qlobber's matcher of aedes subscriptions (one entry per client and topic), as broker/cluster-subscriptions.ts
// uses it: the same one aedes-persistence-redis keeps.
declare module 'qlobber/aedes/qlobber-sub.js' {
  interface Subscription {
    topic: string;
    clientId: string;
    qos: number;
  }
  export default class QlobberSub {
    constructor(options: {
      separator: string;
      wildcard_one: string;
      wildcard_some: string;
      match_empty_levels: boolean;
    });
    readonly subscriptionsCount: number;
    add<S extends Subscription>(topic: string, sub: S): this;
    remove(topic: string, sub: { clientId: string; topic: string }): this;
    /** With `topic` as the second argument: only subscriptions whose filter is exactly `topic`. */
    match<S extends Subscription = Subscription>(topic: string, exact?: string): S[];
  }
}
