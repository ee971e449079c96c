// Direct sharing on the wire: `POST .../galleries/{g}/share` (GallerySharingProfile_Update),
// the consumer's reads under `/subscriptions/{s}/providers/Microsoft.Compute/locations/{l}/
// sharedGalleries[/{unique}/images[/{i}/versions[/{v}]]]`, and disks made from a version by its
// shared id (`creationData.galleryImageReference.sharedGalleryImageId`).

import { errors } from "../../core/errors.js";
import { findRegion } from "../../core/regions.js";
import { subscriptionId } from "../../core/resource-id.js";
import { renderShared } from "../../core/services/gallery-sharing.js";
import type { ResourceRef } from "../../core/services/tracked-resources.js";
import type { SubscriptionRecord } from "../../ports/metadata-store.js";
import type { ServerContext } from "../context.js";
import { methodNotAllowed, requireApiVersion, type ArmRequest } from "./arm.js";

type Json = Record<string, unknown>;

/** `POST .../galleries/{g}/share`: answered at once (200 with the SharingUpdate), which az and the SDK take as done. */
export async function handleGalleryShare(context: ServerContext, arm: ArmRequest, ref: ResourceRef): Promise<unknown> {
  const gallery = await context.trackedResources.get(ref);
  return context.gallerySharing.update(gallery, arm.request.body);
}

/** The consumer's reads of galleries shared with its subscription or tenant, per location. */
export async function handleSharedGalleries(context: ServerContext, arm: ArmRequest, subscription: SubscriptionRecord): Promise<unknown> {
  if (arm.method !== "GET") methodNotAllowed(arm);
  requireApiVersion(arm, "gallery", "locations/sharedGalleries");
  const [locationName, uniqueName, imageName, versionName] = arm.path.names;
  const region = locationName === undefined ? undefined : findRegion(locationName);
  if (!region) throw errors.locationNotAvailable(locationName ?? "", "Microsoft.Compute/locations/sharedGalleries");
  // Anyone who may read in the subscription may see what is shared with it.
  arm.authorizer.require("Microsoft.Compute/locations/sharedGalleries/read", subscriptionId(subscription.id));
  const depth = arm.path.types.length;
  const sharing = context.gallerySharing;
  if (uniqueName === undefined) {
    const toTenant = (arm.request.query as Record<string, string | undefined>).sharedTo?.toLowerCase() === "tenant";
    const galleries = await sharing.galleries(subscription, region.name, toTenant);
    return { value: galleries.map((g) => renderShared(g, g, [])) };
  }
  const gallery = await sharing.gallery(subscription, uniqueName, region.name);
  if (depth === 2) return renderShared(gallery, gallery, []);
  if (imageName === undefined) return { value: (await sharing.images(gallery)).map((image) => renderShared(image, gallery, ["images", image.name])) };
  const image = await sharing.child(gallery, "images", imageName);
  if (depth === 3) return renderShared(image, gallery, ["images", image.name]);
  if (versionName === undefined) return { value: (await sharing.versions(image)).map((v) => renderShared(v, gallery, ["images", image.name, "versions", v.name])) };
  const version = await sharing.child(image, "versions", versionName);
  return renderShared(version, gallery, ["images", image.name, "versions", version.name]);
}

/**
 * A disk made from a version by its shared id: checks the share reaches the subscription the disk
 * is made in, and rewrites the reference to the version's own id. Returns that id, which the caller
 * may then use without a role on it.
 */
export async function resolveSharedImageReference(context: ServerContext, arm: ArmRequest, subscription: SubscriptionRecord): Promise<string | undefined> {
  const creationData = ((arm.request.body as Json | undefined)?.properties as Json | undefined)?.creationData as Json | undefined;
  const reference = creationData?.galleryImageReference as Json | undefined;
  if (!creationData || typeof reference?.sharedGalleryImageId !== "string") return undefined;
  const id = await context.gallerySharing.resolveVersionId(subscription, reference.sharedGalleryImageId);
  const { sharedGalleryImageId: _shared, ...rest } = reference;
  creationData.galleryImageReference = { ...rest, id };
  return id;
}
