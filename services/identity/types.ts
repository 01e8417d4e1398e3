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

/**
 * What the permission checks look at: a Principal, or the one identity type that REST and MQTT carry
 * (runtime-api/identity.ts) as it arrives from a run or a connection — never converted to ask.
 */
export type Actor = Pick<Principal, 'kind' | 'id' | 'systemKey'>;

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
  /**
   * Before a sync `verifyToken` on an async path (REST, MQTT CONNECT): a token unknown here is looked up
   * in the store (cluster mode: issued on another node), with the system the request names and the
   * token's own system and member when this node does not know them yet. Absent on one node.
   */
  lookupToken?(token: string, systemKey?: string): Promise<void>;
  /** sync. The system, or undefined when unknown. */
  system(systemKey: string): SystemInfo | undefined;
  /** sync. Developers: owns it; users/devices/anon: belongs to it. */
  canUseSystem(principal: Actor, systemKey: string): boolean;
  /** sync. Role topic ACL: publish needs level 2 on a matching filter, subscribe level 1 on a covering filter. Developers: always (in their systems). */
  topicAllowed(principal: Actor, systemKey: string, topicOrFilter: string, action: TopicAction): boolean;
  /** sync. Service execute permission (level 1 or `allservices`). Developers: always. */
  serviceAllowed(principal: Actor, systemKey: string, serviceName: string): boolean;
  /** sync. The `msgHistory` permission bits (1 read, 8 delete); developers 15. */
  msgHistoryLevel(principal: Actor, systemKey: string): number;
  /** sync. Resolves a user_id of the system to a principal-like identity (for a service's `run_user`), or undefined. */
  userById(systemKey: string, userId: string): { readonly id: string; readonly email: string } | undefined;
  /**
   * Password login. `address` is the client's (REST peer, MQTT socket) for the per-address throttle;
   * too many failures give CB_ERR_AUTH_THROTTLED (429, CONNACK 3) with `retryAfter` seconds.
   */
  loginUser(systemKey: string, email: string, password: string, address?: string): Promise<LoginResult>;
  /** Key login, throttled like `loginUser`. */
  loginDevice(
    systemKey: string,
    deviceName: string,
    activeKey: string,
    address?: string,
  ): Promise<LoginResult>;
  /** Issues a user token without a password (services acting for a run_user, timers). */
  issueUserToken(systemKey: string, userId: string): Promise<LoginResult>;
  /** Issues a developer token (first start, CLI login); throttled like `loginUser`. */
  loginDeveloper(email: string, password: string, address?: string): Promise<LoginResult>;
}

/** What `GET /admin/settings/registration_key` shows (never the key). */
export interface RegistrationStatus {
  readonly open_registration: boolean;
  readonly registration_key_set: boolean;
  /** epoch ms, or null when no key is set. */
  readonly updated_at: number | null;
  readonly updated_by: string | null;
}

/** A developer account as shown to its owner (no hash). */
export interface DeveloperRecord {
  readonly id: string;
  readonly email: string;
  readonly fname: string;
  readonly lname: string;
  readonly org: string;
  readonly creation_date: number;
}

/** A user in ClearBlade's shape: fixed columns plus the system's custom columns. */
export type UserRecord = {
  readonly user_id: string;
  readonly email: string;
  readonly creation_date: number;
} & Readonly<Record<string, unknown>>;

/** A device in ClearBlade's shape (reference §1.4, §4.3), custom columns included; never its key. */
export type DeviceRecord = {
  readonly name: string;
  readonly system_key: string;
  readonly device_key: string;
  readonly type: string;
  readonly state: string;
  readonly description: string;
  readonly enabled: boolean;
  readonly allow_key_auth: boolean;
  readonly allow_certificate_auth: boolean;
  readonly certificate: string;
  readonly created_date: number;
  readonly last_active_date: number | null;
} & Readonly<Record<string, unknown>>;

/** A role with its stored permissions (see permissions.ts for the read and write shapes). */
export interface RoleRecord {
  readonly id: string;
  readonly name: string;
  readonly description: string;
  readonly permissions: {
    readonly items: Readonly<Record<string, Readonly<Record<string, number>>>>;
    readonly lists: Readonly<Record<string, number>>;
  };
}

/** ClearBlade's query subset: `FILTERS` (OR of AND-groups of EQ/NEQ/GT/GTE/LT/LTE), `PAGESIZE`, `PAGENUM`. */
export interface ListQuery {
  readonly FILTERS?: unknown;
  readonly PAGESIZE?: number;
  readonly PAGENUM?: number;
}

export interface SystemInput {
  readonly name: string;
  readonly description?: string;
  readonly tokenTtl?: number;
  readonly duplicateClientId?: 'reject' | 'takeover';
}

export interface DeviceInput {
  readonly active_key?: string;
  readonly enabled?: boolean;
  readonly allow_key_auth?: boolean;
  readonly type?: string;
  readonly state?: string;
  readonly description?: string;
  readonly [custom: string]: unknown;
}

export interface RoleChanges {
  readonly name?: string;
  readonly description?: string;
  /** ClearBlade write shape: `{topics:[{itemInfo:{name}, permissions}], services, allservices, msgHistory, …}`. */
  readonly changes?: Readonly<Record<string, unknown>>;
}

