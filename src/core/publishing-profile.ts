// The publishing profile that image versions and application versions share: target regions with
// replica counts and storage types, exclude-from-latest, end of life, and the safety profile's
// rule for taking replicated regions out. What differs between the two kinds (the body's name in
// error targets, the replica limit per region) comes in as PublishingRules.

import { checkPlacement, PlacementError, type StorageAccountType } from "./replication-plan.js";
import { errors, type ArmError } from "./errors.js";
import { findRegion } from "./regions.js";
import type { KindContext } from "./resource-kinds.js";
import { checkFutureDate, parseVersionName } from "./validate.js";

type Props = Record<string, unknown>;

export const DEFAULT_STORAGE_ACCOUNT_TYPE = "Standard_LRS";

export interface PublishingRules {
  /** The body's name in error targets, e.g. galleryImageVersion. */
  root: string;
  /** The kind as error messages name it after "Gallery": "image version", "application version". */
  what: string;
  type: string;
  maxRegionalReplicas: number;
}

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

/** What an update may change in a version (the documentation's list): target regions and replica counts, exclude-from-latest, end of life. */
export const PUBLISHING_UPDATABLE: readonly string[] = [
  "publishingProfile.targetRegions",
  "publishingProfile.replicaCount",
  "publishingProfile.excludeFromLatest",
  "publishingProfile.endOfLifeDate",
  "safetyProfile.allowDeletionOfReplicatedLocations",
  "safetyProfile.blockDeletionBeforeEndOfLife",
];

export const publishingProfileOf = (props: Props): PublishingProfile => (props.publishingProfile ?? {}) as PublishingProfile;

/** The catalogue name of a target region as the client wrote it ("West US" -> "westus"). */
export const regionKey = (name: string): string => findRegion(name)?.name ?? name.toLowerCase().replace(/\s+/g, "");

export function checkVersionName(name: string, target: string): ArmError | undefined {
  return parseVersionName(name) ? undefined : errors.invalidVersionName(target);
}

/** Throws on a publishing profile (and safety profile) the rules refuse. */
export function checkPublishing(props: Props, context: KindContext, rules: PublishingRules): void {
  const profile = publishingProfileOf(props);
  checkTargetRegions(profile, context, rules);
  checkRemovedRegions(props, context, rules);
  const previousEnd = publishingProfileOf(context.previous ?? {}).endOfLifeDate;
  if (context.previous === undefined || previousEnd !== profile.endOfLifeDate) {
    const error = checkFutureDate(profile.endOfLifeDate, context.now, `${rules.root}.properties.publishingProfile.endOfLifeDate`);
    if (error) throw error;
  }
}

function checkReplicaCount(value: number | undefined, property: string, target: string, max: number): void {
  if (value !== undefined && (value < 1 || value > max)) throw errors.valueOutOfRange(value, property, 1, max, target);
}

/** Target regions: known, no duplicates, the version's own location among them, replica counts in range. */
function checkTargetRegions(profile: PublishingProfile, context: KindContext, rules: PublishingRules): void {
  const root = `${rules.root}.properties.publishingProfile`;
  checkReplicaCount(profile.replicaCount, "replicaCount", `${root}.replicaCount`, rules.maxRegionalReplicas);
  const regions = profile.targetRegions ?? [];
  const seen = new Set<string>();
  regions.forEach((region, i) => {
    if (!findRegion(region.name)) throw errors.locationNotAvailable(region.name, rules.type);
    const key = regionKey(region.name);
    if (seen.has(key)) throw errors.duplicateTargetRegions(region.name, rules.root);
    seen.add(key);
    checkReplicaCount(region.regionalReplicaCount, "regionalReplicaCount", `${root}.targetRegions[${i}].regionalReplicaCount`, rules.maxRegionalReplicas);
  });
  if (regions.length > 0 && !seen.has(context.location)) {
    throw errors.sourceRegionNotTargeted(regions.map((r) => r.name), findRegion(context.location)?.displayName ?? context.location, rules.what, rules.root);
  }
  // A region keeps the storage type it was created with; naming another one is refused.
  const before = new Map(publishingProfileOf(context.previous ?? {}).targetRegions?.map((r) => [regionKey(r.name), r]) ?? []);
  regions.forEach((region, i) => {
    const previous = before.get(regionKey(region.name));
    const asked = region.storageAccountType ?? profile.storageAccountType;
    if (previous?.storageAccountType && asked && asked !== previous.storageAccountType) {
      throw errors.storageTypeOfRegionFixed(findRegion(region.name)?.displayName ?? region.name, previous.storageAccountType, rules.root);
    }
    checkStorage(context, regionKey(region.name), asked ?? previous?.storageAccountType, `${root}.targetRegions[${i}].storageAccountType`);
  });
  if (regions.length === 0) checkStorage(context, context.location, profile.storageAccountType, `${root}.storageAccountType`);
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
function checkRemovedRegions(props: Props, context: KindContext, rules: PublishingRules): void {
  if (!context.previous) return;
  const now = new Set((publishingProfileOf(props).targetRegions ?? []).map((region) => regionKey(region.name)));
  const removed = (publishingProfileOf(context.previous).targetRegions ?? []).filter((region) => !now.has(regionKey(region.name)));
  const allowed = (props.safetyProfile as { allowDeletionOfReplicatedLocations?: unknown } | undefined)?.allowDeletionOfReplicatedLocations === true;
  if (removed.length > 0 && !allowed) {
    throw errors.replicatedRegionRemoval(context.name, removed.map((region) => findRegion(region.name)?.displayName ?? region.name), rules.what, rules.root);
  }
}

/** The defaults the service fills in, as Azure's responses show them: per-region counts and storage types, publishedDate, the safety profile. */
export function finishPublishing(props: Props, context: KindContext): Props {
  return {
    ...props,
    publishingProfile: finishProfile(publishingProfileOf(props), context),
    // As Azure shows it; az's --allow-replicated-location-deletion needs it there to update.
    safetyProfile: { allowDeletionOfReplicatedLocations: false, ...(props.safetyProfile as Props | undefined), reportedForPolicyViolation: false },
    provisioningState: props.provisioningState ?? "Creating",
  };
}

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
