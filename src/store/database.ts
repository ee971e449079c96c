// The tables as Kysely sees them. Ids, timestamps (ISO 8601) and JSON are text in both dialects;
// src/store/records.ts turns rows into the port's records and back.

export interface Database {
  settings: SettingsTable;
  tenants: TenantsTable;
  subscriptions: SubscriptionsTable;
  service_principals: ServicePrincipalsTable;
  resources: ResourcesTable;
  operations: OperationsTable;
  users: UsersTable;
  groups: GroupsTable;
  group_members: GroupMembersTable;
  role_assignments: RoleAssignmentsTable;
  role_definitions: RoleDefinitionsTable;
  leases: LeasesTable;
  access_generation: AccessGenerationTable;
}

export interface SettingsTable {
  name: string;
  value: string;
}

export interface TenantsTable {
  id: string;
  display_name: string;
  created_at: string;
}

export interface SubscriptionsTable {
  id: string;
  tenant_id: string;
  display_name: string;
  state: string;
  /** JSON array of region names. */
  allowed_regions: string;
  created_at: string;
}

export interface ServicePrincipalsTable {
  tenant_id: string;
  app_id: string;
  object_id: string;
  display_name: string;
  secret_hash: string;
  created_at: string;
}

export interface ResourcesTable {
  key: string;
  id: string;
  subscription_id: string;
  resource_group: string;
  type: string;
  parent_key: string;
  name: string;
  location: string;
  unique_key: string | null;
  /** JSON object. */
  body: string;
  /** JSON object or null: what Vitrine keeps about a resource but does not serve (migration 0002). */
  internal: string | null;
  created_at: string;
  updated_at: string;
}

export interface OperationsTable {
  id: string;
  subscription_id: string;
  location: string;
  resource_id: string;
  status: string;
  start_time: string;
  end_time: string | null;
  /** JSON object, or null. */
  error: string | null;
}

// Migration 0003: the directory's users and groups, and role-based access.

export interface UsersTable {
  object_id: string;
  tenant_id: string;
  /** Lower-cased: sign-in names are case-insensitive. */
  user_principal_name: string;
  display_name: string;
  password_hash: string;
  created_at: string;
}

export interface GroupsTable {
  object_id: string;
  tenant_id: string;
  display_name: string;
  created_at: string;
}

export interface GroupMembersTable {
  group_id: string;
  /** A user, service principal or group object id. */
  member_id: string;
}

export interface RoleAssignmentsTable {
  /** The assignment's id, lower-cased. */
  key: string;
  /** The scope, lower-cased without a trailing slash ("" for the root scope). */
  scope_key: string;
  /** The subscription the scope is in, or "" for the root scope. */
  subscription_id: string;
  principal_id: string;
  role_definition_name: string;
  /** JSON RoleAssignment. */
  body: string;
}

export interface RoleDefinitionsTable {
  /** The role's GUID, lower-cased. */
  name: string;
  /** JSON RoleDefinition. */
  body: string;
}

// Migration 0004: leases on background work.

export interface LeasesTable {
  /** What is leased, e.g. `operation:<id>`. */
  name: string;
  /** The process holding it (its worker id). */
  owner: string;
  /** ISO 8601; past it, anyone may claim the lease. */
  expires_at: string;
}

// Migration 0005: the counter of writes to what authorization reads.

export interface AccessGenerationTable {
  /** Always 1: the table has one row. */
  id: number;
  /** A number from SQLite, a string from PostgreSQL (bigint). */
  generation: number | string;
}
