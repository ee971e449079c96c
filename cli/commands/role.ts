// `vitrine role ...`: role assignments and role definitions, mirroring `az role`: share a gallery,
// an image definition or a version by assigning a role at its id.

import { randomUUID } from "node:crypto";
import type { Command } from "commander";
import { connect, printJson, serverAction, table, withConnectionOptions, type Connected, type ServerFlags } from "./connected-command.js";

const API_VERSION = "2022-04-01";
const PROVIDER = "providers/Microsoft.Authorization";

interface RoleDefinition {
  id: string;
  name: string;
  properties: { roleName: string; type: string; description: string };
}

interface RoleAssignment {
  id: string;
  name: string;
  properties: { roleDefinitionId: string; principalId: string; principalType: string; scope: string };
}

interface RoleFlags extends ServerFlags {
  scope?: string;
  role?: string;
  assignee?: string;
  description?: string;
  ids?: string;
  output?: string;
}

const scopeOf = (connected: Connected, flags: RoleFlags): string => (flags.scope ?? `/subscriptions/${connected.subscriptionId}`).replace(/\/+$/, "");
const atScope = (scope: string, collection: string, name?: string): string => `${scope === "/" ? "" : scope}/${PROVIDER}/${collection}${name === undefined ? "" : `/${name}`}`;

/** A role's definition id from its name ("Reader") or GUID, as az resolves `--role`. */
async function resolveRole(connected: Connected, scope: string, role: string): Promise<RoleDefinition> {
  const isGuid = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(role);
  if (isGuid) return (await connected.client.request("GET", `${atScope(scope, "roleDefinitions", role)}?api-version=${API_VERSION}`)).body as RoleDefinition;
  const filter = encodeURIComponent(`roleName eq '${role}'`);
  const found = ((await connected.client.request("GET", `${atScope(scope, "roleDefinitions")}?api-version=${API_VERSION}&$filter=${filter}`)).body as { value: RoleDefinition[] }).value;
  if (!found[0]) throw new Error(`Role '${role}' doesn't exist.`);
  return found[0];
}

async function listAssignments(connected: Connected, scope: string, assignee: string | undefined): Promise<RoleAssignment[]> {
  const filter = assignee === undefined ? "" : `&$filter=${encodeURIComponent(`assignedTo('${assignee}')`)}`;
  return ((await connected.client.request("GET", `${atScope(scope, "roleAssignments")}?api-version=${API_VERSION}${filter}`)).body as { value: RoleAssignment[] }).value;
}

export function registerRoleCommands(program: Command): void {
  const role = program.command("role").description("Manage role assignments and role definitions: who may do what, at which scope.");
  const assignment = role.command("assignment").description("Grant, list and remove roles of users, groups and service principals.");
  const scopeHelp = "scope: a subscription, resource group, gallery, image definition or version id (default: the subscription)";

  withConnectionOptions(
    assignment
      .command("create")
      .description("Assign a role to a principal at a scope; a role at a gallery reaches its definitions and versions.")
      .requiredOption("--assignee <objectId>", "object id of the user, group or service principal (of any tenant)")
      .requiredOption("--role <role>", "role name (e.g. Reader, 'Compute Gallery Image Reader') or GUID")
      .option("--scope <id>", scopeHelp)
      .option("--description <text>", "why the role was given"),
  ).action(
    serverAction(async (flags: RoleFlags) => {
      const connected = connect(flags);
      const scope = scopeOf(connected, flags);
      const definition = await resolveRole(connected, scope, flags.role ?? "");
      const body = { properties: { roleDefinitionId: definition.id, principalId: flags.assignee, ...(flags.description !== undefined && { description: flags.description }) } };
      printJson((await connected.client.request("PUT", `${atScope(scope, "roleAssignments", randomUUID())}?api-version=${API_VERSION}`, body)).body);
    }),
  );

  withConnectionOptions(
    assignment
      .command("list")
      .description("List the role assignments that apply at a scope (at it, above it and below it); with --assignee, only those reaching that principal, also through its groups.")
      .option("--scope <id>", scopeHelp)
      .option("--assignee <objectId>", "only the assignments of this principal")
      .option("-o, --output <format>", "table or json", "json"),
  ).action(
    serverAction(async (flags: RoleFlags) => {
      const connected = connect(flags);
      const assignments = await listAssignments(connected, scopeOf(connected, flags), flags.assignee);
      if (flags.output !== "table") return printJson(assignments);
      const roles = new Map<string, string>();
      for (const a of assignments) {
        const name = a.properties.roleDefinitionId.split("/").pop() ?? "";
        if (!roles.has(name)) roles.set(name, (await resolveRole(connected, "/", name)).properties.roleName);
      }
      const rows = assignments.map((a) => [a.properties.principalId, a.properties.principalType, roles.get(a.properties.roleDefinitionId.split("/").pop() ?? "") ?? "", a.properties.scope]);
      process.stdout.write(table(["Principal", "Type", "Role", "Scope"], rows));
    }),
  );

  const remove = withConnectionOptions(
    assignment
      .command("delete")
      .description("Remove role assignments: by --ids, or those of --assignee (optionally only --role) at --scope.")
      .option("--ids <ids>", "space-separated role assignment ids")
      .option("--assignee <objectId>", "object id of the principal")
      .option("--role <role>", "only assignments of this role (name or GUID)")
      .option("--scope <id>", scopeHelp),
  );
  remove.action(
    serverAction(async (flags: RoleFlags) => {
      const connected = connect(flags);
      let ids = flags.ids?.split(/\s+/).filter((id) => id !== "") ?? [];
      if (ids.length === 0) {
        if (flags.assignee === undefined) remove.error("error: give --ids, or --assignee (with --scope and optionally --role)");
        const scope = scopeOf(connected, flags);
        const roleName = flags.role === undefined ? undefined : (await resolveRole(connected, scope, flags.role)).name;
        const atThisScope = (await listAssignments(connected, scope, flags.assignee)).filter((a) => a.properties.scope.toLowerCase() === scope.toLowerCase());
        ids = atThisScope.filter((a) => roleName === undefined || a.properties.roleDefinitionId.toLowerCase().endsWith(roleName.toLowerCase())).map((a) => a.id);
      }
      for (const id of ids) await connected.client.request("DELETE", `${id}?api-version=${API_VERSION}`);
      printJson({ deleted: ids });
    }),
  );

  const definition = role.command("definition").description("List role definitions: built-in and custom roles.");
  withConnectionOptions(
    definition
      .command("list")
      .description("List the roles assignable at a scope, with their actions.")
      .option("--scope <id>", scopeHelp)
      .option("--name <roleName>", "only the role of this name"),
  ).action(
    serverAction(async (flags: RoleFlags & { name?: string }) => {
      const connected = connect(flags);
      const filter = flags.name === undefined ? "" : `&$filter=${encodeURIComponent(`roleName eq '${flags.name}'`)}`;
      printJson(((await connected.client.request("GET", `${atScope(scopeOf(connected, flags), "roleDefinitions")}?api-version=${API_VERSION}${filter}`)).body as { value: unknown[] }).value);
    }),
  );
}
