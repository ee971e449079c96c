// Gallery image versions with real bytes. Creating one checks its sources against the contract's
// rules and answers at once; the bytes are then brought into the version's own region in the
// background (the PUT's long-running operation), which makes the version Succeeded there. The
// other target regions are copied to afterwards, region by region, each with its state and
// progress (`$expand=ReplicationStatus`). That copy is a plain background task for now: it is
// resumed when the server starts again, but has no replicas, storage types or workers yet.

import { errors } from "../errors.js";
import { findRegion } from "../regions.js";
import { latestIn, type LatestCandidate } from "../latest.js";
import { galleryImageVersionKind, publishingProfileOf, regionKey } from "../version-kinds.js";
import { parentIdOf } from "../resource-id.js";
import type { Clock } from "../../ports/clock.js";
import type { DiskContent, DiskContentRef } from "../../ports/disk-content.js";
import type { OperationRecord, ResourceRecord } from "../../ports/metadata-store.js";
import type { Operations } from "./operations.js";
import { checkTraits, type ImageDisk, type ImageHolder, type ImageSources, type PendingDisk, type ResolvedSource, type SourceTraits } from "./image-sources.js";
import { renderResource, type ResourceRef, type TrackedResources } from "./tracked-resources.js";
import { bringDisks, buildDisks, diskProperties, occupiedBytesOf, type ImageDiskProps } from "./image-disks.js";

type Props = Record<string, unknown>;

export interface RegionState {
  state: "Replicating" | "Completed" | "Failed";
  bytesDone: number;
  bytesTotal: number;
  details?: string;
}

export interface VersionInternal {
  /** The sources still to be brought in, until the source region is complete. */
  pending?: PendingDisk[];
  disks?: ImageDisk[];
  /** By catalogue region name. */
  regions?: Record<string, RegionState>;
}

export interface ImageVersionDeps {
  resources: TrackedResources;
  content: DiskContent;
  sources: ImageSources;
  operations: Operations;
  clock: Clock;
  /** Largest disk a version may hold (Azure's "1 TB": 1,024 GiB). */
  maxDiskBytes: number;
}

const internalOf = (record: ResourceRecord): VersionInternal => (record.internal ?? {}) as VersionInternal;
const propertiesOf = (record: ResourceRecord): Props => (record.body.properties ?? {}) as Props;
const PROGRESS_SAVE_MS = 500;

export class ImageVersions implements ImageHolder {
  constructor(private readonly deps: ImageVersionDeps) {}

  async put(ref: ResourceRef, raw: unknown): Promise<{ record: ResourceRecord; created: boolean; operation?: OperationRecord }> {
    const { record, created } = await this.deps.resources.put(ref, raw, (input) => this.prepare(input.id, input.location, input.properties));
    if (created) return { record, created, operation: await this.deps.operations.start(ref.subscription.id, record.location, record.id, () => this.build(record.id)) };
    return { record, created, operation: await this.reconcileRegions(record) };
  }

  async patch(ref: ResourceRef, raw: unknown): Promise<{ record: ResourceRecord; operation?: OperationRecord }> {
    const record = await this.deps.resources.patch(ref, raw);
    return { record, operation: await this.reconcileRegions(record) };
  }

  /** The ARM JSON, with `replicationStatus` when `$expand=ReplicationStatus` asks for it. */
  render(record: ResourceRecord, expand: string | undefined): Props {
    const body = renderResource(record);
    if (expand?.toLowerCase() !== "replicationstatus") return body;
    return { ...body, properties: { ...propertiesOf(record), replicationStatus: replicationStatusOf(record) } };
  }

  /** The work a stop of the server cut short for this version (its source region, copies to others), if any. */
  resumeWork(record: ResourceRecord): (() => Promise<void>) | undefined {
    const internal = internalOf(record);
    if (internal.pending && propertiesOf(record).provisioningState === "Creating") return () => this.build(record.id);
    if (Object.values(internal.regions ?? {}).some((region) => region.state === "Replicating")) return () => this.replicate(record.id);
    return undefined;
  }

  /** The manifests a version references: its disks in each complete region, and its pending sources. */
  manifestsOf(record: ResourceRecord): Array<{ region: string; manifestDigest: string }> {
    const internal = internalOf(record);
    return [
      ...[...completeRegions(internal)].flatMap((region) => (internal.disks ?? []).map((disk) => ({ region, manifestDigest: disk.manifestDigest }))),
      ...(internal.pending ?? []).flatMap((disk) => (disk.content ? [disk.content] : [])),
    ];
  }

