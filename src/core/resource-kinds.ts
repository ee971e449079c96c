// What differs between the gallery resource types: their place in the id, names, schema, which
// properties may change after creation, uniqueness, server-set values and semantic checks. The
// CRUD flow itself is one service (services/tracked-resources.ts) driven by these descriptors.

import type { ApiVersionFamily } from "./api-versions.js";
import { diskKind, snapshotKind } from "./disk-kinds.js";
import { managedImageKind } from "./managed-image-kind.js";
import { galleryImageVersionKind } from "./version-kinds.js";
import { galleryApplicationVersionKind } from "./application-version-kind.js";
import { errors, type ArmError } from "./errors.js";
import type { RegionStorage } from "./replication-plan.js";
import type { SchemaName } from "./schema.js";
import { checkArtifactName, checkFutureDate, checkGalleryName, checkIdentifierPart, checkMinNotAboveMax } from "./validate.js";

type Props = Record<string, unknown>;

export interface KindContext {
  subscriptionId: string;
  name: string;
  /** The resource's location (canonical region name). */
  location: string;
  now: Date;
  /** Properties before this request; undefined when creating. */
  previous?: Props;
  /** The storage configured for a region (which storage types it can hold). */
  regionStorage: (region: string) => RegionStorage;
}

export interface ResourceKind {
  /** Canonical ARM type. */
  type: string;
  /** Type segments in the id after `providers/Microsoft.Compute`. */
  segments: readonly string[];
  apiFamily: ApiVersionFamily;
  /** Root of property paths in error targets, e.g. galleryImage.properties.osType. */
  root: string;
  /** What error messages call one of these. */
  label: string;
  schema: SchemaName;
  updateSchema: SchemaName;
  /** The status of a PUT that creates one, where the spec does not list 201 (DiskRP: 202). */
  createdStatus?: 202;
  checkName(name: string): ArmError | undefined;
  /** Property paths (dotted, under `properties`) that an update may change. */
  updatable(next: Props): readonly string[];
  /** Lower-cased value unique among siblings, or null. */
  uniqueKey?(props: Props): string | null;
  uniqueConflict?(existingName: string, props: Props): ArmError;
  /** Throws on semantic errors the schema cannot express. */
  check(props: Props, context: KindContext): void;
  /** Server-set values and defaults, applied on create and update. */
  finish(props: Props, context: KindContext): Props;
}

const orThrow = (error: ArmError | undefined): void => {
  if (error) throw error;
};

const changed = (props: Props, context: KindContext, key: string): boolean =>
  context.previous === undefined || context.previous[key] !== props[key];

function checkEndOfLife(props: Props, context: KindContext, root: string): void {
  if (changed(props, context, "endOfLifeDate")) orThrow(checkFutureDate(props.endOfLifeDate, context.now, `${root}.properties.endOfLifeDate`));
}

export const galleryKind: ResourceKind = {
  type: "Microsoft.Compute/galleries",
  segments: ["galleries"],
  apiFamily: "gallery",
  root: "gallery",
  label: "gallery",
  schema: "Gallery",
  updateSchema: "GalleryUpdate",
  checkName: checkGalleryName,
  updatable: () => ["description", "softDeletePolicy", "sharingProfile.communityGalleryInfo"],
  check: () => undefined,
  finish: (props, context) => ({
    ...props,
    identifier: { uniqueName: `${context.subscriptionId}-${context.name.toUpperCase()}` },
    ...(props.sharingProfile !== undefined && { sharingProfile: keptSharingGroups(props.sharingProfile, context.previous) }),
    provisioningState: "Succeeded",
  }),
};

/** The groups a gallery is shared with change only through `POST .../share`: a PUT keeps them. */
function keptSharingGroups(profile: unknown, previous: Props | undefined): unknown {
  const groups = ((previous?.sharingProfile ?? {}) as Props).groups;
  return groups === undefined ? profile : { ...(profile as Props), groups };
}

const identifierOf = (props: Props): Record<string, string> => (props.identifier ?? {}) as Record<string, string>;

export const galleryImageKind: ResourceKind = {
  type: "Microsoft.Compute/galleries/images",
  segments: ["galleries", "images"],
  apiFamily: "gallery",
  root: "galleryImage",
  label: "gallery image",
  schema: "GalleryImage",
  updateSchema: "GalleryImageUpdate",
  checkName: (name) => checkArtifactName(name, "galleryImageName"),
  updatable: (next) => [
    "description",
    "recommended",
    "endOfLifeDate",
    "releaseNoteUri",
    "allowUpdateImage",
    ...(next.allowUpdateImage === true ? ["features"] : []),
  ],
  uniqueKey: (props) => {
    const { publisher, offer, sku } = identifierOf(props);
    return [publisher, offer, sku].join("/").toLowerCase();
  },
  uniqueConflict: (name, props) => {
    const { publisher = "", offer = "", sku = "" } = identifierOf(props);
    return errors.imageIdentifierConflict(name, publisher, offer, sku);
  },
  check: (props, context) => {
    const identifier = identifierOf(props);
    for (const part of ["publisher", "offer", "sku"] as const) orThrow(checkIdentifierPart(part, identifier[part] ?? ""));
    const recommended = (props.recommended ?? {}) as Record<string, { min?: number; max?: number } | undefined>;
    orThrow(checkMinNotAboveMax(recommended.vCPUs, "galleryImage.properties.recommended.vCPUs"));
    orThrow(checkMinNotAboveMax(recommended.memory, "galleryImage.properties.recommended.memory"));
    checkEndOfLife(props, context, "galleryImage");
  },
  finish: (props) => ({ hyperVGeneration: "V1", ...props, provisioningState: "Succeeded" }),
};

export const galleryApplicationKind: ResourceKind = {
  type: "Microsoft.Compute/galleries/applications",
  segments: ["galleries", "applications"],
  apiFamily: "application",
  root: "galleryApplication",
  label: "gallery application",
  schema: "GalleryApplication",
  updateSchema: "GalleryApplicationUpdate",
  checkName: (name) => checkArtifactName(name, "galleryApplicationName"),
  updatable: () => ["description", "endOfLifeDate", "eula", "privacyStatementUri", "releaseNoteUri", "customActions"],
  check: (props, context) => checkEndOfLife(props, context, "galleryApplication"),
  finish: (props) => props,
};

export const RESOURCE_KINDS: readonly ResourceKind[] = [
  galleryKind,
  galleryImageKind,
  galleryImageVersionKind,
  galleryApplicationKind,
  galleryApplicationVersionKind,
  diskKind,
  snapshotKind,
  managedImageKind,
];

/** The kind whose segments match `types` (case-insensitively), e.g. ["Galleries", "images"]. */
export function kindForSegments(types: readonly string[]): ResourceKind | undefined {
  return RESOURCE_KINDS.find(
    (kind) => kind.segments.length === types.length && kind.segments.every((s, i) => s === types[i]?.toLowerCase()),
  );
}
