// Create, read, update, list and delete of ARM tracked resources under Microsoft.Compute
// (galleries, image definitions, applications, disks, snapshots, ...). One flow for all of them;
// what differs lives in resource-kinds.ts, and what a create needs beyond it in `onCreate`.

import { defaultRegionStorage, type RegionStorage } from "../replication-plan.js";
import { errors } from "../errors.js";
import { quotaFor, type Limits } from "../limits.js";
import { keyOf, parentIdOf, providerResourceId, resourceGroupId } from "../resource-id.js";
import type { ResourceKind } from "../resource-kinds.js";
import { conform, armSchemas } from "../schema.js";
import { applyUpdate, mergePatch } from "../validate.js";
import type { Clock } from "../../ports/clock.js";
import type { MetadataStore, ResourceRecord, SubscriptionRecord } from "../../ports/metadata-store.js";
import { resolveLocation } from "./locations.js";

export const COMPUTE_NAMESPACE = "Microsoft.Compute";

export interface ResourceRef {
  subscription: SubscriptionRecord;
  resourceGroup: string;
  kind: ResourceKind;
  /** Names along the id as the client wrote them; as many as kind.segments (one fewer for a collection). */
  names: readonly string[];
}

export interface Page<T> {
  items: T[];
  /** Key to continue after, when there may be more. */
  next?: string;
}

type Props = Record<string, unknown>;

/**
 * What a kind with side effects (a disk copied from a snapshot, ...) adds to a new resource: it may
 * rewrite the properties and attach internal data; it throws to refuse the create.
 */
export type OnCreate = (input: { id: string; location: string; body: Props; properties: Props }) => Promise<{ properties?: Props; internal?: object }>;

export interface TrackedResourceDeps {
  store: MetadataStore;
  clock: Clock;
  limits: Limits;
  /** Each region's storage; by default defaultRegionStorage (three zones, standard and premium). */
  regionStorage?: (region: string) => RegionStorage;
}

export class TrackedResources {
  private readonly regionStorage: (region: string) => RegionStorage;
  /** Per resource key, the last write queued by this process (serialized). */
  private readonly writes = new Map<string, Promise<void>>();

  constructor(private readonly deps: TrackedResourceDeps) {
    this.regionStorage = deps.regionStorage ?? defaultRegionStorage;
  }

  async get(ref: ResourceRef): Promise<ResourceRecord> {
    const record = await this.deps.store.getResource(keyOf(idOf(ref)));
    if (record) return record;
    await this.requireParent(ref);
    throw errors.resourceNotFound(displayPath(ref), ref.resourceGroup);
  }

  /** Children of the resource group (galleries) or of the parent resource named by `ref.names`. */
  async list(ref: ResourceRef, page: { afterKey?: string; limit: number }): Promise<Page<ResourceRecord>> {
    const child = { ...ref, names: [...ref.names, "_"] };
    const parentKey = keyOf(parentIdFor(child));
    await this.requireParent(child);
    const items = await this.deps.store.listResources({ parentKey, type: ref.kind.type, afterKey: page.afterKey, limit: page.limit });
    return pageOf(items, page.limit);
  }

  /** Every resource of `type`: in all subscriptions, or only under the resource with key `parentKey`, or only in one subscription. */
  async *all(type: string, within: { parentKey?: string; subscriptionId?: string } = {}): AsyncGenerator<ResourceRecord> {
    const limit = 200;
    const subscriptionId = within.subscriptionId?.toLowerCase();
    for (let afterKey: string | undefined; ; ) {
      const items = await this.deps.store.listResources({ type, parentKey: within.parentKey, subscriptionId, afterKey, limit });
      yield* items;
      if (items.length < limit) return;
      afterKey = items[items.length - 1]?.key;
    }
  }

  /** Keys and names of a parent's children of one type, without their bodies. */
  childNames(type: string, parentKey: string): Promise<Array<{ key: string; name: string }>> {
    return this.deps.store.listChildNames(parentKey, type);
  }

  async listBySubscription(subscription: SubscriptionRecord, kind: ResourceKind, page: { afterKey?: string; limit: number }): Promise<Page<ResourceRecord>> {
    const items = await this.deps.store.listResources({ subscriptionId: subscription.id.toLowerCase(), type: kind.type, afterKey: page.afterKey, limit: page.limit });
    return pageOf(items, page.limit);
  }

  /** PUT: create, or replace what may change. `onCreate` runs only when the resource is new. */
  put(ref: ResourceRef, raw: unknown, onCreate?: OnCreate): Promise<{ record: ResourceRecord; created: boolean }> {
    return this.serialized(keyOf(idOf(ref)), () => this.putNow(ref, raw, onCreate));
  }

