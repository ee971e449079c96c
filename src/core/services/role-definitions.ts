// Microsoft.Authorization/roleDefinitions: the built-in roles (read-only, from core/authorize.ts)
// and custom ones, as ARM serves them at any scope.

import { BUILT_IN_ROLES, scopeCovers, type Permission, type RoleDefinition } from "../authorize.js";
import { errors } from "../errors.js";
import { GUID } from "../validate.js";
import type { MetadataStore } from "../../ports/metadata-store.js";
import type { Access, Authorizer } from "./access.js";

export const ROLE_DEFINITIONS_TYPE = "Microsoft.Authorization/roleDefinitions";

type Json = Record<string, unknown>;

/** `{scope}/providers/Microsoft.Authorization/roleDefinitions/{name}`; the root scope gives `/providers/...`. */
export const roleDefinitionId = (scope: string, name: string): string => `${scope === "/" ? "" : scope.replace(/\/+$/, "")}/providers/${ROLE_DEFINITIONS_TYPE}/${name}`;

/** The GUID at the end of a role definition id, or the GUID itself. */
export function roleNameOf(roleDefinitionId: string): string | undefined {
  const name = roleDefinitionId.split("/").pop() ?? "";
  return GUID.test(name) ? name.toLowerCase() : undefined;
}

export class RoleDefinitions {
  constructor(private readonly deps: { store: MetadataStore; access: Access }) {}

  /** Role definitions are readable by every signed-in caller, as Azure's built-in list is public. */
  async get(name: string): Promise<RoleDefinition> {
    const role = (await this.deps.access.roles()).get(name.toLowerCase());
    if (!role) throw errors.roleDefinitionNotFound(name);
    return role;
  }

  /** The roles usable at a scope: built-in ones and custom ones assignable there, filtered by `$filter`. */
  async list(scope: string, filter: string | undefined): Promise<RoleDefinition[]> {
    const conditions = parseRoleFilter(filter);
    const roles = [...(await this.deps.access.roles()).values()];
    return roles.filter(
      (role) =>
        role.assignableScopes.some((s) => scopeCovers(s, scope) || scopeCovers(scope, s)) &&
        (conditions.roleName === undefined || role.roleName.toLowerCase() === conditions.roleName.toLowerCase()) &&
        (conditions.type === undefined || role.type.toLowerCase() === conditions.type.toLowerCase()),
    );
  }

  async put(authorizer: Authorizer, scope: string, name: string, raw: unknown): Promise<{ role: RoleDefinition; created: boolean }> {
    if (!GUID.test(name)) throw errors.invalidParameter(`The role definition name ${name} must be a GUID.`, "name");
    const builtIn = BUILT_IN_ROLES.find((role) => role.name === name.toLowerCase());
    if (builtIn) throw errors.builtInRoleReadOnly(builtIn.roleName);
    const properties = ((raw as Json | undefined)?.properties ?? {}) as Json;
    const roleName = text(properties.roleName, "properties.roleName");
    const assignableScopes = Array.isArray(properties.assignableScopes) && properties.assignableScopes.length > 0 ? properties.assignableScopes.map((s) => text(s, "properties.assignableScopes")) : [scope];
    for (const assignable of assignableScopes) authorizer.require(`${ROLE_DEFINITIONS_TYPE}/write`, assignable);
    const taken = [...(await this.deps.access.roles()).values()].find((role) => role.roleName.toLowerCase() === roleName.toLowerCase() && role.name !== name.toLowerCase());
    if (taken) throw errors.roleDefinitionNameTaken(roleName);
    const existing = await this.deps.store.getRoleDefinition(name);
    const role: RoleDefinition = {
      name: name.toLowerCase(),
      roleName,
      description: typeof properties.description === "string" ? properties.description : "",
      type: "CustomRole",
      permissions: permissionsOf(properties.permissions),
      assignableScopes,
    };
    await this.deps.store.putRoleDefinition(role);
    return { role, created: !existing };
  }

  async delete(authorizer: Authorizer, name: string): Promise<RoleDefinition | undefined> {
    const role = await this.deps.store.getRoleDefinition(name);
    if (!role) {
      const builtIn = BUILT_IN_ROLES.find((r) => r.name === name.toLowerCase());
      if (builtIn) throw errors.builtInRoleReadOnly(builtIn.roleName);
      return undefined;
    }
    for (const assignable of role.assignableScopes) authorizer.require(`${ROLE_DEFINITIONS_TYPE}/delete`, assignable);
    const inUse = (await this.deps.store.listRoleAssignments({})).some((a) => a.roleDefinitionName.toLowerCase() === role.name);
    if (inUse) throw errors.roleDefinitionHasAssignments(role.roleName);
    await this.deps.store.deleteRoleDefinition(name);
    return role;
  }
}

export function renderRoleDefinition(role: RoleDefinition, scope: string): Json {
  return {
    id: roleDefinitionId(scope, role.name),
    name: role.name,
    type: ROLE_DEFINITIONS_TYPE,
    properties: {
      roleName: role.roleName,
      type: role.type,
      description: role.description,
      assignableScopes: role.assignableScopes,
      permissions: role.permissions,
      createdOn: null,
      updatedOn: null,
      createdBy: null,
      updatedBy: null,
    },
  };
}

function text(value: unknown, target: string): string {
  if (typeof value !== "string" || value.trim() === "") throw errors.requiredParameterMissing(target);
  return value;
}

function permissionsOf(raw: unknown): Permission[] {
  if (!Array.isArray(raw) || raw.length === 0) throw errors.requiredParameterMissing("properties.permissions");
  const list = (value: unknown, target: string): string[] => {
    if (value === undefined || value === null) return [];
    if (!Array.isArray(value) || value.some((v) => typeof v !== "string")) throw errors.invalidParameter(`${target} must be a list of strings.`, target);
    return value as string[];
  };
  return raw.map((p: Json, index) => ({
    actions: list(p.actions, `properties.permissions[${index}].actions`),
    notActions: list(p.notActions, `properties.permissions[${index}].notActions`),
    dataActions: list(p.dataActions, `properties.permissions[${index}].dataActions`),
    notDataActions: list(p.notDataActions, `properties.permissions[${index}].notDataActions`),
  }));
}

/** `roleName eq 'Reader'`, `type eq 'CustomRole'`, joined by `and`. */
function parseRoleFilter(filter: string | undefined): { roleName?: string; type?: string } {
  const result: { roleName?: string; type?: string } = {};
  if (filter === undefined || filter.trim() === "") return result;
  for (const clause of filter.split(/\s+and\s+/i)) {
    const match = /^\s*(roleName|type)\s+eq\s+'([^']*)'\s*$/i.exec(clause);
    if (!match?.[1] || match[2] === undefined) throw errors.unsupportedFilter(filter);
    if (match[1].toLowerCase() === "rolename") result.roleName = match[2];
    else result.type = match[2];
  }
  return result;
}
