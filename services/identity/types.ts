// The identity contract the rest of the platform builds on. Implemented by services/identity/index.ts.
// Everything marked "sync" answers from memory (no disk read): the broker calls it on every CONNECT,
// PUBLISH and SUBSCRIBE.

export type PrincipalKind = 'developer' | 'user' | 'device' | 'anon';

/** Who a token belongs to. */
export interface Principal {
  readonly kind: PrincipalKind;
  /** developer id, user_id, device name, or the anon token's id. */
  readonly id: string;
  /** email for developers and users, device name for devices, '' for anon. */
  readonly name: string;
  /** null for developers (they own systems; check `canUseSystem`). */
  readonly systemKey: string | null;
  readonly token: string;
  readonly expiresAt: number;
}

export interface SystemInfo {
  readonly systemKey: string;
  readonly systemSecret: string;
  readonly name: string;
  readonly description: string;
  readonly ownerId: string;
  /** seconds */
  readonly tokenTtl: number;
  readonly duplicateClientId: 'reject' | 'takeover';
}

export type TopicAction = 'publish' | 'subscribe';

export interface LoginResult {
  readonly token: string;
  readonly expiresAt: number;
  /** user_id for users, device name for devices. */
  readonly id: string;
}

export interface IdentityService {
  /** sync. Throws IsobarError CB_ERR_AUTH_INVALID_TOKEN (unknown/revoked) or CB_ERR_AUTH_EXPIRED_TOKEN. */
  verifyToken(token: string): Principal;
  /** sync. The system, or undefined when unknown. */
  system(systemKey: string): SystemInfo | undefined;
  /** sync. Developers: owns it; users/devices/anon: belongs to it. */
  canUseSystem(principal: Principal, systemKey: string): boolean;
  /** sync. Role topic ACL: publish needs level 2 on a matching filter, subscribe level 1 on a covering filter. Developers: always (in their systems). */
  topicAllowed(principal: Principal, systemKey: string, topicOrFilter: string, action: TopicAction): boolean;
  /** sync. Service execute permission (level 1 or `allservices`). Developers: always. */
  serviceAllowed(principal: Principal, systemKey: string, serviceName: string): boolean;
  /** sync. The `msgHistory` permission bits (1 read, 8 delete); developers 15. */
  msgHistoryLevel(principal: Principal, systemKey: string): number;
  /** sync. Resolves a user_id of the system to a principal-like identity (for a service's `run_user`), or undefined. */
  userById(systemKey: string, userId: string): { readonly id: string; readonly email: string } | undefined;
  loginUser(systemKey: string, email: string, password: string): Promise<LoginResult>;
  loginDevice(systemKey: string, deviceName: string, activeKey: string): Promise<LoginResult>;
  /** Issues a user token without a password (services acting for a run_user, timers). */
  issueUserToken(systemKey: string, userId: string): Promise<LoginResult>;
  /** Issues a developer token (first start, CLI login). */
  loginDeveloper(email: string, password: string): Promise<LoginResult>;
}