  disksOf(record: ResourceRecord): { disks: ImageDisk[]; completeIn: ReadonlySet<string> } | undefined {
    const internal = internalOf(record);
    if (!internal.disks) return undefined;
    return { disks: internal.disks, completeIn: completeRegions(internal) };
  }

  async traitsOf(record: ResourceRecord): Promise<SourceTraits> {
    const definition = await this.deps.resources.find(parentIdOf(record.id));
    return definition ? definitionTraits(definition) : {};
  }

  /**
   * The content of one disk of a version (`id` names a version, or a definition for its latest)
   * in `region`, where it must be complete: what a disk created FromImage starts from.
   */
  async contentFor(id: string, region: string, lun: number | undefined): Promise<DiskContentRef> {
    let record = await this.deps.resources.find(id);
    if (record?.type === "Microsoft.Compute/galleries/images") record = await this.latest(record, region);
    if (!record || record.type !== galleryImageVersionKind.type || !completeRegions(internalOf(record)).has(region)) {
      throw errors.galleryImageNotFound(id, findRegion(region)?.displayName ?? region);
    }
    const disk = internalOf(record).disks?.find((d) => d.lun === lun);
    if (!disk) throw errors.imageDiskNotFound(id, lun);
    return { region, manifestDigest: disk.manifestDigest, size: disk.size, occupiedBytes: disk.occupiedBytes };
  }

