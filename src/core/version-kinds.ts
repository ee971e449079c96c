// Gallery image versions (Microsoft.Compute/galleries/images/versions): the rules of their bodies.
// The publishing profile's rules are shared with application versions (publishing-profile.ts);
// their bytes (sources ingested, per-region state) are in services/image-versions.ts.

import { checkPublishing, checkVersionName, finishPublishing, PUBLISHING_UPDATABLE, type PublishingRules } from "./publishing-profile.js";
import type { ResourceKind } from "./resource-kinds.js";

/** Replicas of a version in one region (Azure: 10 per version per region in a subscription's limits). */
const MAX_REGIONAL_REPLICAS = 10;

const RULES: PublishingRules = { root: "galleryImageVersion", what: "image version", type: "Microsoft.Compute/galleries/images/versions", maxRegionalReplicas: MAX_REGIONAL_REPLICAS };

export const galleryImageVersionKind: ResourceKind = {
  type: RULES.type,
  segments: ["galleries", "images", "versions"],
  apiFamily: "gallery",
  root: RULES.root,
  label: "gallery image version",
  schema: "GalleryImageVersion",
  updateSchema: "GalleryImageVersionUpdate",
  checkName: (name) => checkVersionName(name, "galleryImageVersionName"),
  updatable: () => PUBLISHING_UPDATABLE,
  check: (props, context) => checkPublishing(props, context, RULES),
  finish: finishPublishing,
};