  private async putNow(ref: ResourceRef, raw: unknown, onCreate?: OnCreate): Promise<{ record: ResourceRecord; created: boolean }> {
    const { kind } = ref;
    const name = lastName(ref);
    const existing = await this.deps.store.getResource(keyOf(idOf(ref)));
    if (!existing) {
      const nameError = kind.checkName(name);
      if (nameError) throw nameError;
    }
    // `properties` itself is optional in the spec; its required members are not.
    const withProperties = isObject(raw) ? { ...raw, properties: raw.properties ?? {} } : raw;
    const body = conform(withProperties, armSchemas[kind.schema], { root: kind.root, requireRequired: true }) as Props;
    const location = resolveLocation(body.location, ref.subscription, kind.type);
    if (existing) {
      if (existing.location !== location) throw errors.resourceExistsInOtherLocation(name, existing.location, ref.resourceGroup, location);
      return { record: await this.replace(ref, existing, body), created: false };
    }
    return { record: await this.create(ref, body, location, onCreate), created: true };
  }

  /**
   * Changes a stored record (state transitions and progress of disks, images, versions): `change`
   * gets it as it is now and returns it changed; undefined when the resource is gone. Writes of the
   * same resource within this process take turns; a write of another process (servers and workers
   * sharing PostgreSQL) in between is caught by the store's compare-and-swap, and `change` is
   * applied again to what that process wrote, so that neither undoes the other.
   */
  modify(id: string, change: (current: ResourceRecord) => ResourceRecord): Promise<ResourceRecord | undefined> {
    return this.serialized(keyOf(id), async () => {
      for (let attempt = 1; ; attempt++) {
        const current = await this.find(id);
        if (!current) return undefined;
        const result = await this.deps.store.swapResource(current, { ...change(current), updatedAt: this.deps.clock.now().toISOString() });
        if (result.kind === "updated") return result.record;
        if (result.kind === "missing") return undefined;
        if (attempt === MODIFY_ATTEMPTS) throw new Error(`${id} kept changing under ${MODIFY_ATTEMPTS} attempts to update it`);
      }
    });
  }

  /** Runs `work` once this process's writes of the same resource queued before it have settled. */
  private serialized<T>(key: string, work: () => Promise<T>): Promise<T> {
    const before = this.writes.get(key) ?? Promise.resolve();
    const run = before.then(work);
    const settled = run.then(
      () => undefined,
      () => undefined,
    );
    this.writes.set(key, settled);
    void settled.then(() => {
      if (this.writes.get(key) === settled) this.writes.delete(key);
    });
    return run;
  }

  /** The ARM id `ref` names. */
  idOf(ref: ResourceRef): string {
    return idOf(ref);
  }

  /** Any tracked resource by its ARM id (or key), or undefined. */
  find(id: string): Promise<ResourceRecord | undefined> {
    return this.deps.store.getResource(keyOf(id));
  }

  /** PATCH: merge the supplied properties and tags into the resource, then apply as an update. */
  patch(ref: ResourceRef, raw: unknown): Promise<ResourceRecord> {
    return this.serialized(keyOf(idOf(ref)), () => this.patchNow(ref, raw));
  }

  private async patchNow(ref: ResourceRef, raw: unknown): Promise<ResourceRecord> {
    const existing = await this.get(ref);
    const patch = conform(raw, armSchemas[ref.kind.updateSchema], { root: ref.kind.root, requireRequired: false }) as Props;
    const merged = mergePatch(existing.body, patch);
    // ARM replaces the whole tag set on PATCH rather than merging it.
    if (patch.tags !== undefined) merged.tags = patch.tags;
    return this.replace(ref, existing, merged);
  }

  /** Returns the deleted record, or undefined when there was nothing to delete (its parents exist). */
  async delete(ref: ResourceRef): Promise<ResourceRecord | undefined> {
    const result = await this.deps.store.deleteResource(keyOf(idOf(ref)));
    switch (result.kind) {
      case "has-children":
        throw errors.cannotDeleteWithChildren(result.children.map((child) => child.id.split("/providers/")[1] ?? child.id));
      case "missing":
        await this.requireParent(ref);
        return undefined;
      case "deleted":
        return result.record;
    }
  }