/** Role membership changes by role id or name. */
export interface MembershipChanges {
  readonly add?: readonly string[];
  readonly delete?: readonly string[];
}

/** The whole identity service: the hot-path contract plus the management used by REST, CLI and first start. */
export interface Identity extends IdentityService {
  /** sync. The list-level permission bits (`users`, `devices`, `roles`, …) of a principal; developers 15. */
  listLevel(principal: Actor, systemKey: string, key: string): number;
  /** sync. The per-item permission bits of one named item (`servicecaches`, `collections`, …); developers 15. */
  itemLevel(principal: Actor, systemKey: string, key: string, name: string): number;
  /** Ends a token now (logout); unknown tokens are ignored. */
  revokeToken(token: string): Promise<void>;

  registerDeveloper(input: {
    email: string;
    password: string;
    fname?: string;
    lname?: string;
    org?: string;
  }): Promise<{ developer: DeveloperRecord; login: LoginResult }>;
  developer(id: string): Promise<DeveloperRecord | undefined>;
  developerByEmail(email: string): Promise<DeveloperRecord | undefined>;
  developerCount(): Promise<number>;
  /**
   * Lets a self-registration through: open registration, or the registration key. Throws
   * CB_ERR_DEVELOPER_REGISTRATION_CLOSED (no key given) or CB_ERR_DEVELOPER_BAD_REGISTRATION_KEY.
   */
  admitRegistration(key: string | undefined, address?: string): Promise<void>;
  /** Sets (or generates, without `key`) the registration key; answers it (shown only here). */
  setRegistrationKey(developerId: string, key?: string): Promise<string>;
  /** Removes the registration key. */
  clearRegistrationKey(developerId: string): Promise<void>;
  /** Whether registration is open and whether a key is set. */
  registrationStatus(): Promise<RegistrationStatus>;

  createSystem(ownerId: string, input: SystemInput): Promise<SystemInfo>;
  /** sync. The developer's systems, oldest first. */
  systemsOf(ownerId: string): SystemInfo[];
  updateSystem(systemKey: string, changes: Partial<SystemInput>): Promise<SystemInfo>;
  deleteSystem(systemKey: string): Promise<void>;

  registerUser(
    systemKey: string,
    email: string,
    password: string,
    custom?: Record<string, unknown>,
  ): Promise<UserRecord>;
  loginAnon(systemKey: string): Promise<LoginResult>;
  user(systemKey: string, userId: string): Promise<UserRecord>;
  listUsers(systemKey: string, query?: ListQuery): Promise<{ data: UserRecord[]; total: number }>;
  updateUser(
    systemKey: string,
    userId: string,
    changes: {
      email?: string;
      password?: string;
      roles?: MembershipChanges;
      custom?: Record<string, unknown>;
    },
  ): Promise<UserRecord>;
  changePassword(
    systemKey: string,
    userId: string,
    oldPassword: string,
    newPassword: string,
    address?: string,
  ): Promise<void>;
  deleteUser(systemKey: string, userId: string): Promise<void>;

  createDevice(systemKey: string, name: string, input: DeviceInput): Promise<DeviceRecord>;
  device(systemKey: string, name: string): Promise<DeviceRecord>;
  listDevices(systemKey: string, query?: ListQuery): Promise<DeviceRecord[]>;
  updateDevice(systemKey: string, name: string, changes: DeviceInput): Promise<DeviceRecord>;
  deleteDevice(systemKey: string, name: string): Promise<void>;

  /** sync. Roles of the system, default roles first. */
  roles(systemKey: string): RoleRecord[];
  /** sync. One role by id or name, or CB_ERR_ROLE_UNKNOWN. */
  role(systemKey: string, idOrName: string): RoleRecord;
  createRole(systemKey: string, input: RoleChanges): Promise<RoleRecord>;
  updateRole(systemKey: string, idOrName: string, input: RoleChanges): Promise<RoleRecord>;
  deleteRole(systemKey: string, idOrName: string): Promise<void>;
  /** sync. Roles of a user (by user_id) or device (by name). */
  rolesOf(systemKey: string, kind: 'user' | 'device', memberId: string): RoleRecord[];
  /** Adds and removes roles of a member in one transaction; returns its roles afterwards. */
  changeRoles(
    systemKey: string,
    kind: 'user' | 'device',
    memberId: string,
    changes: MembershipChanges,
  ): Promise<RoleRecord[]>;
  /**
   * Extension point (edges, reference §9): re-reads one system's row, roles, members and users from the store after
   * they were replaced underneath (an edge applying its platform's identity snapshot).
   */
  reloadSystem(systemKey: string): Promise<void>;
  /**
   * Cluster mode (services/cluster/README.md): re-reads what another node changed — one system with its
   * tokens, or with '*' the list of systems and the developers' tokens.
   */
  reloadFromStore(systemKey: string): Promise<void>;
  /** Cluster mode: drops token hashes another node revoked; connections using them close. */
  dropTokens(hashes: readonly string[]): void;
  /** sync. Keys of every known system. */
  systemKeys(): string[];
  /** Idempotent; nothing to release today beyond memory. */
  close(): Promise<void>;
}
