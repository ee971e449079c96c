// Microsoft.Authorization: role assignments and role definitions, an extension of whatever scope
// precedes `/providers/Microsoft.Authorization/...` (the root, a subscription, a resource group,
// a gallery, an image definition, a version, ...), in the shape @azure/arm-authorization and
// `az role` use.

import { renderRoleAssignment } from "../../core/services/role-assignments.js";
import { renderRoleDefinition } from "../../core/services/role-definitions.js";
import type { ServerContext } from "../context.js";
import { methodNotAllowed, requireApiVersion, type ArmRequest } from "./arm.js";

export interface AuthorizationPath {
  /** The scope the request is about: "/" or an ARM id. */
  scope: string;
  collection: "roleassignments" | "roledefinitions";
  name?: string;
}

const PATTERN = /^(.*?)\/providers\/Microsoft\.Authorization\/(roleAssignments|roleDefinitions)(?:\/([^/]+))?\/?$/i;

/** Splits `{scope}/providers/Microsoft.Authorization/{collection}[/{name}]`; undefined for other paths. */
export function parseAuthorizationPath(path: string): AuthorizationPath | undefined {
  const match = PATTERN.exec(path.replace(/\/{2,}/g, "/"));
  if (!match) return undefined;
  const scope = match[1] === "" || match[1] === undefined ? "/" : decodeURIComponent(match[1]);
  const collection = (match[2] ?? "").toLowerCase() as AuthorizationPath["collection"];
  return { scope, collection, ...(match[3] !== undefined && { name: decodeURIComponent(match[3]) }) };
}

export async function handleAuthorization(context: ServerContext, arm: ArmRequest, path: AuthorizationPath): Promise<unknown> {
  requireApiVersion(arm, "authorization", `${path.collection === "roleassignments" ? "roleAssignments" : "roleDefinitions"}`);
  const filter = (arm.request.query as Record<string, string | undefined>)["$filter"];
  return path.collection === "roleassignments" ? roleAssignments(context, arm, path, filter) : roleDefinitions(context, arm, path, filter);
}

async function roleAssignments(context: ServerContext, arm: ArmRequest, path: AuthorizationPath, filter: string | undefined) {
  const service = context.roleAssignments;
  const { authorizer, reply } = arm;
  if (path.name === undefined) {
    if (arm.method !== "GET") methodNotAllowed(arm);
    return { value: (await service.list(authorizer, path.scope, filter)).map(renderRoleAssignment) };
  }
  switch (arm.method) {
    case "GET":
      return renderRoleAssignment(await service.get(authorizer, path.scope, path.name));
    case "PUT": {
      const { assignment, created } = await service.create(authorizer, path.scope, path.name, arm.request.body);
      return reply.status(created ? 201 : 200).send(renderRoleAssignment(assignment));
    }
    case "DELETE": {
      const deleted = await service.delete(authorizer, path.scope, path.name);
      return deleted ? renderRoleAssignment(deleted) : reply.status(204).send();
    }
    default:
      return methodNotAllowed(arm);
  }
}

async function roleDefinitions(context: ServerContext, arm: ArmRequest, path: AuthorizationPath, filter: string | undefined) {
  const service = context.roleDefinitions;
  const { reply } = arm;
  if (path.name === undefined) {
    if (arm.method !== "GET") methodNotAllowed(arm);
    return { value: (await service.list(path.scope, filter)).map((role) => renderRoleDefinition(role, path.scope)) };
  }
  switch (arm.method) {
    case "GET":
      return renderRoleDefinition(await service.get(path.name), path.scope);
    case "PUT": {
      const { role, created } = await service.put(arm.authorizer, path.scope, path.name, arm.request.body);
      return reply.status(created ? 201 : 200).send(renderRoleDefinition(role, path.scope));
    }
    case "DELETE": {
      const deleted = await service.delete(arm.authorizer, path.name);
      return deleted ? renderRoleDefinition(deleted, path.scope) : reply.status(204).send();
    }
    default:
      return methodNotAllowed(arm);
  }
}