  private async create(ref: ResourceRef, body: Props, location: string, onCreate?: OnCreate): Promise<ResourceRecord> {
    const { kind } = ref;
    const name = lastName(ref);
    const context = { subscriptionId: ref.subscription.id, name, location, now: this.deps.clock.now(), regionStorage: this.regionStorage };
    const input = (body.properties ?? {}) as Props;
    kind.check(input, context);
    const id = idOf(ref);
    const extra = onCreate ? await onCreate({ id, location, body, properties: input }) : {};
    const properties = kind.finish(extra.properties ?? input, context);
    const now = context.now.toISOString();
    const record: ResourceRecord = {
      id,
      key: keyOf(id),
      subscriptionId: ref.subscription.id.toLowerCase(),
      resourceGroup: ref.resourceGroup.toLowerCase(),
      type: kind.type,
      parentKey: keyOf(parentIdFor(ref)),
      name,
      location,
      uniqueKey: kind.uniqueKey?.(properties) ?? null,
      body: bodyOf(body, properties),
      ...(extra.internal && { internal: { ...extra.internal } }),
      createdAt: now,
      updatedAt: now,
    };
    const quota = quotaFor(kind.type);
    const result = await this.deps.store.createResource(record, quota && { type: quota.type, limit: this.deps.limits[quota.limit] });
    switch (result.kind) {
      case "created":
        return result.record;
      case "exists":
        // Lost a race with a concurrent create of the same name: apply as an update of the winner.
        return this.replace(ref, result.record, body);
      case "parent-missing":
        return this.requireParent(ref).then(() => {
          throw errors.parentResourceNotFound(ref.names.slice(0, -1).join("/"));
        });
      case "quota-exceeded":
        throw errors.quotaExceeded(quota?.localizedName ?? kind.type, location, this.deps.limits[quota!.limit], result.usage);
      case "unique-conflict":
        throw kind.uniqueConflict!(result.existing.name, properties);
    }
  }

  private async replace(ref: ResourceRef, existing: ResourceRecord, body: Props): Promise<ResourceRecord> {
    const { kind } = ref;
    const previous = (existing.body.properties ?? {}) as Props;
    const next = (body.properties ?? {}) as Props;
    const context = { subscriptionId: ref.subscription.id, name: existing.name, location: existing.location, now: this.deps.clock.now(), previous, regionStorage: this.regionStorage };
    const applied = applyUpdate(previous, next, kind.updatable(next), kind.root);
    kind.check(applied, context);
    const properties = kind.finish(applied, context);
    const updated = await this.deps.store.updateResource({
      ...existing,
      body: bodyOf(body, properties),
      updatedAt: context.now.toISOString(),
    });
    if (!updated) throw errors.resourceNotFound(displayPath(ref), ref.resourceGroup);
    return updated;
  }

  /** Throws the not-found error of the nearest missing ancestor of `ref`, if any. */
  private async requireParent(ref: ResourceRef): Promise<void> {
    const { store } = this.deps;
    const groupId = resourceGroupId(ref.subscription.id, ref.resourceGroup);
    if (!(await store.getResource(keyOf(groupId)))) throw errors.resourceGroupNotFound(ref.resourceGroup);
    for (let depth = 1; depth < ref.kind.segments.length; depth++) {
      const ancestor = providerResourceId(ref.subscription.id, ref.resourceGroup, COMPUTE_NAMESPACE, ref.kind.segments.slice(0, depth), ref.names.slice(0, depth));
      if (!(await store.getResource(keyOf(ancestor)))) throw errors.parentResourceNotFound(ref.names.slice(0, depth).join("/"));
    }
  }
}

/** The ARM JSON of a stored resource. */
export function renderResource(record: ResourceRecord): Record<string, unknown> {
  return { id: record.id, name: record.name, type: record.type, location: record.location, ...record.body };
}

/** Compare-and-swap rounds of one modify before giving up: each lost round means another process wrote meanwhile. */
const MODIFY_ATTEMPTS = 20;

const idOf = (ref: ResourceRef): string =>
  providerResourceId(ref.subscription.id, ref.resourceGroup, COMPUTE_NAMESPACE, ref.kind.segments, ref.names);

/** A top-level resource's parent is its resource group; a nested one's is the resource above it. */
const parentIdFor = (ref: ResourceRef): string =>
  ref.kind.segments.length === 1 ? resourceGroupId(ref.subscription.id, ref.resourceGroup) : parentIdOf(idOf(ref));

const lastName = (ref: ResourceRef): string => ref.names[ref.names.length - 1] ?? "";

const displayPath = (ref: ResourceRef): string =>
  `${COMPUTE_NAMESPACE}/${ref.kind.segments.map((s, i) => `${s}/${ref.names[i] ?? ""}`).join("/")}`;

/** What is stored besides id/name/type/location: tags, identity and the finished properties. */
function bodyOf(body: Props, properties: Props): Props {
  const { location: _location, id: _id, name: _name, type: _type, properties: _properties, ...rest } = body;
  return { ...rest, properties };
}

const isObject = (value: unknown): value is Props => typeof value === "object" && value !== null && !Array.isArray(value);

function pageOf(items: ResourceRecord[], limit: number): Page<ResourceRecord> {
  return items.length < limit ? { items } : { items, next: items[items.length - 1]?.key };
}
