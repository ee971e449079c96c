// Users, groups and their members, role assignments and custom role definitions. Assignments and
// definitions are kept as JSON with the columns that lookups filter on beside them.

import type { Kysely } from "kysely";
import { trimScope, type RoleAssignment, type RoleDefinition } from "../core/authorize.js";
import type { CreateAssignmentResult, GroupMembership, GroupRecord, UserRecord } from "../ports/metadata-store.js";
import { accessWrite } from "./access-generation.js";
import type { Database } from "./database.js";

type Db = Kysely<Database>;

export function putUser(db: Db, user: UserRecord): Promise<void> {
  const row = {
    object_id: user.objectId,
    tenant_id: user.tenantId,
    user_principal_name: user.userPrincipalName.toLowerCase(),
    display_name: user.displayName,
    password_hash: user.passwordHash,
    created_at: user.createdAt,
  };
  return accessWrite(db, async (trx) => {
    await trx
      .insertInto("users")
      .values(row)
      .onConflict((oc) => oc.column("object_id").doUpdateSet(row))
      .execute();
  });
}

const usersQuery = (db: Db) => db.selectFrom("users").selectAll();

function toUser(row: { object_id: string; tenant_id: string; user_principal_name: string; display_name: string; password_hash: string; created_at: string }): UserRecord {
  return {
    objectId: row.object_id,
    tenantId: row.tenant_id,
    userPrincipalName: row.user_principal_name,
    displayName: row.display_name,
    passwordHash: row.password_hash,
    createdAt: row.created_at,
  };
}

export async function getUser(db: Db, objectId: string): Promise<UserRecord | undefined> {
  const row = await usersQuery(db).where("object_id", "=", objectId).executeTakeFirst();
  return row && toUser(row);
}

export async function findUser(db: Db, userPrincipalName: string): Promise<UserRecord | undefined> {
  const row = await usersQuery(db).where("user_principal_name", "=", userPrincipalName.toLowerCase()).executeTakeFirst();
  return row && toUser(row);
}

export async function listUsers(db: Db, tenantId?: string): Promise<UserRecord[]> {
  let query = usersQuery(db).orderBy("user_principal_name");
  if (tenantId !== undefined) query = query.where("tenant_id", "=", tenantId);
  return (await query.execute()).map(toUser);
}

export function putGroup(db: Db, group: GroupRecord): Promise<void> {
  const row = { object_id: group.objectId, tenant_id: group.tenantId, display_name: group.displayName, created_at: group.createdAt };
  return accessWrite(db, async (trx) => {
    await trx
      .insertInto("groups")
      .values(row)
      .onConflict((oc) => oc.column("object_id").doUpdateSet(row))
      .execute();
  });
}

const toGroup = (row: { object_id: string; tenant_id: string; display_name: string; created_at: string }): GroupRecord => ({
  objectId: row.object_id,
  tenantId: row.tenant_id,
  displayName: row.display_name,
  createdAt: row.created_at,
});

export async function getGroup(db: Db, objectId: string): Promise<GroupRecord | undefined> {
  const row = await db.selectFrom("groups").selectAll().where("object_id", "=", objectId).executeTakeFirst();
  return row && toGroup(row);
}

export async function listGroups(db: Db, tenantId?: string): Promise<GroupRecord[]> {
  let query = db.selectFrom("groups").selectAll().orderBy("display_name").orderBy("object_id");
  if (tenantId !== undefined) query = query.where("tenant_id", "=", tenantId);
  return (await query.execute()).map(toGroup);
}

export async function addGroupMember(db: Db, groupId: string, memberId: string): Promise<void> {
  await accessWrite(
    db,
    async (trx) => {
      const result = await trx
        .insertInto("group_members")
        .values({ group_id: groupId, member_id: memberId })
        .onConflict((oc) => oc.columns(["group_id", "member_id"]).doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0) > 0;
    },
    (added) => added,
  );
}

