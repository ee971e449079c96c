// "Shared with me": the gallery resources a principal reaches through role assignments outside its
// own subscriptions (those where it holds a role on the whole subscription), across tenants. Azure
// has no such list; its users ask for one. Each entry is the resource a role was given on (a
// gallery, an image definition, a version, an application, or the galleries of a resource group),
// with the role and the tenant that owns it.

import { keyOf, resourceGroupId } from "../resource-id.js";
import { galleryKind } from "../resource-kinds.js";
import { scopeCovers } from "../authorize.js";
import type { MetadataStore, ResourceRecord } from "../../ports/metadata-store.js";
import type { Authorizer } from "./access.js";
import type { TrackedResources } from "./tracked-resources.js";

export interface SharedEntry {
  id: string;
  type: string;
  name: string;
  location: string;
  /** The roles that reach it, by name. */
  roles: string[];
  /** Tenant of the subscription that holds it. */
  ownerTenantId: string;
  subscriptionId: string;
}

const GALLERY_TYPE_PREFIX = `${galleryKind.type.toLowerCase()}`;

export class SharedWithMe {
  constructor(private readonly deps: { store: MetadataStore; resources: TrackedResources }) {}

  async list(authorizer: Authorizer): Promise<SharedEntry[]> {
    const whole = authorizer.assignments.filter((a) => /^\/subscriptions\/[^/]+$/i.test(a.scope) || a.scope === "/");
    const inside = authorizer.assignments.filter((a) => !whole.some((w) => scopeCovers(w.scope, a.scope)));
    const entries = new Map<string, SharedEntry>();
    const tenants = new Map<string, string>();
    const tenantOf = async (subscriptionId: string) => {
      if (!tenants.has(subscriptionId)) tenants.set(subscriptionId, (await this.deps.store.getSubscription(subscriptionId))?.tenantId ?? "");
      return tenants.get(subscriptionId) ?? "";
    };
    for (const assignment of inside) {
      const roleName = authorizer.role(assignment.roleDefinitionName)?.roleName ?? assignment.roleDefinitionName;
      for (const record of await this.galleryResourcesAt(assignment.scope)) {
        const entry = entries.get(record.key) ?? {
          id: record.id,
          type: record.type,
          name: record.name,
          location: record.location,
          roles: [],
          ownerTenantId: await tenantOf(record.subscriptionId),
          subscriptionId: record.subscriptionId,
        };
        if (!entry.roles.includes(roleName)) entry.roles.push(roleName);
        entries.set(record.key, entry);
      }
    }
    return [...entries.values()].sort((a, b) => a.id.localeCompare(b.id));
  }

  /** The gallery resource at a scope, or the galleries of a resource group. */
  private async galleryResourcesAt(scope: string): Promise<ResourceRecord[]> {
    const record = await this.deps.resources.find(scope);
    if (record?.type.toLowerCase().startsWith(GALLERY_TYPE_PREFIX)) return [record];
    const group = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)$/i.exec(scope);
    if (!group?.[1] || !group[2]) return [];
    const found: ResourceRecord[] = [];
    for await (const gallery of this.deps.resources.all(galleryKind.type, { parentKey: keyOf(resourceGroupId(group[1], group[2])) })) found.push(gallery);
    return found;
  }
}
