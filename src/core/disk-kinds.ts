// Managed disks and snapshots (Microsoft.Compute/disks, /snapshots): the rules of their bodies.
// Their bytes and state machine are in services/disks.ts.

import { errors, type ArmError } from "./errors.js";
import type { KindContext, ResourceKind } from "./resource-kinds.js";

type Props = Record<string, unknown>;

const GIB = 1024 ** 3;
const MIB = 1024 ** 2;
/** Azure's direct upload: 20 MiB to 32 TiB of disk, plus the 512-byte VHD footer. */
const MIN_UPLOAD = 20 * MIB + 512;
const MAX_UPLOAD = 32 * 1024 * GIB + 512;

export const SUPPORTED_CREATE_OPTIONS = ["Empty", "Upload", "Copy", "Import", "FromImage"] as const;
export type CreateOption = (typeof SUPPORTED_CREATE_OPTIONS)[number];

const DISK_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;

export interface CreationData {
  createOption: string;
  uploadSizeBytes?: number;
  sourceResourceId?: string;
  sourceUri?: string;
  galleryImageReference?: { id?: string; lun?: number };
}

export const creationDataOf = (props: Props): CreationData => (props.creationData ?? { createOption: "" }) as CreationData;

function checkDiskName(name: string, target: string): ArmError | undefined {
  if (DISK_NAME.test(name)) return undefined;
  return errors.invalidResourceName(
    `The name '${name}' is invalid: 1 to 80 characters, letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore.`,
    target,
  );
}

function checkCreation(props: Props, root: string): void {
  const creation = creationDataOf(props);
  const option = SUPPORTED_CREATE_OPTIONS.find((o) => o.toLowerCase() === creation.createOption.toLowerCase());
  if (!option) throw errors.unsupportedCreateOption(creation.createOption, SUPPORTED_CREATE_OPTIONS);
  const required = (value: unknown, name: string) => {
    if (value === undefined) throw errors.requiredParameterMissing(`${root}.properties.${name}`);
  };
  switch (option) {
    case "Upload": {
      required(creation.uploadSizeBytes, "creationData.uploadSizeBytes");
      const size = creation.uploadSizeBytes as number;
      if (size < MIN_UPLOAD || size > MAX_UPLOAD || (size - 512) % MIB !== 0) throw errors.invalidUploadSize(size);
      break;
    }
    case "Empty":
      required(props.diskSizeGB, "diskSizeGB");
      if ((props.diskSizeGB as number) < 1 || (props.diskSizeGB as number) > 32767) {
        throw errors.invalidParameter("diskSizeGB must be from 1 to 32767.", `${root}.properties.diskSizeGB`);
      }
      break;
    case "Copy":
      required(creation.sourceResourceId, "creationData.sourceResourceId");
      break;
    case "FromImage":
      required(creation.galleryImageReference?.id, "creationData.galleryImageReference.id");
      break;
    case "Import":
      required(creation.sourceUri, "creationData.sourceUri");
      if (!/^https?:\/\//i.test(creation.sourceUri ?? "")) {
        throw errors.invalidParameter(`sourceUri '${creation.sourceUri}' must be an http(s) URL the server can read.`, `${root}.properties.creationData.sourceUri`);
      }
      break;
  }
}

/** Server-set values: state, sizes, creation time. Kept as they are on later updates. */
function finishDisk(props: Props, context: KindContext): Props {
  const creation = creationDataOf(props);
  const upload = creation.createOption.toLowerCase() === "upload";
  const sizeBytes = upload ? (creation.uploadSizeBytes as number) - 512 : typeof props.diskSizeGB === "number" ? props.diskSizeGB * GIB : undefined;
  return {
    ...props,
    ...(sizeBytes !== undefined && props.diskSizeBytes === undefined && { diskSizeBytes: sizeBytes, diskSizeGB: Math.ceil(sizeBytes / GIB) }),
    creationData: { ...creation, createOption: SUPPORTED_CREATE_OPTIONS.find((o) => o.toLowerCase() === creation.createOption.toLowerCase()) },
    timeCreated: props.timeCreated ?? context.now.toISOString(),
    diskState: props.diskState ?? (upload ? "ReadyToUpload" : "Unattached"),
    provisioningState: props.provisioningState ?? "Succeeded",
  };
}

/** What may change on an existing disk or snapshot: descriptive and performance settings, not its bytes. */
const UPDATABLE = [
  "osType",
  "hyperVGeneration",
  "supportedCapabilities",
  "purchasePlan",
  "supportsHibernation",
  "networkAccessPolicy",
  "publicNetworkAccess",
  "dataAccessAuthMode",
  "diskAccessId",
  "encryption",
  "burstingEnabled",
  "tier",
  "maxShares",
  "optimizedForFrequentAttach",
  "availabilityPolicy",
  "diskIOPSReadWrite",
  "diskMBpsReadWrite",
  "diskIOPSReadOnly",
  "diskMBpsReadOnly",
  "incremental",
];

export const diskKind: ResourceKind = {
  type: "Microsoft.Compute/disks",
  segments: ["disks"],
  apiFamily: "disk",
  root: "disk",
  label: "disk",
  schema: "Disk",
  updateSchema: "DiskUpdate",
  createdStatus: 202,
  checkName: (name) => checkDiskName(name, "diskName"),
  updatable: () => UPDATABLE,
  check: (props, context) => {
    if (context.previous === undefined) checkCreation(props, "disk");
  },
  finish: finishDisk,
};

export const snapshotKind: ResourceKind = {
  ...diskKind,
  type: "Microsoft.Compute/snapshots",
  segments: ["snapshots"],
  root: "snapshot",
  label: "snapshot",
  schema: "Snapshot",
  updateSchema: "SnapshotUpdate",
  checkName: (name) => checkDiskName(name, "snapshotName"),
  check: (props, context) => {
    if (context.previous === undefined) checkCreation(props, "snapshot");
  },
};
