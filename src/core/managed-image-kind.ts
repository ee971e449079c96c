// Managed images (Microsoft.Compute/images): a generalized or specialized OS disk and data disks,
// captured from managed disks, snapshots or VHD URLs. Their bytes are in services/managed-images.ts.

import { errors } from "./errors.js";
import type { ResourceKind } from "./resource-kinds.js";

const IMAGE_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9_.-]{0,78}[A-Za-z0-9_])?$/;

export const managedImageKind: ResourceKind = {
  type: "Microsoft.Compute/images",
  segments: ["images"],
  apiFamily: "compute",
  root: "image",
  label: "image",
  schema: "Image",
  updateSchema: "ImageUpdate",
  checkName: (name) =>
    IMAGE_NAME.test(name)
      ? undefined
      : errors.invalidResourceName(
          `The name '${name}' is invalid: 1 to 80 characters, letters, digits, underscores, periods and hyphens, starting with a letter or digit and ending with a letter, digit or underscore.`,
          "imageName",
        ),
  // An image's disks are what it is: only its tags (outside `properties`) change.
  updatable: () => [],
  check: (props, context) => {
    if (context.previous !== undefined) return;
    const storage = (props.storageProfile ?? {}) as { osDisk?: unknown };
    if (storage.osDisk === undefined && props.sourceVirtualMachine === undefined) throw errors.requiredParameterMissing("image.properties.storageProfile.osDisk");
  },
  finish: (props) => ({ hyperVGeneration: "V1", ...props, provisioningState: props.provisioningState ?? "Creating" }),
};
