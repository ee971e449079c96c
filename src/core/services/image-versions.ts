// Gallery image versions with real bytes. Creating one checks its sources against the contract's
// rules and answers at once; the bytes are then brought into the version's own region in the
// background (the PUT's long-running operation) and replicated to the target regions by the
// engine that application versions share (version-replication.ts).

import { errors } from "../errors.js";
import { findRegion } from "../regions.js";
import { DeploymentMeter } from "../deployment-meter.js";
import { galleryImageVersionKind } from "../version-kinds.js";
import { parentIdOf } from "../resource-id.js";
import type { ContentPlace, DiskContentRef, StoredManifest } from "../../ports/disk-content.js";
import type { OperationRecord, ResourceRecord } from "../../ports/metadata-store.js";
import { checkTraits, type ImageDisk, type ImageHolder, type ImageSources, type PendingDisk, type ResolvedSource, type SourceTraits } from "./image-sources.js";
import { renderResource, type ResourceRef } from "./tracked-resources.js";
import { bringDisks, buildDisks, diskProperties, type ImageDiskProps } from "./image-disks.js";
import { VersionReplication, type ReplicatedInternal, type VersionReplicationDeps } from "./version-replication.js";

type Props = Record<string, unknown>;

export interface VersionInternal extends ReplicatedInternal {
  /** The sources still to be brought in, until the source region is complete. */
  pending?: PendingDisk[];
  disks?: ImageDisk[];
}

/** What the replication engine needs, its kind's type aside, and where sources are found. */
export interface ImageVersionDeps extends Omit<VersionReplicationDeps, "type"> {
  sources: ImageSources;
  /** Largest disk a version may hold (Azure's "1 TB": 1,024 GiB). */
  maxDiskBytes: number;
}

const internalOf = (record: ResourceRecord): VersionInternal => (record.internal ?? {}) as VersionInternal;
const propertiesOf = (record: ResourceRecord): Props => (record.body.properties ?? {}) as Props;

export class ImageVersions implements ImageHolder {
  /** Disks created FromImage per version and region, for the scaling advice in replicationStatus. */
  private readonly deployments = new DeploymentMeter();
  private readonly replication: VersionReplication;

  constructor(private readonly deps: ImageVersionDeps) {
    this.replication = new VersionReplication({ ...deps, type: galleryImageVersionKind.type });
  }

  async put(ref: ResourceRef, raw: unknown): Promise<{ record: ResourceRecord; created: boolean; operation?: OperationRecord }> {
    const { record, created } = await this.deps.resources.put(ref, raw, (input) => this.prepare(input.id, input.location, input.properties));
    if (created) return { record, created, operation: await this.deps.operations.start(ref.subscription.id, record.location, record.id, () => this.build(record.id)) };
    return { record, created, operation: await this.replication.reconcileRegions(record) };
  }

  async patch(ref: ResourceRef, raw: unknown): Promise<{ record: ResourceRecord; operation?: OperationRecord }> {
    const record = await this.deps.resources.patch(ref, raw);
    return { record, operation: await this.replication.reconcileRegions(record) };
  }

  /** The ARM JSON, with `replicationStatus` when `$expand=ReplicationStatus` asks for it. */
  render(record: ResourceRecord, expand: string | undefined): Props {
    const body = renderResource(record);
    if (expand?.toLowerCase() !== "replicationstatus") return body;
    const peakIn = (region: string) => this.deployments.peak(`${record.id}/${region}`);
    return { ...body, properties: { ...propertiesOf(record), replicationStatus: this.replication.replicationStatus(record, peakIn) } };
  }

  /** The work a stop of the server cut short for this version (its source region, copies to others), if any. */
  resumeWork(record: ResourceRecord): (() => Promise<void>) | undefined {
    return this.replication.resumeWork(record, () => this.build(record.id));
  }

  /** At start: retries left waiting, and replicas for versions made before replicas existed. */
  resumeReplication(): Promise<void> {
    return this.replication.resumeReplication();
  }

  /** The manifests a version references: its disks (version-replication.ts), and its pending sources. */
  manifestsOf(record: ResourceRecord): StoredManifest[] {
    return [...this.replication.manifestsOf(record), ...(internalOf(record).pending ?? []).flatMap((disk) => (disk.content ? [disk.content] : []))];
  }

