// Gallery image versions (Microsoft.Compute/galleries/images/versions): the rules of their bodies.
// What may change after creation, the publishing profile's defaults and target-region rules, and
// the shape of the sources. Their bytes (sources ingested, per-region state) are in
// services/image-versions.ts.

import { checkPlacement, PlacementError, type StorageAccountType } from "./replication-plan.js";
import { errors, type ArmError } from "./errors.js";
import { findRegion } from "./regions.js";
import type { KindContext, ResourceKind } from "./resource-kinds.js";
import { checkFutureDate, parseVersionName } from "./validate.js";

type Props = Record<string, unknown>;

/** Replicas of a version in one region (Azure: 10 per version per region in a subscription's limits). */
export const MAX_REGIONAL_REPLICAS = 10;
export const DEFAULT_STORAGE_ACCOUNT_TYPE = "Standard_LRS";

const ROOT = "galleryImageVersion";
const PROFILE = `${ROOT}.properties.publishingProfile`;

export interface TargetRegion {
  name: string;
  regionalReplicaCount?: number;
  storageAccountType?: string;
  excludeFromLatest?: boolean;
  [key: string]: unknown;
}

export interface PublishingProfile {
  targetRegions?: TargetRegion[];
  replicaCount?: number;
  excludeFromLatest?: boolean;
  storageAccountType?: string;
  publishedDate?: string;
  endOfLifeDate?: string;
  [key: string]: unknown;
}

export const publishingProfileOf = (props: Props): PublishingProfile => (props.publishingProfile ?? {}) as PublishingProfile;

/** The catalogue name of a target region as the client wrote it ("West US" -> "westus"). */
export const regionKey = (name: string): string => findRegion(name)?.name ?? name.toLowerCase().replace(/\s+/g, "");

export function checkVersionName(name: string, target: string): ArmError | undefined {
  return parseVersionName(name) ? undefined : errors.invalidVersionName(target);
}

function checkReplicaCount(value: number | undefined, property: string, target: string): void {
  if (value !== undefined && (value < 1 || value > MAX_REGIONAL_REPLICAS)) {
    throw errors.valueOutOfRange(value, property, 1, MAX_REGIONAL_REPLICAS, target);
  }
}

/** Target regions: known, no duplicates, the version's own location among them, replica counts in range. */
function checkTargetRegions(profile: PublishingProfile, context: KindContext): void {
  checkReplicaCount(profile.replicaCount, "replicaCount", `${PROFILE}.replicaCount`);
  const regions = profile.targetRegions ?? [];
  const seen = new Set<string>();
  regions.forEach((region, i) => {
    const target = `${PROFILE}.targetRegions[${i}]`;
    if (!findRegion(region.name)) throw errors.locationNotAvailable(region.name, "Microsoft.Compute/galleries/images/versions");
    const key = regionKey(region.name);
    if (seen.has(key)) throw errors.duplicateTargetRegions(region.name);
    seen.add(key);
    checkReplicaCount(region.regionalReplicaCount, "regionalReplicaCount", `${target}.regionalReplicaCount`);
  });
  if (regions.length > 0 && !seen.has(context.location)) {
    throw errors.sourceRegionNotTargeted(regions.map((r) => r.name), findRegion(context.location)?.displayName ?? context.location);
  }
  // A region keeps the storage type it was created with; naming another one is refused.
  const before = new Map(publishingProfileOf(context.previous ?? {}).targetRegions?.map((r) => [regionKey(r.name), r]) ?? []);
  regions.forEach((region, i) => {
    const previous = before.get(regionKey(region.name));
    const asked = region.storageAccountType ?? profile.storageAccountType;
    if (previous?.storageAccountType && asked && asked !== previous.storageAccountType) {
      throw errors.storageTypeOfRegionFixed(findRegion(region.name)?.displayName ?? region.name, previous.storageAccountType);
    }
    checkStorage(context, regionKey(region.name), asked ?? previous?.storageAccountType, `${PROFILE}.targetRegions[${i}].storageAccountType`);
  });
  if (regions.length === 0) checkStorage(context, context.location, profile.storageAccountType, `${PROFILE}.storageAccountType`);
}

const STORAGE_ACCOUNT_TYPES: readonly StorageAccountType[] = ["Standard_LRS", "Standard_ZRS", "Premium_LRS"];

