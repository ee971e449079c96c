// What the SDK tests of image versions set up again and again: a resource group with a gallery and
// a Linux image definition, and a managed disk filled by Azure's direct upload.

import type { sdkClients } from "./clients.js";
import { uploadPages } from "./disk-upload.js";

type Clients = ReturnType<typeof sdkClients>;

/** Resource group `rg`, gallery `g` and definition `d` (Linux, Generalized) in `location`; the definition's id. */
export async function makeDefinition(clients: Clients, rg: string, location = "westus"): Promise<string> {
  await clients.resources.resourceGroups.createOrUpdate(rg, { location });
  await clients.compute.galleries.beginCreateOrUpdateAndWait(rg, "g", { location });
  const definition = await clients.compute.galleryImages.beginCreateOrUpdateAndWait(rg, "g", "d", {
    location,
    osType: "Linux",
    osState: "Generalized",
    identifier: { publisher: "P", offer: "O", sku: "S" },
  });
  return definition.id ?? "";
}

/** A disk holding `vhd` (a fixed VHD), through Azure's direct upload; its id. */
export async function uploadedDisk(clients: Clients, rg: string, name: string, vhd: Buffer, location = "westus"): Promise<string> {
  const disk = await clients.compute.disks.beginCreateOrUpdateAndWait(rg, name, { location, creationData: { createOption: "Upload", uploadSizeBytes: vhd.length } });
  const access = await clients.compute.disks.beginGrantAccessAndWait(rg, name, { access: "Write", durationInSeconds: 600 });
  await uploadPages(access.accessSAS ?? "", vhd);
  await clients.compute.disks.beginRevokeAccessAndWait(rg, name);
  return disk.id ?? "";
}
