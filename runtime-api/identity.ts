// The one identity type (DESIGN.md "Identity"; CONVENTIONS 20): what a REST route or an MQTT CONNECT
// authenticated, carried unchanged through the invoke door, the engine (a run's caller and run-as) and back
// into the broker (the ACL of a service's publishes and subscriptions). It lives here because engine and
// broker may both import runtime-api and never each other; plain types, no Node.

/** Who may act: ClearBlade's principals. */
export type IdentityKind = 'developer' | 'user' | 'device' | 'anon';

/** An authenticated identity acting in one system. */
export interface Identity {
  readonly kind: IdentityKind;
  /** developer id, user_id, device name, or the anon token's id. */
  readonly id: string;
  /** email (developers, users), device name, '' for anon. */
  readonly name: string;
  /** The system it acts in (a developer: the system of the request or connection). */
  readonly systemKey: string;
  /** The token it authenticated with; undefined or '' when it acts without one (a developer's trigger). */
  readonly token?: string;
  /** Epoch ms when that token expires (the broker closes a connection then); undefined = never. */
  readonly expiresAt?: number;
}