/** The region's configured storage must be able to hold the type (premium targets, three zones). */
function checkStorage(context: KindContext, region: string, asked: string | undefined, target: string): void {
  const name = (asked ?? DEFAULT_STORAGE_ACCOUNT_TYPE).toLowerCase();
  // PremiumV2_LRS (2024-03-03) goes on premium targets as Premium_LRS does.
  const type = STORAGE_ACCOUNT_TYPES.find((known) => known.toLowerCase() === (name === "premiumv2_lrs" ? "premium_lrs" : name));
  if (!type) return;
  try {
    checkPlacement(context.regionStorage(region), type);
  } catch (error) {
    if (error instanceof PlacementError) throw errors.storageTypeNotAvailable(error.message, target);
    throw error;
  }
}

/**
 * Regions a version was replicated to may be taken out of its targets only where its
 * safetyProfile allows it (false by default, as in Azure); the same request may set it.
 */
function checkRemovedRegions(props: Record<string, unknown>, context: KindContext): void {
  if (!context.previous) return;
  const now = new Set((publishingProfileOf(props).targetRegions ?? []).map((region) => regionKey(region.name)));
  const removed = (publishingProfileOf(context.previous).targetRegions ?? []).filter((region) => !now.has(regionKey(region.name)));
  const allowed = (props.safetyProfile as { allowDeletionOfReplicatedLocations?: unknown } | undefined)?.allowDeletionOfReplicatedLocations === true;
  if (removed.length > 0 && !allowed) throw errors.replicatedRegionRemoval(context.name, removed.map((region) => findRegion(region.name)?.displayName ?? region.name));
}

/** Defaults the service fills in, as Azure's responses show them. */
function finishProfile(profile: PublishingProfile, context: KindContext): PublishingProfile {
  const replicaCount = profile.replicaCount ?? 1;
  const storageAccountType = profile.storageAccountType ?? DEFAULT_STORAGE_ACCOUNT_TYPE;
  const before = new Map(publishingProfileOf(context.previous ?? {}).targetRegions?.map((r) => [regionKey(r.name), r]) ?? []);
  const named = profile.targetRegions?.length ? profile.targetRegions : [{ name: findRegion(context.location)?.displayName ?? context.location }];
  return {
    ...profile,
    targetRegions: named.map((region) => ({
      ...region,
      regionalReplicaCount: region.regionalReplicaCount ?? replicaCount,
      storageAccountType: region.storageAccountType ?? before.get(regionKey(region.name))?.storageAccountType ?? storageAccountType,
      // Left unset unless given: a region's own flag, where set, wins over the version's.
    })),
    replicaCount,
    excludeFromLatest: profile.excludeFromLatest ?? false,
    storageAccountType,
    publishedDate: profile.publishedDate ?? context.now.toISOString(),
  };
}

export const galleryImageVersionKind: ResourceKind = {
  type: "Microsoft.Compute/galleries/images/versions",
  segments: ["galleries", "images", "versions"],
  apiFamily: "gallery",
  root: ROOT,
  label: "gallery image version",
  schema: "GalleryImageVersion",
  updateSchema: "GalleryImageVersionUpdate",
  checkName: (name) => checkVersionName(name, "galleryImageVersionName"),
  // The documentation's list: target regions and replica counts, exclude-from-latest, end of life.
  updatable: () => [
    "publishingProfile.targetRegions",
    "publishingProfile.replicaCount",
    "publishingProfile.excludeFromLatest",
    "publishingProfile.endOfLifeDate",
    "safetyProfile.allowDeletionOfReplicatedLocations",
    "safetyProfile.blockDeletionBeforeEndOfLife",
  ],
  check: (props, context) => {
    const profile = publishingProfileOf(props);
    checkTargetRegions(profile, context);
    checkRemovedRegions(props, context);
    const previousEnd = publishingProfileOf(context.previous ?? {}).endOfLifeDate;
    if (context.previous === undefined || previousEnd !== profile.endOfLifeDate) {
      const error = checkFutureDate(profile.endOfLifeDate, context.now, `${PROFILE}.endOfLifeDate`);
      if (error) throw error;
    }
  },
  finish: (props, context) => ({
    ...props,
    publishingProfile: finishProfile(publishingProfileOf(props), context),
    // As Azure shows it; az's --allow-replicated-location-deletion needs it there to update.
    safetyProfile: { allowDeletionOfReplicatedLocations: false, ...(props.safetyProfile as Record<string, unknown> | undefined), reportedForPolicyViolation: false },
    provisioningState: props.provisioningState ?? "Creating",
  }),
};
