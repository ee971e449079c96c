// Who may do what, per request: the caller's principal ids (its own object id and every group it
// is in, through nested groups), the assignments they hold, and the role definitions. Kept per
// principal while the store's access generation is unchanged, which every write to those raises
// (any process's): one cheap read per request, and a grant or a removal takes effect at once.

import { BUILT_IN_ROLES, grantingAssignments, scopeCovers, trimScope, type PrincipalType, type RoleAssignment, type RoleDefinition } from "../authorize.js";
import { errors } from "../errors.js";
import type { GroupMembership, MetadataStore } from "../../ports/metadata-store.js";
import { GenerationCache } from "./generation-cache.js";
import type { Caller } from "./subscriptions.js";

/** One caller's rights, loaded once for a request. */
export class Authorizer {
  constructor(
    readonly caller: Caller,
    /** The caller's object id and the ids of all its groups. */
    readonly principalIds: ReadonlySet<string>,
    readonly assignments: readonly RoleAssignment[],
    private readonly roles: ReadonlyMap<string, RoleDefinition>,
    /** The store's access generation these were read at or after (undefined: the store keeps none). */
    readonly generation?: number,
  ) {}

  can(action: string, scope: string): boolean {
    return grantingAssignments(this.assignments, this.roles, action, scope).length > 0;
  }

  /** A role definition (built-in or custom) by its GUID, as loaded for this request. */
  role(name: string): RoleDefinition | undefined {
    return this.roles.get(name.toLowerCase());
  }

  /** Refuses with ARM's AuthorizationFailed unless the caller may perform `action` at `scope`. */
  require(action: string, scope: string): void {
    if (!this.can(action, scope)) throw errors.authorizationFailed(this.caller.objectId, action, scope);
  }

  /** Whether some assignment of the caller lies at `scope` or below it (it may reach something there). */
  reachesInto(scope: string): boolean {
    return this.assignments.some((a) => scopeCovers(scope, a.scope) || scopeCovers(a.scope, scope));
  }

  /** The subscriptions the caller holds assignments in ("" stands for the root scope). */
  subscriptionsReached(): Set<string> {
    return new Set(this.assignments.map((a) => /^\/subscriptions\/([^/]+)/i.exec(a.scope)?.[1]?.toLowerCase() ?? ""));
  }
}

/** What a principal's authorization reads from the store. */
interface Rights {
  principalIds: ReadonlySet<string>;
  assignments: readonly RoleAssignment[];
  roles: ReadonlyMap<string, RoleDefinition>;
}

export class Access {
  private readonly rights = new GenerationCache<Rights>();

  constructor(private readonly deps: { store: MetadataStore }) {}

  async authorizer(caller: Caller): Promise<Authorizer> {
    const generation = await this.deps.store.accessGeneration();
    const { principalIds, assignments, roles } = await this.rights.get(generation, caller.objectId.toLowerCase(), () => this.load(caller.objectId));
    return new Authorizer(caller, principalIds, assignments, roles, generation);
  }

  private async load(objectId: string): Promise<Rights> {
    const principalIds = await this.principalIdsOf(objectId);
    const [assignments, roles] = await Promise.all([this.deps.store.listRoleAssignments({ principalIds: [...principalIds] }), this.roles()]);
    return { principalIds, assignments, roles };
  }

  /** The object id and every group it belongs to, directly or through other groups. */
  principalIdsOf(objectId: string): Promise<Set<string>> {
    return withGroups(objectId, (frontier) => this.deps.store.listMemberships(frontier));
  }

  /** Built-in and custom role definitions by lower-cased name (GUID). */
  async roles(): Promise<Map<string, RoleDefinition>> {
    const custom = await this.deps.store.listRoleDefinitions();
    return new Map([...BUILT_IN_ROLES, ...custom].map((role) => [role.name.toLowerCase(), role]));
  }
}

export interface DirectoryObject {
  objectId: string;
  tenantId: string;
  type: PrincipalType;
  displayName: string;
}

/** A user, group or service principal of any tenant, by object id. */
export async function findDirectoryObject(store: MetadataStore, objectId: string): Promise<DirectoryObject | undefined> {
  const id = objectId.toLowerCase();
  const user = await store.getUser(id);
  if (user) return { objectId: id, tenantId: user.tenantId, type: "User", displayName: user.displayName };
  const group = await store.getGroup(id);
  if (group) return { objectId: id, tenantId: group.tenantId, type: "Group", displayName: group.displayName };
  const principal = (await store.listServicePrincipals()).find((p) => p.objectId === id);
  return principal && { objectId: id, tenantId: principal.tenantId, type: "ServicePrincipal", displayName: principal.displayName };
}

/** An object id with every group it is in, walking nested groups breadth-first (cycles end the walk). */
export async function withGroups(objectId: string, membershipsOf: (ids: string[]) => Promise<GroupMembership[]>): Promise<Set<string>> {
  const ids = new Set([objectId.toLowerCase()]);
  let frontier = [...ids];
  while (frontier.length > 0) {
    frontier = [...new Set((await membershipsOf(frontier)).map((m) => m.groupId.toLowerCase()))].filter((id) => !ids.has(id));
    for (const id of frontier) ids.add(id);
  }
  return ids;
}

/** The assignments that apply at a scope: at it, above it and (unless `atScopeOnly`) below it. */
export function assignmentsAround(assignments: readonly RoleAssignment[], scope: string, atScopeOnly: boolean): RoleAssignment[] {
  const key = trimScope(scope);
  return assignments.filter((a) => scopeCovers(a.scope, key) || (!atScopeOnly && scopeCovers(key, a.scope)));
}