  disksOf(record: ResourceRecord): { disks: ImageDisk[]; completeIn: ReadonlySet<string>; placeIn(region: string): ContentPlace } | undefined {
    const internal = internalOf(record);
    if (!internal.disks) return undefined;
    return { disks: internal.disks, completeIn: this.replication.completeIn(record), placeIn: (region) => this.replication.readFrom(record, region) };
  }

  async traitsOf(record: ResourceRecord): Promise<SourceTraits> {
    const definition = await this.deps.resources.find(parentIdOf(record.id));
    return definition ? definitionTraits(definition) : {};
  }

  /**
   * The content of one disk of a version (`id` names a version, or a definition for its latest)
   * in `region`, where it must be complete: what a disk created FromImage starts from. It reads
   * from the region's least-read complete replica.
   */
  async contentFor(id: string, region: string, lun: number | undefined): Promise<DiskContentRef> {
    let record = await this.deps.resources.find(id);
    if (record?.type === "Microsoft.Compute/galleries/images") record = await this.replication.latest(record, region);
    if (!record || record.type !== galleryImageVersionKind.type || !this.replication.completeIn(record).has(region)) {
      throw errors.galleryImageNotFound(id, findRegion(region)?.displayName ?? region);
    }
    const disk = internalOf(record).disks?.find((d) => d.lun === lun);
    if (!disk) throw errors.imageDiskNotFound(id, lun);
    this.deployments.record(`${record.id}/${region}`, this.deps.clock.now().getTime());
    return { ...this.replication.readFrom(record, region), manifestDigest: disk.manifestDigest, size: disk.size, occupiedBytes: disk.occupiedBytes };
  }

  /** Checks the sources of a new version and describes its disks; the bytes come later (build). */
  private async prepare(id: string, location: string, properties: Props): Promise<{ properties: Props; internal: VersionInternal }> {
    const definition = await this.deps.resources.find(parentIdOf(id));
    const resolved = await this.resolveSources(properties, location);
    const os = resolved.disks.find((disk) => disk.lun === undefined);
    const mismatch = definition && checkTraits(os?.sourceId ?? os?.uri ?? "", resolved.traits, definitionTraits(definition));
    if (mismatch) throw mismatch;
    for (const disk of resolved.disks) this.checkSize(disk.content?.size, disk.target);
    const storageProfile = diskProperties((properties.storageProfile ?? {}) as ImageDiskProps, resolved.disks);
    return { properties: { ...properties, storageProfile, provisioningState: "Creating" }, internal: { pending: resolved.disks } };
  }

  private async resolveSources(properties: Props, location: string): Promise<ResolvedSource> {
    const profile = (properties.storageProfile ?? {}) as ImageDiskProps & { source?: { id?: string; uri?: string; virtualMachineId?: string } };
    const root = "galleryImageVersion.properties.storageProfile";
    const whole = profile.source?.id ?? profile.source?.virtualMachineId;
    const perDisk = [profile.osDiskImage?.source, ...(profile.dataDiskImages ?? []).map((d) => d.source)].some((s) => s?.id !== undefined || s?.uri !== undefined);
    if (whole !== undefined && perDisk) throw errors.oneSourceForm();
    if (whole !== undefined) return this.deps.sources.imageSource(whole, location, `${root}.source.id`);
    if (!perDisk) throw errors.requiredParameterMissing(`${root}.source`);
    return buildDisks(this.deps.sources, profile, location, root);
  }

  private checkSize(size: number | undefined, target: string): void {
    if (size !== undefined && size > this.deps.maxDiskBytes) throw errors.imageDiskTooLarge(size, this.deps.maxDiskBytes, target);
  }

  /** Brings the sources into the version's own region (then the engine replicates them); the storage profile then shows each disk's digest. */
  private async build(id: string): Promise<void> {
    const record = await this.replication.require(id);
    const pending = internalOf(record).pending ?? [];
    await this.replication.build(id, {
      bytesTotal: pending.reduce((sum, disk) => sum + (disk.content?.occupiedBytes ?? 0), 0),
      bring: (progress) => bringDisks(this.deps.content, pending, record.location, (disk, content) => this.checkSize(content.size, disk.target), progress),
      describe: (properties, disks) => ({ ...properties, storageProfile: diskProperties(properties.storageProfile as ImageDiskProps, disks as ImageDisk[]) }),
    });
  }
}

function definitionTraits(definition: ResourceRecord): SourceTraits {
  const props = propertiesOf(definition);
  return { osType: props.osType as string, osState: props.osState as string, hyperVGeneration: (props.hyperVGeneration as string | undefined) ?? "V1" };
}
