// Microsoft.Authorization/roleAssignments at any scope: the root, a subscription, a resource group
// or any resource (a gallery, an image definition, a version, ...). The principal may belong to
// any tenant of this server: that is how a gallery is shared across tenants.

import { scopeCovers, trimScope, type RoleAssignment } from "../authorize.js";
import { errors } from "../errors.js";
import { GUID } from "../validate.js";
import type { Clock } from "../../ports/clock.js";
import type { MetadataStore } from "../../ports/metadata-store.js";
import { assignmentsAround, findDirectoryObject, type Access, type Authorizer } from "./access.js";
import { roleDefinitionId, roleNameOf, type RoleDefinitions } from "./role-definitions.js";

export const ROLE_ASSIGNMENTS_TYPE = "Microsoft.Authorization/roleAssignments";

type Json = Record<string, unknown>;

export const roleAssignmentId = (scope: string, name: string): string => `${scope === "/" ? "" : scope.replace(/\/+$/, "")}/providers/${ROLE_ASSIGNMENTS_TYPE}/${name}`;

export class RoleAssignments {
  constructor(private readonly deps: { store: MetadataStore; clock: Clock; access: Access; roleDefinitions: RoleDefinitions }) {}

  async create(authorizer: Authorizer, scope: string, name: string, raw: unknown): Promise<{ assignment: RoleAssignment; created: boolean }> {
    authorizer.require(`${ROLE_ASSIGNMENTS_TYPE}/write`, scope);
    if (!GUID.test(name)) throw errors.invalidRoleAssignmentId(name);
    await this.requireScope(scope);
    const properties = ((raw as Json | undefined)?.properties ?? {}) as Json;
    if (typeof properties.roleDefinitionId !== "string") throw errors.requiredParameterMissing("properties.roleDefinitionId");
    const roleName = roleNameOf(properties.roleDefinitionId);
    if (!roleName) throw errors.roleDefinitionNotFound(properties.roleDefinitionId);
    const role = await this.deps.roleDefinitions.get(roleName);
    if (!role.assignableScopes.some((s) => scopeCovers(s, scope))) throw errors.scopeNotAssignable(scope, role.roleName);
    if (typeof properties.principalId !== "string" || !GUID.test(properties.principalId)) throw errors.requiredParameterMissing("properties.principalId");
    const principal = await findDirectoryObject(this.deps.store, properties.principalId);
    if (!principal) throw errors.directoryObjectNotFound(properties.principalId);
    if (typeof properties.principalType === "string" && properties.principalType.toLowerCase() !== principal.type.toLowerCase()) {
      throw errors.principalTypeMismatch(principal.objectId, properties.principalType, principal.type);
    }
    const assignment: RoleAssignment = {
      id: roleAssignmentId(scope, name),
      name: name.toLowerCase(),
      scope: scope === "/" ? "/" : scope.replace(/\/+$/, ""),
      roleDefinitionName: role.name,
      principalId: principal.objectId,
      principalType: principal.type,
      principalTenantId: principal.tenantId,
      ...(typeof properties.description === "string" && { description: properties.description }),
      createdOn: this.deps.clock.now().toISOString(),
      createdBy: authorizer.caller.objectId,
    };
    const result = await this.deps.store.createRoleAssignment(assignment);
    if (result.kind === "created") return { assignment, created: true };
    if (result.kind === "duplicate") throw errors.roleAssignmentExists();
    const same = result.existing.principalId === assignment.principalId && result.existing.roleDefinitionName === assignment.roleDefinitionName;
    if (!same) throw errors.roleAssignmentUpdateNotPermitted();
    return { assignment: result.existing, created: false };
  }

  async get(authorizer: Authorizer, scope: string, name: string): Promise<RoleAssignment> {
    authorizer.require(`${ROLE_ASSIGNMENTS_TYPE}/read`, scope);
    const assignment = await this.deps.store.getRoleAssignment(roleAssignmentId(scope, name));
    if (!assignment) throw errors.roleAssignmentNotFound(name);
    return assignment;
  }

