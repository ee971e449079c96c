// Direct sharing: a gallery created with `sharingProfile.permissions: Groups` is shared with whole
// subscriptions and tenants (`POST .../galleries/{g}/share`), read-only. Everyone who may read in
// such a subscription (or in a subscription of such a tenant) sees it under
// `.../locations/{l}/sharedGalleries` and may deploy from its versions by their shared id
// (`/SharedGalleries/{uniqueName}/Images/{image}/Versions/{version}`), without any role on it.

import { errors } from "../errors.js";
import { GUID, GUID_PATTERN } from "../validate.js";
import { keyOf } from "../resource-id.js";
import { galleryImageKind, galleryKind } from "../resource-kinds.js";
import { galleryImageVersionKind } from "../version-kinds.js";
import type { ResourceRecord, SubscriptionRecord } from "../../ports/metadata-store.js";
import type { TrackedResources } from "./tracked-resources.js";

type Json = Record<string, unknown>;

export interface SharingGroup {
  type: "Subscriptions" | "AADTenants";
  ids: string[];
}

/** The preview limits Azure documents for direct sharing. */
const MAX_SUBSCRIPTIONS = 30;
const MAX_TENANTS = 5;

export const sharingOf = (gallery: ResourceRecord): { permissions: string; groups: SharingGroup[] } => {
  const profile = ((gallery.body.properties as Json | undefined)?.sharingProfile ?? {}) as Json;
  return { permissions: typeof profile.permissions === "string" ? profile.permissions : "Private", groups: (profile.groups ?? []) as SharingGroup[] };
};

export class GallerySharing {
  constructor(private readonly deps: { resources: TrackedResources }) {}

  /** `POST .../share`: Add, Remove or Reset the subscriptions and tenants the gallery is shared with. */
  async update(gallery: ResourceRecord, raw: unknown): Promise<Json> {
    const body = (raw ?? {}) as Json;
    const operation = typeof body.operationType === "string" ? body.operationType.toLowerCase() : undefined;
    if (operation === undefined) throw errors.requiredParameterMissing("operationType");
    if (!["add", "remove", "reset"].includes(operation)) throw errors.invalidParameter(`The operationType '${String(body.operationType)}' is not supported: use Add, Remove or Reset.`, "operationType");
    if (sharingOf(gallery).permissions.toLowerCase() !== "groups") {
      throw errors.invalidParameter(`The gallery '${gallery.name}' is not shared directly: create it with sharingProfile.permissions 'Groups' to share it with subscriptions and tenants.`, "sharingProfile.permissions");
    }
    const asked = operation === "reset" ? [] : groupsOf(body.groups);
    const updated = await this.deps.resources.modify(gallery.id, (current) => {
      const groups = new Map(sharingOf(current).groups.map((g) => [g.type, new Set(g.ids.map((id) => id.toLowerCase()))]));
      if (operation === "reset") groups.clear();
      for (const group of asked) {
        const ids = groups.get(group.type) ?? new Set<string>();
        for (const id of group.ids) {
          if (operation === "add") ids.add(id.toLowerCase());
          else ids.delete(id.toLowerCase());
        }
        groups.set(group.type, ids);
      }
      const next = [...groups].filter(([, ids]) => ids.size > 0).map(([type, ids]) => ({ type, ids: [...ids].sort() }));
      const count = (type: string) => next.find((g) => g.type === type)?.ids.length ?? 0;
      if (count("Subscriptions") > MAX_SUBSCRIPTIONS || count("AADTenants") > MAX_TENANTS) {
        throw errors.invalidParameter(`You can only share to ${MAX_SUBSCRIPTIONS} subscriptions and ${MAX_TENANTS} tenants.`, "groups");
      }
      const properties = (current.body.properties ?? {}) as Json;
      const sharingProfile = { ...((properties.sharingProfile ?? {}) as Json), groups: next };
      return { ...current, body: { ...current.body, properties: { ...properties, sharingProfile } } };
    });
    if (!updated) throw errors.resourceNotFound(`Microsoft.Compute/galleries/${gallery.name}`, gallery.resourceGroup);
    return { operationType: body.operationType, groups: sharingOf(updated).groups };
  }

  /** Galleries in `location` shared with the subscription (or, `toTenant`, with its tenant). */
  async galleries(subscription: SubscriptionRecord, location: string, toTenant: boolean): Promise<ResourceRecord[]> {
    const found: ResourceRecord[] = [];
    for await (const gallery of this.deps.resources.all(galleryKind.type)) {
      if (gallery.location === location && isSharedWith(gallery, subscription, toTenant)) found.push(gallery);
    }
    return found;
  }

  /**
   * The gallery behind a unique name (`{subscriptionId}-{GALLERY}`), if it is shared with the
   * subscription or its tenant (and is in `location`, when given). Only the galleries of the
   * subscription the name begins with are looked at.
   */
  async gallery(subscription: SubscriptionRecord, uniqueName: string, location?: string): Promise<ResourceRecord> {
    const owner = UNIQUE_NAME.exec(uniqueName)?.[1];
    if (owner === undefined) throw errors.sharedGalleryNotFound(uniqueName, subscription.id);
    for await (const gallery of this.deps.resources.all(galleryKind.type, { subscriptionId: owner })) {
      const unique = ((gallery.body.properties as Json | undefined)?.identifier as Json | undefined)?.uniqueName;
      if (typeof unique !== "string" || unique.toLowerCase() !== uniqueName.toLowerCase()) continue;
      if ((location === undefined || gallery.location === location) && (isSharedWith(gallery, subscription, false) || isSharedWith(gallery, subscription, true))) return gallery;
    }
    throw errors.sharedGalleryNotFound(uniqueName, subscription.id);
  }

