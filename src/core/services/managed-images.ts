// Managed images with real bytes: an OS disk and data disks from managed disks, snapshots (their
// content is shared, not copied: same region, same chunks) or VHD URLs (ingested in the
// background, the PUT's long-running operation). An image is a source of image versions.

import { errors } from "../errors.js";
import type { ContentPlace, DiskContent, StoredManifest } from "../../ports/disk-content.js";
import type { OperationRecord, ResourceRecord } from "../../ports/metadata-store.js";
import { bringDisks } from "./image-disks.js";
import type { ImageDisk, ImageHolder, ImageSources, PendingDisk, SourceTraits } from "./image-sources.js";
import type { Operations } from "./operations.js";
import type { ResourceRef, TrackedResources } from "./tracked-resources.js";

type Props = Record<string, unknown>;
const GIB = 1024 ** 3;

interface ImageDiskBody {
  lun?: number;
  snapshot?: { id?: string };
  managedDisk?: { id?: string };
  blobUri?: string;
  caching?: string;
  diskSizeGB?: number;
  osType?: string;
  osState?: string;
  [key: string]: unknown;
}

interface StorageProfile {
  osDisk?: ImageDiskBody;
  dataDisks?: ImageDiskBody[];
  [key: string]: unknown;
}

interface ImageInternal {
  pending?: PendingDisk[];
  disks?: ImageDisk[];
}

export interface ManagedImageDeps {
  resources: TrackedResources;
  content: DiskContent;
  sources: ImageSources;
  operations: Operations;
}

const propertiesOf = (record: ResourceRecord): Props => (record.body.properties ?? {}) as Props;
const storageOf = (props: Props): StorageProfile => (props.storageProfile ?? {}) as StorageProfile;

export class ManagedImages implements ImageHolder {
  constructor(private readonly deps: ManagedImageDeps) {}

  async put(ref: ResourceRef, raw: unknown): Promise<{ record: ResourceRecord; created: boolean; operation?: OperationRecord }> {
    const { record, created } = await this.deps.resources.put(ref, raw, (input) => this.prepare(input.location, input.properties));
    if (!created) return { record, created };
    const operation = await this.deps.operations.start(ref.subscription.id, record.location, record.id, () => this.build(record.id));
    return { record, created, operation };
  }

  /** The work a stop of the server cut short for this image (bringing its disks in), if any. */
  resumeWork(record: ResourceRecord): (() => Promise<void>) | undefined {
    const pending = (record.internal as ImageInternal | undefined)?.pending;
    return pending && propertiesOf(record).provisioningState === "Creating" ? () => this.build(record.id) : undefined;
  }

  /** The manifests an image references: its disks, or the sources it is still copying. */
  manifestsOf(record: ResourceRecord): StoredManifest[] {
    const internal = (record.internal ?? {}) as ImageInternal;
    return [
      ...(internal.disks ?? []).map((disk) => ({ region: record.location, manifestDigest: disk.manifestDigest })),
      ...(internal.pending ?? []).flatMap((disk) => (disk.content ? [disk.content] : [])),
    ];
  }

  disksOf(record: ResourceRecord): { disks: ImageDisk[]; completeIn: ReadonlySet<string>; placeIn(region: string): ContentPlace } | undefined {
    const disks = (record.internal as ImageInternal | undefined)?.disks;
    return disks && { disks, completeIn: new Set([record.location]), placeIn: (region) => ({ region }) };
  }

  async traitsOf(record: ResourceRecord): Promise<SourceTraits> {
    const props = propertiesOf(record);
    const os = storageOf(props).osDisk ?? {};
    return { osType: os.osType, osState: os.osState, hyperVGeneration: props.hyperVGeneration as string | undefined };
  }

  private async prepare(location: string, properties: Props): Promise<{ properties: Props; internal: ImageInternal }> {
    const vm = (properties.sourceVirtualMachine as { id?: string } | undefined)?.id;
    if (vm !== undefined) throw errors.virtualMachineSourceNotSupported(vm, "image.properties.sourceVirtualMachine.id");
    const storage = storageOf(properties);
    const entries: Array<{ body: ImageDiskBody; target: string }> = [];
    if (storage.osDisk) entries.push({ body: storage.osDisk, target: "image.properties.storageProfile.osDisk" });
    (storage.dataDisks ?? []).forEach((body, i) => entries.push({ body, target: `image.properties.storageProfile.dataDisks[${i}]` }));
    const luns = entries.map((e) => e.body.lun).filter((lun) => lun !== undefined);
    if (new Set(luns).size !== luns.length) throw errors.duplicateLuns();

    const pending: PendingDisk[] = [];
    for (const { body, target } of entries) {
      const id = body.snapshot?.id ?? body.managedDisk?.id;
      if (id === undefined && body.blobUri === undefined) throw errors.requiredParameterMissing(`${target}.blobUri`);
      const { disk } = await this.deps.sources.diskSource({ id, uri: id === undefined ? body.blobUri : undefined }, location, target, body.lun);
      pending.push({ ...disk, hostCaching: body.caching });
    }
    return { properties: { ...properties, storageProfile: withSizes(storage, pending), provisioningState: "Creating" }, internal: { pending } };
  }

  private async build(id: string): Promise<void> {
    const record = await this.deps.resources.find(id);
    if (!record) return;
    const pending = (record.internal as ImageInternal | undefined)?.pending ?? [];
    try {
      const disks = await bringDisks(this.deps.content, pending, record.location, () => undefined, () => undefined);
      await this.save(id, { disks }, (props) => ({ ...props, storageProfile: withSizes(storageOf(props), disks), provisioningState: "Succeeded" }));
    } catch (error) {
      await this.save(id, {}, (props) => ({ ...props, provisioningState: "Failed" }));
      throw error;
    }
  }

  private async save(id: string, internal: ImageInternal, properties: (current: Props) => Props): Promise<void> {
    await this.deps.resources.modify(id, (current) => ({ ...current, body: { ...current.body, properties: properties(propertiesOf(current)) }, internal: { ...internal } }));
  }
}

/** `diskSizeGB` of each disk, where its size is known. */
function withSizes(storage: StorageProfile, disks: ReadonlyArray<{ lun?: number; size?: number; content?: { size: number } }>): StorageProfile {
  const sizeOf = (lun: number | undefined) => {
    const disk = disks.find((d) => d.lun === lun);
    const size = disk?.size ?? disk?.content?.size;
    return size === undefined ? {} : { diskSizeGB: Math.ceil(size / GIB) };
  };
  return {
    ...storage,
    ...(storage.osDisk && { osDisk: { ...storage.osDisk, ...sizeOf(undefined) } }),
    ...(storage.dataDisks && { dataDisks: storage.dataDisks.map((disk) => ({ ...disk, ...sizeOf(disk.lun) })) }),
  };
}