  async delete(authorizer: Authorizer, scope: string, name: string): Promise<RoleAssignment | undefined> {
    authorizer.require(`${ROLE_ASSIGNMENTS_TYPE}/delete`, scope);
    return this.deps.store.deleteRoleAssignment(roleAssignmentId(scope, name));
  }

  /**
   * The assignments that apply at a scope, with `$filter` (`atScope()`, `principalId eq`,
   * `assignedTo()`). Listing needs read access at the scope, except a caller's own assignments.
   */
  async list(authorizer: Authorizer, scope: string, filter: string | undefined): Promise<RoleAssignment[]> {
    const conditions = parseAssignmentFilter(filter);
    const own = conditions.principalId !== undefined && authorizer.principalIds.has(conditions.principalId.toLowerCase());
    if (!own) authorizer.require(`${ROLE_ASSIGNMENTS_TYPE}/read`, scope);
    const subscription = /^\/subscriptions\/([^/]+)/i.exec(scope)?.[1];
    const all = await this.deps.store.listRoleAssignments(subscription === undefined ? {} : { subscriptionId: subscription });
    const around = assignmentsAround(all, scope, conditions.atScope);
    if (conditions.principalId === undefined) return around;
    const wanted = conditions.assignedTo ? await this.deps.access.principalIdsOf(conditions.principalId) : new Set([conditions.principalId.toLowerCase()]);
    return around.filter((a) => wanted.has(a.principalId.toLowerCase()));
  }

  /** The scope must exist: the root, a subscription, a resource group or a resource. */
  private async requireScope(scope: string): Promise<void> {
    const key = trimScope(scope);
    if (key === "") return;
    const subscription = /^\/subscriptions\/([^/]+)$/.exec(key)?.[1];
    if (subscription !== undefined) {
      if (!(await this.deps.store.getSubscription(subscription))) throw errors.subscriptionNotFound(subscription);
      return;
    }
    if (!(await this.deps.store.getResource(key))) throw errors.invalidParameter(`The scope '${scope}' does not exist.`, "scope");
  }
}

export function renderRoleAssignment(assignment: RoleAssignment): Json {
  const subscription = /^\/subscriptions\/([^/]+)/i.exec(assignment.scope)?.[1];
  return {
    id: assignment.id,
    name: assignment.name,
    type: ROLE_ASSIGNMENTS_TYPE,
    properties: {
      roleDefinitionId: roleDefinitionId(subscription === undefined ? "/" : `/subscriptions/${subscription}`, assignment.roleDefinitionName),
      principalId: assignment.principalId,
      principalType: assignment.principalType,
      scope: assignment.scope,
      condition: null,
      conditionVersion: null,
      createdOn: assignment.createdOn,
      updatedOn: assignment.createdOn,
      createdBy: assignment.createdBy,
      updatedBy: assignment.createdBy,
      delegatedManagedIdentityResourceId: null,
      description: assignment.description ?? null,
    },
  };
}

/** `atScope()`, `principalId eq '{id}'`, `assignedTo('{id}')`, joined by `and`. */
function parseAssignmentFilter(filter: string | undefined): { atScope: boolean; principalId?: string; assignedTo: boolean } {
  const result: { atScope: boolean; principalId?: string; assignedTo: boolean } = { atScope: false, assignedTo: false };
  if (filter === undefined || filter.trim() === "") return result;
  for (const clause of filter.split(/\s+and\s+/i).map((c) => c.trim())) {
    if (/^atScope\(\)$/i.test(clause)) {
      result.atScope = true;
      continue;
    }
    const principal = /^principalId\s+eq\s+'([^']+)'$/i.exec(clause);
    const assigned = /^assignedTo\('([^']+)'\)$/i.exec(clause);
    if (principal?.[1]) result.principalId = principal[1];
    else if (assigned?.[1]) {
      result.principalId = assigned[1];
      result.assignedTo = true;
    } else throw errors.unsupportedFilter(filter);
  }
  return result;
}