export function removeGroupMember(db: Db, groupId: string, memberId: string): Promise<boolean> {
  return accessWrite(
    db,
    async (trx) => {
      const result = await trx.deleteFrom("group_members").where("group_id", "=", groupId).where("member_id", "=", memberId).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    (removed) => removed,
  );
}

export async function listGroupMembers(db: Db, groupId: string): Promise<string[]> {
  const rows = await db.selectFrom("group_members").select("member_id").where("group_id", "=", groupId).orderBy("member_id").execute();
  return rows.map((row) => row.member_id);
}

export async function listMemberships(db: Db, memberIds: readonly string[]): Promise<GroupMembership[]> {
  if (memberIds.length === 0) return [];
  const rows = await db.selectFrom("group_members").selectAll().where("member_id", "in", [...memberIds]).execute();
  return rows.map((row) => ({ groupId: row.group_id, memberId: row.member_id }));
}

/** The subscription a scope lies in ("" for the root scope). */
const subscriptionOfScope = (scope: string): string => /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1]?.toLowerCase() ?? "";

export function createRoleAssignment(db: Db, assignment: RoleAssignment): Promise<CreateAssignmentResult> {
  return accessWrite(db, (trx) => insertRoleAssignment(trx, assignment), (result) => result.kind === "created");
}

async function insertRoleAssignment(db: Db, assignment: RoleAssignment): Promise<CreateAssignmentResult> {
  const key = assignment.id.toLowerCase();
  const result = await db
    .insertInto("role_assignments")
    .values({
      key,
      scope_key: trimScope(assignment.scope),
      subscription_id: subscriptionOfScope(assignment.scope),
      principal_id: assignment.principalId.toLowerCase(),
      role_definition_name: assignment.roleDefinitionName.toLowerCase(),
      body: JSON.stringify(assignment),
    })
    .onConflict((oc) => oc.doNothing())
    .executeTakeFirst();
  if (Number(result.numInsertedOrUpdatedRows ?? 0) > 0) return { kind: "created" };
  const existing = await getRoleAssignment(db, key);
  return existing ? { kind: "exists", existing } : { kind: "duplicate" };
}

export async function getRoleAssignment(db: Db, id: string): Promise<RoleAssignment | undefined> {
  const row = await db.selectFrom("role_assignments").select("body").where("key", "=", id.toLowerCase()).executeTakeFirst();
  return row && (JSON.parse(row.body) as RoleAssignment);
}

export function deleteRoleAssignment(db: Db, id: string): Promise<RoleAssignment | undefined> {
  return accessWrite(
    db,
    async (trx) => {
      const existing = await getRoleAssignment(trx, id);
      if (!existing) return undefined;
      const result = await trx.deleteFrom("role_assignments").where("key", "=", id.toLowerCase()).executeTakeFirst();
      return Number(result.numDeletedRows) > 0 ? existing : undefined;
    },
    (deleted) => deleted !== undefined,
  );
}

export async function listRoleAssignments(db: Db, query: { principalIds?: readonly string[]; subscriptionId?: string }): Promise<RoleAssignment[]> {
  let select = db.selectFrom("role_assignments").select("body").orderBy("key");
  if (query.principalIds !== undefined) {
    if (query.principalIds.length === 0) return [];
    select = select.where("principal_id", "in", query.principalIds.map((id) => id.toLowerCase()));
  }
  if (query.subscriptionId !== undefined) select = select.where("subscription_id", "in", ["", query.subscriptionId.toLowerCase()]);
  return (await select.execute()).map((row) => JSON.parse(row.body) as RoleAssignment);
}

export function putRoleDefinition(db: Db, role: RoleDefinition): Promise<void> {
  const row = { name: role.name.toLowerCase(), body: JSON.stringify(role) };
  return accessWrite(db, async (trx) => {
    await trx
      .insertInto("role_definitions")
      .values(row)
      .onConflict((oc) => oc.column("name").doUpdateSet(row))
      .execute();
  });
}

export async function getRoleDefinition(db: Db, name: string): Promise<RoleDefinition | undefined> {
  const row = await db.selectFrom("role_definitions").select("body").where("name", "=", name.toLowerCase()).executeTakeFirst();
  return row && (JSON.parse(row.body) as RoleDefinition);
}

export function deleteRoleDefinition(db: Db, name: string): Promise<boolean> {
  return accessWrite(
    db,
    async (trx) => {
      const result = await trx.deleteFrom("role_definitions").where("name", "=", name.toLowerCase()).executeTakeFirst();
      return Number(result.numDeletedRows) > 0;
    },
    (deleted) => deleted,
  );
}

export async function listRoleDefinitions(db: Db): Promise<RoleDefinition[]> {
  const rows = await db.selectFrom("role_definitions").select("body").orderBy("name").execute();
  return rows.map((row) => JSON.parse(row.body) as RoleDefinition);
}
