// Role-based access decisions, pure: role definitions are lists of actions and notActions with
// wildcards; an assignment grants its role's actions at its scope and every scope below it; a
// principal acts through its own assignments and those of every group it is in. Default deny.

export interface Permission {
  actions: string[];
  notActions: string[];
  dataActions: string[];
  notDataActions: string[];
}

export interface RoleDefinition {
  /** The GUID that names the role. */
  name: string;
  roleName: string;
  description: string;
  type: "BuiltInRole" | "CustomRole";
  permissions: Permission[];
  /** Scopes the role may be assigned at ("/" for anywhere). */
  assignableScopes: string[];
}

export interface RoleAssignment {
  /** The full ARM id of the assignment: `{scope}/providers/Microsoft.Authorization/roleAssignments/{name}`. */
  id: string;
  name: string;
  /** The scope it grants at, as written: "/", "/subscriptions/s", ".../galleries/g". */
  scope: string;
  /** The role definition's GUID. */
  roleDefinitionName: string;
  principalId: string;
  principalType: PrincipalType;
  /** Tenant of the principal (it may differ from the scope's tenant). */
  principalTenantId: string;
  description?: string;
  createdOn: string;
  createdBy: string;
}

export type PrincipalType = "User" | "Group" | "ServicePrincipal";

const permission = (actions: string[], notActions: string[] = []): Permission[] => [{ actions, notActions, dataActions: [], notDataActions: [] }];
const builtIn = (name: string, roleName: string, description: string, permissions: Permission[]): RoleDefinition => ({
  name,
  roleName,
  description,
  type: "BuiltInRole",
  permissions,
  assignableScopes: ["/"],
});

export const OWNER_ROLE = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";

/** Azure's built-in roles that matter for galleries, with Azure's ids, actions and notActions. */
export const BUILT_IN_ROLES: readonly RoleDefinition[] = [
  builtIn(OWNER_ROLE, "Owner", "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.", permission(["*"])),
  builtIn(
    "b24988ac-6180-42a0-ab88-20f7382dd24c",
    "Contributor",
    "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
    permission(["*"], [
      "Microsoft.Authorization/*/Delete",
      "Microsoft.Authorization/*/Write",
      "Microsoft.Authorization/elevateAccess/Action",
      "Microsoft.Blueprint/blueprintAssignments/write",
      "Microsoft.Blueprint/blueprintAssignments/delete",
      "Microsoft.Compute/galleries/share/action",
    ]),
  ),
  builtIn("acdd72a7-3385-48ef-bd42-f606fba81ae7", "Reader", "View all resources, but does not allow you to make any changes.", permission(["*/read"])),
  builtIn(
    "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9",
    "User Access Administrator",
    "Lets you manage user access to Azure resources.",
    permission(["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"]),
  ),
  builtIn(
    "1ef6a3be-d0ac-425d-8c01-acb62866290b",
    "Compute Gallery Sharing Admin",
    "This role allows user to share gallery to another subscription/tenant or share it to the public.",
    permission(["Microsoft.Compute/galleries/share/action"]),
  ),
  builtIn(
    "85a2d0d9-2eba-4c9c-b355-11c2cc0788ab",
    "Compute Gallery Artifacts Publisher",
    "This is the role for publishing gallery artifacts.",
    permission(
      [
        "Microsoft.Compute/galleries/*",
        "Microsoft.Compute/locations/capsOperations/read",
        "Microsoft.Compute/locations/communityGalleries/*",
        "Microsoft.Compute/locations/sharedGalleries/*",
        "Microsoft.Compute/images/*",
        "Microsoft.Compute/virtualMachines/write",
        "Microsoft.Compute/disks/write",
        "Microsoft.Authorization/*/read",
        "Microsoft.Insights/alertRules/*",
        "Microsoft.Resources/deployments/*",
        "Microsoft.Resources/subscriptions/resourceGroups/read",
      ],
      ["Microsoft.Compute/galleries/share/action"],
    ),
  ),
  builtIn(
    "cf7c76d2-98a3-4358-a134-615aa78bf44d",
    "Compute Gallery Image Reader",
    "This is the role for reading gallery images.",
    permission(["Microsoft.Compute/galleries/images/read", "Microsoft.Compute/galleries/images/versions/read"]),
  ),
];

// Does an action pattern ("*", "Microsoft.Compute/*", "*/read", "Microsoft.Authorization/*/Write") cover an action? Case-insensitive.
export function actionMatches(pattern: string, action: string): boolean {
  const regex = new RegExp(`^${pattern.split("*").map(escapeRegex).join(".*")}$`, "i");
  return regex.test(action);
}

const escapeRegex = (s: string): string => s.replace(/[.+?^${}()|[\]\\]/g, "\\$&");

/** Whether a role's permissions allow an action: some permission lists it in actions and not in notActions. */
export function roleAllows(role: RoleDefinition, action: string): boolean {
  return role.permissions.some(
    (p) => p.actions.some((a) => actionMatches(a, action)) && !p.notActions.some((n) => actionMatches(n, action)),
  );
}

/** Is `scope` the same as `ancestor` or below it? Scopes compare case-insensitively; "/" is above everything. */
export function scopeCovers(ancestor: string, scope: string): boolean {
  const a = trimScope(ancestor);
  const s = trimScope(scope);
  return a === "" || s === a || s.startsWith(`${a}/`);
}

export const trimScope = (scope: string): string => scope.replace(/\/+$/, "").toLowerCase();

/** The assignments (of the principals given) that let one of them perform `action` at `scope`. */
export function grantingAssignments(
  assignments: readonly RoleAssignment[],
  roles: ReadonlyMap<string, RoleDefinition>,
  action: string,
  scope: string,
): RoleAssignment[] {
  return assignments.filter((assignment) => {
    if (!scopeCovers(assignment.scope, scope)) return false;
    const role = roles.get(assignment.roleDefinitionName.toLowerCase());
    return role !== undefined && roleAllows(role, action);
  });
}

/** What a request does, in RBAC's words: `{namespace}/{types}/{read|write|delete|action}`. */
export function actionFor(namespace: string, types: readonly string[], verb: "read" | "write" | "delete" | "action"): string {
  return [namespace, ...types, verb].join("/");
}

/** The RBAC verb of an HTTP method on a resource. */
export function verbOf(method: string): "read" | "write" | "delete" {
  switch (method.toUpperCase()) {
    case "PUT":
    case "PATCH":
      return "write";
    case "DELETE":
      return "delete";
    default:
      return "read";
  }
}
