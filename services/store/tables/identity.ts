import type { Generated } from 'kysely';

// Times are epoch milliseconds. JSON columns hold text; their repositories parse them.

export interface DevelopersTable {
  id: string;
  email: string;
  password_hash: string;
  fname: string;
  lname: string;
  org: string;
  created_at: number;
}

export interface SystemsTable {
  system_key: string;
  /** Shown to the owner (ClearBlade returns it as `appSecret`), so it is stored, not hashed. */
  system_secret: string;
  owner_id: string;
  name: string;
  description: string;
  token_ttl: number;
  duplicate_client_id: 'reject' | 'takeover';
  created_at: number;
}

export interface UsersTable {
  user_id: string;
  system_key: string;
  email: string;
  password_hash: string;
  /** JSON object of custom columns. */
  custom: string;
  creation_date: number;
}

export interface DevicesTable {
  system_key: string;
  name: string;
  active_key_hash: string;
  enabled: number;
  allow_key_auth: number;
  type: string;
  state: string;
  description: string;
  /** JSON object of custom columns. */
  custom: string;
  created_date: number;
  last_active_date: number | null;
}

export interface RolesTable {
  system_key: string;
  role_id: string;
  name: string;
  description: string;
  /** JSON `RolePermissions`. */
  permissions: string;
}

export interface RoleMembersTable {
  system_key: string;
  role_id: string;
  member_kind: 'user' | 'device';
  member_id: string;
}

export interface TokensTable {
  /** sha256 of the token; the token itself is never stored. */
  token_hash: string;
  kind: 'developer' | 'user' | 'device' | 'anon';
  subject_id: string;
  system_key: string | null;
  issued_at: number;
  expires_at: number;
  revoked_at: number | null;
  seq: Generated<number>;
}

/** Platform-wide settings by name (`registration_key`: sha256 of the developer registration key). */
export interface PlatformSettingsTable {
  name: string;
  value: string;
  /** Developer id of who set it. */
  updated_by: string;
  updated_at: number;
}

export interface IdentityTables {
  developers: DevelopersTable;
  systems: SystemsTable;
  users: UsersTable;
  devices: DevicesTable;
  roles: RolesTable;
  role_members: RoleMembersTable;
  tokens: TokensTable;
  platform_settings: PlatformSettingsTable;
}