  /** The latest version of a definition deployable in `region` (core/latest.ts). */
  async latest(definition: ResourceRecord, region: string): Promise<ResourceRecord | undefined> {
    const versions: ResourceRecord[] = [];
    for await (const version of this.deps.resources.all(galleryImageVersionKind.type, definition.key)) versions.push(version);
    const name = latestIn(region, versions.map(candidateOf));
    return versions.find((v) => v.name === name);
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

  /** Brings the sources into the version's own region, then copies to the other target regions. */
  private async build(id: string): Promise<void> {
    const record = await this.require(id);
    const location = record.location;
    const pending = internalOf(record).pending ?? [];
    const total = pending.reduce((sum, disk) => sum + (disk.content?.occupiedBytes ?? 0), 0);
    await this.update(id, (internal) => ({ ...internal, regions: { ...internal.regions, [location]: { state: "Replicating", bytesDone: 0, bytesTotal: total } } }));
    const progress = this.progressSaver(id, location);
    try {
      const disks = await bringDisks(this.deps.content, pending, location, (disk, content) => this.checkSize(content.size, disk.target), progress);
      const bytes = occupiedBytesOf(disks);
      await this.update(
        id,
        (internal) => ({ disks, regions: { ...internal.regions, [location]: { state: "Completed", bytesDone: bytes, bytesTotal: bytes } } }),
        (properties) => ({ ...properties, storageProfile: diskProperties(properties.storageProfile as ImageDiskProps, disks), provisioningState: "Succeeded" }),
      );
    } catch (error) {
      const details = error instanceof Error ? error.message : String(error);
      await this.update(
        id,
        (internal) => ({ ...internal, regions: { ...internal.regions, [location]: { state: "Failed", bytesDone: 0, bytesTotal: total, details } } }),
        (properties) => ({ ...properties, provisioningState: "Failed" }),
      );
      throw error;
    }
    await this.reconcileRegions(await this.require(id));
  }

  /** Starts copies to target regions that have no state yet, and forgets regions no longer targeted. */
  private async reconcileRegions(record: ResourceRecord): Promise<OperationRecord | undefined> {
    const internal = internalOf(record);
    if (!internal.disks) return undefined;
    const targets = (publishingProfileOf(propertiesOf(record)).targetRegions ?? []).map((r) => regionKey(r.name));
    const regions = Object.fromEntries(Object.entries(internal.regions ?? {}).filter(([region]) => targets.includes(region)));
    const added = targets.filter((region) => !regions[region]);
    for (const region of added) regions[region] = { state: "Replicating", bytesDone: 0, bytesTotal: occupiedBytesOf(internal.disks) };
    await this.update(record.id, (current) => ({ ...current, regions }));
    if (added.length === 0) return undefined;
    return this.deps.operations.start(record.subscriptionId, record.location, record.id, () => this.replicate(record.id));
  }

  /** Copies the version's disks to every target region still Replicating, from its own region. */
  private async replicate(id: string): Promise<void> {
    const record = await this.require(id);
    const internal = internalOf(record);
    for (const [region, state] of Object.entries(internal.regions ?? {})) {
      if (state.state !== "Replicating") continue;
      const progress = this.progressSaver(id, region);
      try {
        let before = 0;
        for (const disk of internal.disks ?? []) {
          const from: DiskContentRef = { region: record.location, manifestDigest: disk.manifestDigest, size: disk.size, occupiedBytes: disk.occupiedBytes };
          await this.deps.content.copyTo(from, region, (p) => progress(before + p.bytesDone, state.bytesTotal));
          before += disk.occupiedBytes;
        }
        await this.setRegion(id, region, { state: "Completed", bytesDone: before, bytesTotal: before });
      } catch (error) {
        await this.setRegion(id, region, { ...state, state: "Failed", details: error instanceof Error ? error.message : String(error) });
      }
    }
  }

  /** Saves a region's progress at most every PROGRESS_SAVE_MS (the store is not a progress bus). */
  private progressSaver(id: string, region: string): (bytesDone: number, bytesTotal: number) => void {
    let last = 0;
    return (bytesDone, bytesTotal) => {
      const now = this.deps.clock.now().getTime();
      if (now - last < PROGRESS_SAVE_MS) return;
      last = now;
      void this.setRegion(id, region, { state: "Replicating", bytesDone, bytesTotal }).catch(() => undefined);
    };
  }

  private setRegion(id: string, region: string, state: RegionState): Promise<void> {
    return this.update(id, (internal) => (internal.regions?.[region] ? { ...internal, regions: { ...internal.regions, [region]: state } } : internal));
  }

  /** Re-reads the record and applies a change, so background saves do not undo a client's update. */
  private async update(id: string, internal: (current: VersionInternal) => VersionInternal, properties?: (current: Props) => Props): Promise<void> {
    const current = await this.require(id);
    const body = properties ? { ...current.body, properties: properties(propertiesOf(current)) } : current.body;
    await this.deps.resources.save({ ...current, body, internal: { ...internal(internalOf(current)) } });
  }

  private async require(id: string): Promise<ResourceRecord> {
    const record = await this.deps.resources.find(id);
    if (!record) throw errors.resourceNotFound(id.split("/providers/")[1] ?? id, id.split("/")[4] ?? "");
    return record;
  }
}

function completeRegions(internal: VersionInternal): Set<string> {
  return new Set(Object.entries(internal.regions ?? {}).filter(([, state]) => state.state === "Completed").map(([region]) => region));
}

function definitionTraits(definition: ResourceRecord): SourceTraits {
  const props = propertiesOf(definition);
  return { osType: props.osType as string, osState: props.osState as string, hyperVGeneration: (props.hyperVGeneration as string | undefined) ?? "V1" };
}

function candidateOf(record: ResourceRecord): LatestCandidate {
  const profile = publishingProfileOf(propertiesOf(record));
  return {
    name: record.name,
    excludeFromLatest: profile.excludeFromLatest === true,
    regionalExcludeFromLatest: new Map((profile.targetRegions ?? []).filter((r) => r.excludeFromLatest !== undefined).map((r) => [regionKey(r.name), r.excludeFromLatest === true])),
    completeIn: completeRegions(internalOf(record)),
  };
}

/** `replicationStatus` as the spec shapes it: one summary row per target region. */
function replicationStatusOf(record: ResourceRecord): Props {
  const regions = internalOf(record).regions ?? {};
  const summary = (publishingProfileOf(propertiesOf(record)).targetRegions ?? []).map((target) => {
    const state = regions[regionKey(target.name)];
    const progress = !state ? 0 : state.state === "Completed" ? 100 : state.bytesTotal > 0 ? Math.floor((100 * state.bytesDone) / state.bytesTotal) : 0;
    return {
      region: target.name,
      state: state?.state ?? "Unknown",
      details: state?.details ?? (state ? `${state.bytesDone} of ${state.bytesTotal} bytes` : ""),
      progress,
    };
  });
  const states = summary.map((row) => row.state);
  const aggregatedState = states.includes("Failed") ? "Failed" : states.every((s) => s === "Completed") ? "Completed" : states.includes("Unknown") && !states.includes("Replicating") ? "Unknown" : "InProgress";
  return { aggregatedState, summary };
}