  async images(gallery: ResourceRecord): Promise<ResourceRecord[]> {
    return this.children(gallery, galleryImageKind.type);
  }

  async versions(image: ResourceRecord): Promise<ResourceRecord[]> {
    return this.children(image, galleryImageVersionKind.type);
  }

  async child(parent: ResourceRecord, segment: "images" | "versions", name: string): Promise<ResourceRecord> {
    const record = await this.deps.resources.find(`${parent.id}/${segment}/${name}`);
    if (!record) throw errors.sharedGalleryNotFound(`${parent.name}/${segment}/${name}`, parent.subscriptionId);
    return record;
  }

  /**
   * The version a shared id names (`/SharedGalleries/{u}/Images/{i}/Versions/{v}`), for a deployment
   * in `subscription`: its real id, or a refusal when the gallery is not shared there.
   */
  async resolveVersionId(subscription: SubscriptionRecord, sharedId: string): Promise<string> {
    const match = /^\/SharedGalleries\/([^/]+)\/Images\/([^/]+)\/Versions\/([^/]+)$/i.exec(sharedId);
    if (!match?.[1] || !match[2] || !match[3]) throw errors.invalidParameter(`The shared gallery image id '${sharedId}' is not of the form /SharedGalleries/{gallery}/Images/{image}/Versions/{version}.`, "sharedGalleryImageId");
    const gallery = await this.gallery(subscription, match[1]);
    const image = await this.child(gallery, "images", match[2]);
    return (await this.child(image, "versions", match[3])).id;
  }

  private async children(parent: ResourceRecord, type: string): Promise<ResourceRecord[]> {
    const found: ResourceRecord[] = [];
    for await (const record of this.deps.resources.all(type, { parentKey: keyOf(parent.id) })) found.push(record);
    return found;
  }
}

/** A gallery's unique name: the id of its subscription, a hyphen, its name in capitals (resource-kinds.ts). */
const UNIQUE_NAME = new RegExp(`^(${GUID_PATTERN})-.`, "i");

function isSharedWith(gallery: ResourceRecord, subscription: SubscriptionRecord, toTenant: boolean): boolean {
  const { permissions, groups } = sharingOf(gallery);
  if (permissions.toLowerCase() !== "groups") return false;
  const type = toTenant ? "AADTenants" : "Subscriptions";
  const id = toTenant ? subscription.tenantId : subscription.id;
  return groups.some((g) => g.type === type && g.ids.includes(id.toLowerCase()));
}

function groupsOf(raw: unknown): SharingGroup[] {
  if (!Array.isArray(raw) || raw.length === 0) throw errors.requiredParameterMissing("groups");
  return raw.map((group: Json, index) => {
    const type = group.type === "Subscriptions" || group.type === "AADTenants" ? group.type : undefined;
    if (!type) throw errors.invalidParameter(`groups[${index}].type must be Subscriptions or AADTenants.`, `groups[${index}].type`);
    const ids = Array.isArray(group.ids) ? group.ids : [];
    if (ids.length === 0 || ids.some((id) => typeof id !== "string" || !GUID.test(id))) throw errors.invalidParameter(`groups[${index}].ids must be subscription or tenant ids (GUIDs).`, `groups[${index}].ids`);
    return { type, ids: ids as string[] };
  });
}

/** The unique name of a gallery: `{subscriptionId}-{NAME}`. */
const uniqueNameOf = (gallery: ResourceRecord): string => String(((gallery.body.properties as Json | undefined)?.identifier as Json | undefined)?.uniqueName ?? "");

const pick = (properties: Json, names: string[]): Json => Object.fromEntries(names.filter((n) => properties[n] !== undefined).map((n) => [n, properties[n]]));

/** A shared gallery, image or version as `sharedGalleries` serves it: only what consumers may see. */
export function renderShared(record: ResourceRecord, gallery: ResourceRecord, path: string[]): Json {
  const properties = (record.body.properties ?? {}) as Json;
  const unique = uniqueNameOf(gallery);
  const uniqueId = [`/SharedGalleries/${unique}`, ...path.map((segment, i) => (i % 2 === 0 ? `${segment[0]?.toUpperCase()}${segment.slice(1)}` : segment))].join("/");
  const shown =
    record.type === galleryKind.type
      ? { artifactTags: {} }
      : record.type === galleryImageKind.type
        ? pick(properties, ["osType", "osState", "endOfLifeDate", "identifier", "recommended", "disallowed", "hyperVGeneration", "features", "purchasePlan", "architecture", "privacyStatementUri", "eula"])
        : { ...pick((properties.publishingProfile ?? {}) as Json, ["publishedDate", "endOfLifeDate", "excludeFromLatest"]), storageProfile: sharedStorageProfile(properties) };
  return { name: record.type === galleryKind.type ? unique : record.name, location: record.location, identifier: { uniqueId }, properties: shown };
}

function sharedStorageProfile(properties: Json): Json {
  const storage = (properties.storageProfile ?? {}) as Json;
  const disk = (image: unknown) => pick((image ?? {}) as Json, ["diskSizeGB", "hostCaching", "lun"]);
  return {
    ...(storage.osDiskImage !== undefined && { osDiskImage: disk(storage.osDiskImage) }),
    ...(Array.isArray(storage.dataDiskImages) && { dataDiskImages: storage.dataDiskImages.map(disk) }),
  };
}
