// Every `location` a client sends is checked against the region catalog; restricted regions need
// the subscription to be allowed first.

import { errors } from "../errors.js";
import { findRegion } from "../regions.js";
import type { SubscriptionRecord } from "../../ports/metadata-store.js";

/** The canonical region name for `input`, or an ARM error. */
export function resolveLocation(input: unknown, subscription: SubscriptionRecord, type: string): string {
  if (typeof input !== "string" || input.trim() === "") throw errors.locationRequired();
  const region = findRegion(input);
  if (!region) throw errors.locationNotAvailable(input, type);
  if (region.restricted && !subscription.allowedRegions.includes(region.name)) {
    throw errors.locationRestricted(region.name, subscription.id);
  }
  return region.name;
}
