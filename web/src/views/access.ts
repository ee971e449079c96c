// Sharing: the role assignments that reach a gallery, definition or version (add and remove those
// made at that scope), and "shared with me" (docs/access.md).

import { API, arm, list } from "../api.js";
import { field, h, heading, select, table, text } from "../dom.js";
import { submit } from "../forms.js";
import { resourceLink } from "../ids.js";

interface Assignment {
  id: string;
  name: string;
  properties: { roleDefinitionId: string; principalId: string; principalType?: string; scope: string };
}
interface RoleDefinition {
  id: string;
  name: string;
  properties: { roleName: string };
}

const ASSIGNMENTS = "providers/Microsoft.Authorization/roleAssignments";

export async function assignmentsSection(scope: string): Promise<HTMLElement> {
  const section = h("section", { "aria-labelledby": "access-title", id: "access" });
  // Listed at the resource itself: a principal the resource was shared with may read nothing above it.
  const roles = await list<RoleDefinition>(`${scope}/providers/Microsoft.Authorization/roleDefinitions`, API.authorization);
  const roleName = (definitionId: string) => roles.find((role) => role.name.toLowerCase() === definitionId.split("/").pop()?.toLowerCase())?.properties.roleName ?? definitionId;
  const listing = h("div");
  const refresh = async () => {
    const assignments = await list<Assignment>(`${scope}/${ASSIGNMENTS}?$filter=atScope()`, API.authorization);
    const rows = assignments.map((assignment) => {
      const here = assignment.properties.scope.toLowerCase() === scope.toLowerCase();
      const role = roleName(assignment.properties.roleDefinitionId);
      const action = here
        ? h("button", { type: "button", onclick: () => void removeAssignment(assignment.id) }, `Remove ${role} from ${assignment.properties.principalId}`)
        : h("span", { class: "muted" }, "inherited");
      return [role, assignment.properties.principalId, text(assignment.properties.principalType), here ? "this resource" : assignment.properties.scope, action];
    });
    listing.replaceChildren(table(["Role", "Principal", "Type", "Scope", ""], rows));
  };
  const removeAssignment = async (assignmentId: string) => {
    try {
      await arm("DELETE", assignmentId, API.authorization);
      await refresh();
    } catch (error) {
      listing.append(h("p", { class: "form-error", role: "alert" }, error instanceof Error ? error.message : String(error)));
    }
  };
  await refresh();

  const principal = h("input", { name: "principalId", required: true, autocomplete: "off" });
  const role = select("role", roles.map((r): [string, string] => [r.id, r.properties.roleName]));
  const form = h("form", { id: "add-assignment" }, field("Principal object id", principal, "properties.principalId"), field("Role", role, "properties.roleDefinitionId"), h("button", { type: "submit" }, "Add role assignment"));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void submit(form, async () => {
      await arm("PUT", `${scope}/${ASSIGNMENTS}/${crypto.randomUUID()}`, API.authorization, { properties: { roleDefinitionId: role.value, principalId: principal.value.trim() } });
      principal.value = "";
      await refresh();
    });
  });
  section.append(h("h2", { id: "access-title" }, "Access"), listing, form);
  return section;
}

interface SharedEntry {
  id: string;
  type: string;
  name: string;
  location: string;
  roles: string[];
  ownerTenantId: string;
  subscriptionId: string;
}

export async function sharedView(view: HTMLElement): Promise<void> {
  const shared = await list<SharedEntry>("/providers/Vitrine.Sharing/sharedWithMe", API.vitrine);
  const rows = shared.map((entry) => [h("a", { href: resourceLink(entry.id) }, entry.name), entry.type, entry.location, entry.roles.join(", "), entry.ownerTenantId]);
  view.append(
    heading("Shared with me"),
    h("p", { class: "muted" }, "What role assignments share with you outside your own subscriptions, in any tenant."),
    rows.length ? table(["Name", "Type", "Location", "Roles", "Owner tenant"], rows) : h("p", {}, "Nothing is shared with you."),
  );
}
