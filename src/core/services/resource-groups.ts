// Resource groups, as Microsoft.Resources serves them. Deleting a group deletes everything in it.

import { errors } from "../errors.js";
import { keyOf, resourceGroupId, subscriptionId } from "../resource-id.js";
import { checkResourceGroupName } from "../validate.js";
import type { Clock } from "../../ports/clock.js";
import type { MetadataStore, ResourceRecord, SubscriptionRecord } from "../../ports/metadata-store.js";
import { resolveLocation } from "./locations.js";
import type { Page } from "./tracked-resources.js";

export const RESOURCE_GROUP_TYPE = "Microsoft.Resources/resourceGroups";

type Json = Record<string, unknown>;

export class ResourceGroups {
  constructor(private readonly deps: { store: MetadataStore; clock: Clock }) {}

  async get(subscription: SubscriptionRecord, name: string): Promise<ResourceRecord> {
    const record = await this.deps.store.getResource(keyOf(resourceGroupId(subscription.id, name)));
    if (!record) throw errors.resourceGroupNotFound(name);
    return record;
  }

  async exists(subscription: SubscriptionRecord, name: string): Promise<boolean> {
    return (await this.deps.store.getResource(keyOf(resourceGroupId(subscription.id, name)))) !== undefined;
  }

  async list(subscription: SubscriptionRecord, page: { afterKey?: string; limit: number }): Promise<Page<ResourceRecord>> {
    const items = await this.deps.store.listResources({
      parentKey: keyOf(subscriptionId(subscription.id)),
      type: RESOURCE_GROUP_TYPE,
      afterKey: page.afterKey,
      limit: page.limit,
    });
    return items.length < page.limit ? { items } : { items, next: items[items.length - 1]?.key };
  }

  async createOrUpdate(subscription: SubscriptionRecord, name: string, raw: unknown): Promise<{ record: ResourceRecord; created: boolean }> {
    const nameError = checkResourceGroupName(name);
    if (nameError) throw nameError;
    const body = asObject(raw);
    const location = resolveLocation(body.location, subscription, RESOURCE_GROUP_TYPE);
    const tags = tagsOf(body.tags);
    const existing = await this.deps.store.getResource(keyOf(resourceGroupId(subscription.id, name)));
    if (existing) {
      if (existing.location !== location) throw errors.invalidResourceGroupLocation(location, existing.name, existing.location);
      return { record: await this.save(existing, { ...existing.body, tags, ...managedBy(body) }), created: false };
    }
    const id = resourceGroupId(subscription.id, name);
    const now = this.deps.clock.now().toISOString();
    const record: ResourceRecord = {
      id,
      key: keyOf(id),
      subscriptionId: subscription.id.toLowerCase(),
      resourceGroup: name.toLowerCase(),
      type: RESOURCE_GROUP_TYPE,
      parentKey: keyOf(subscriptionId(subscription.id)),
      name,
      location,
      uniqueKey: null,
      body: { tags, ...managedBy(body), properties: { provisioningState: "Succeeded" } },
      createdAt: now,
      updatedAt: now,
    };
    const result = await this.deps.store.createResource(record);
    if (result.kind === "created") return { record: result.record, created: true };
    if (result.kind === "exists") return this.createOrUpdate(subscription, name, raw);
    throw errors.internal();
  }

  async update(subscription: SubscriptionRecord, name: string, raw: unknown): Promise<ResourceRecord> {
    const existing = await this.get(subscription, name);
    const body = asObject(raw);
    if (body.location !== undefined && resolveLocation(body.location, subscription, RESOURCE_GROUP_TYPE) !== existing.location) {
      throw errors.invalidResourceGroupLocation(String(body.location), existing.name, existing.location);
    }
    const tags = body.tags === undefined ? existing.body.tags : tagsOf(body.tags);
    return this.save(existing, { ...existing.body, tags, ...managedBy(body) });
  }

  /** Deletes the group and every resource in it. */
  async delete(subscription: SubscriptionRecord, name: string): Promise<void> {
    const group = await this.get(subscription, name);
    await this.deps.store.deleteTree(group.key);
  }

  private async save(existing: ResourceRecord, body: Json): Promise<ResourceRecord> {
    const updated = await this.deps.store.updateResource({ ...existing, body, updatedAt: this.deps.clock.now().toISOString() });
    if (!updated) throw errors.resourceGroupNotFound(existing.name);
    return updated;
  }
}

export function renderResourceGroup(record: ResourceRecord): Json {
  return { id: record.id, name: record.name, type: record.type, location: record.location, ...record.body };
}

function asObject(raw: unknown): Json {
  if (typeof raw !== "object" || raw === null || Array.isArray(raw)) throw errors.invalidRequestContent("the body must be a JSON object.");
  return raw as Json;
}

function tagsOf(value: unknown): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) throw errors.invalidRequestContent("'tags' must be an object of strings. Path 'tags'.");
  const tags: Record<string, string> = {};
  for (const [key, tagValue] of Object.entries(value)) {
    if (typeof tagValue !== "string") throw errors.invalidRequestContent(`tag '${key}' must be a string. Path 'tags.${key}'.`);
    tags[key] = tagValue;
  }
  return tags;
}

const managedBy = (body: Json): Json => (typeof body.managedBy === "string" ? { managedBy: body.managedBy } : {});
