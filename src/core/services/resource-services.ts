// Which service writes and renders each resource kind. Most kinds are plain tracked resources;
// those with bytes behind them (disks, snapshots, managed images, image and application versions)
// have their own services, whose writes may start long-running operations.

import { diskKind, snapshotKind } from "../disk-kinds.js";
import { managedImageKind } from "../managed-image-kind.js";
import type { ResourceKind } from "../resource-kinds.js";
import { galleryImageVersionKind } from "../version-kinds.js";
import { galleryApplicationVersionKind } from "../application-version-kind.js";
import type { ApplicationVersions } from "./application-versions.js";
import type { OperationRecord, ResourceRecord } from "../../ports/metadata-store.js";
import type { Disks } from "./disks.js";
import type { ImageVersions } from "./image-versions.js";
import type { ManagedImages } from "./managed-images.js";
import { renderResource, type ResourceRef, type TrackedResources } from "./tracked-resources.js";

export interface Written {
  record: ResourceRecord;
  created: boolean;
  /** Work that goes on after the response: the client polls it. */
  operation?: OperationRecord;
}

export interface ResourceService {
  put(ref: ResourceRef, raw: unknown): Promise<Written>;
  patch(ref: ResourceRef, raw: unknown): Promise<Written>;
  /** The deleted record, or undefined when there was nothing to delete. */
  delete(ref: ResourceRef): Promise<ResourceRecord | undefined>;
  /** The ARM JSON of a GET; `expand` is the request's `$expand`. */
  render(record: ResourceRecord, expand?: string): Record<string, unknown>;
}

export function resourceServices(deps: {
  resources: TrackedResources;
  disks: Disks;
  images: ManagedImages;
  versions: ImageVersions;
  applicationVersions: ApplicationVersions;
  /** Called after a resource with bytes is deleted: its chunks may now be garbage. */
  onBytesReleased: () => void;
}): (kind: ResourceKind) => ResourceService {
  const { resources } = deps;
  const releasing = (remove: (ref: ResourceRef) => Promise<ResourceRecord | undefined>) => async (ref: ResourceRef) => {
    const deleted = await remove(ref);
    if (deleted) deps.onBytesReleased();
    return deleted;
  };
  const plain = (): ResourceService => ({
    put: (ref, raw) => resources.put(ref, raw),
    patch: async (ref, raw) => ({ record: await resources.patch(ref, raw), created: false }),
    delete: (ref) => resources.delete(ref),
    render: (record) => renderResource(record),
  });
  const diskService: ResourceService = { ...plain(), put: (ref, raw) => deps.disks.put(ref, raw), delete: releasing((ref) => deps.disks.delete(ref)) };
  const versionService = (versions: ImageVersions | ApplicationVersions): ResourceService => ({
    ...plain(),
    delete: releasing((ref) => resources.delete(ref)),
    put: (ref, raw) => versions.put(ref, raw),
    patch: async (ref, raw) => ({ ...(await versions.patch(ref, raw)), created: false }),
    render: (record, expand) => versions.render(record, expand),
  });
  const byKind = new Map<ResourceKind, ResourceService>([
    [diskKind, diskService],
    [snapshotKind, diskService],
    [managedImageKind, { ...plain(), put: (ref, raw) => deps.images.put(ref, raw), delete: releasing((ref) => resources.delete(ref)) }],
    [galleryImageVersionKind, versionService(deps.versions)],
    [galleryApplicationVersionKind, versionService(deps.applicationVersions)],
  ]);
  const fallback = plain();
  return (kind) => byKind.get(kind) ?? fallback;
}
