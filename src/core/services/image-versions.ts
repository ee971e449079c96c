// Gallery image versions with real bytes. Creating one checks its sources against the contract's
// rules and answers at once; the bytes are then brought into the version's own region in the
// background (the PUT's long-running operation), copied onto the storage targets of that region's
// replicas, which makes the version Succeeded. The replicas of the other target regions are copied
// afterwards, each from the nearest region that has a complete one, with state and progress
// (`$expand=ReplicationStatus`). A failed copy is retried with backoff; copies cut short by a stop
// of the server are resumed when it starts again (Operations.resumeAll).

import { errors } from "../errors.js";
import { findRegion } from "../regions.js";
import { latestIn, type LatestCandidate } from "../latest.js";
import { DeploymentMeter } from "../deployment-meter.js";
import { galleryImageVersionKind, publishingProfileOf, regionKey } from "../version-kinds.js";
import { parentIdOf } from "../resource-id.js";
import type { Clock } from "../../ports/clock.js";
import type { ContentPlace, DiskContent, DiskContentRef, StoredManifest } from "../../ports/disk-content.js";
import { nearestSource, planReplicas, type RegionStorage, type Replica } from "../replication-plan.js";
import { completeRegions, desiredRegions, regionSummaries, replicaKey, retryDelaySeconds, statusRow, type ReplicaState } from "./version-replicas.js";
import type { OperationRecord, ResourceRecord } from "../../ports/metadata-store.js";
import type { Operations } from "./operations.js";
import { checkTraits, type ImageDisk, type ImageHolder, type ImageSources, type PendingDisk, type ResolvedSource, type SourceTraits } from "./image-sources.js";
import { renderResource, type ResourceRef, type TrackedResources } from "./tracked-resources.js";
import { bringDisks, buildDisks, diskProperties, occupiedBytesOf, type ImageDiskProps } from "./image-disks.js";

type Props = Record<string, unknown>;

export interface VersionInternal {
  /** The sources still to be brought in, until the source region is complete. */
  pending?: PendingDisk[];
  /** The disks, by their manifests: in the source region's home store once brought in, and on every complete replica. */
  disks?: ImageDisk[];
  /** Bringing the sources in: bytes done and total, until the disks are known. */
  ingest?: { bytesDone: number; bytesTotal: number; details?: string };
  replicas?: ReplicaState[];
}

export interface ImageVersionDeps {
  resources: TrackedResources;
  content: DiskContent;
  sources: ImageSources;
  operations: Operations;
  clock: Clock;
  /** Largest disk a version may hold (Azure's "1 TB": 1,024 GiB). */
  maxDiskBytes: number;
  regionStorage: (region: string) => RegionStorage;
}

const internalOf = (record: ResourceRecord): VersionInternal => (record.internal ?? {}) as VersionInternal;
const propertiesOf = (record: ResourceRecord): Props => (record.body.properties ?? {}) as Props;
const PROGRESS_SAVE_MS = 500;

export class ImageVersions implements ImageHolder {
  /** Reads served per replica by this server (FromImage disks, versions made from this one): the least read is chosen next. */
  private readonly reads = new Map<string, number>();
  /** Disks created FromImage per version and region, for the scaling advice in replicationStatus. */
  private readonly deployments = new DeploymentMeter();
  /** Replicas being copied by this server (version id, region, index): one copy of a replica at a time. */
  private readonly copying = new Map<string, Promise<void>>();

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
    const peakIn = (region: string) => this.deployments.peak(`${record.id}/${region}`);
    return { ...body, properties: { ...propertiesOf(record), replicationStatus: replicationStatusOf(record, this.deps.clock.now(), peakIn) } };
  }

  /** The work a stop of the server cut short for this version (its source region, copies to others), if any. */
  resumeWork(record: ResourceRecord): (() => Promise<void>) | undefined {
    const internal = internalOf(record);
    if (internal.pending && propertiesOf(record).provisioningState === "Creating") return () => this.build(record.id);
    if ((internal.replicas ?? []).some((replica) => replica.state !== "Completed")) return () => this.replicate(record.id);
    return undefined;
  }

  /**
   * The manifests a version references: its disks on every complete replica, in the source
   * region's home store until a replica is complete somewhere, and its pending sources.
   */
  manifestsOf(record: ResourceRecord): StoredManifest[] {
    const internal = internalOf(record);
    const disks = internal.disks ?? [];
    const complete = (internal.replicas ?? []).filter((replica) => replica.state === "Completed");
    const places: ContentPlace[] = complete.length > 0 ? complete.map((replica) => ({ region: replica.region, targets: replica.targets })) : internal.disks ? [{ region: record.location }] : [];
    return [
      ...places.flatMap((place) => disks.map((disk) => ({ ...place, manifestDigest: disk.manifestDigest }))),
      ...(internal.pending ?? []).flatMap((disk) => (disk.content ? [disk.content] : [])),
    ];
  }

  disksOf(record: ResourceRecord): { disks: ImageDisk[]; completeIn: ReadonlySet<string>; placeIn(region: string): ContentPlace } | undefined {
    const internal = internalOf(record);
    if (!internal.disks) return undefined;
    return { disks: internal.disks, completeIn: completeRegions(internal.replicas), placeIn: (region) => this.readFrom(record, region) };
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
    if (record?.type === "Microsoft.Compute/galleries/images") record = await this.latest(record, region);
    if (!record || record.type !== galleryImageVersionKind.type || !completeRegions(internalOf(record).replicas).has(region)) {
      throw errors.galleryImageNotFound(id, findRegion(region)?.displayName ?? region);
    }
    const disk = internalOf(record).disks?.find((d) => d.lun === lun);
    if (!disk) throw errors.imageDiskNotFound(id, lun);
    this.deployments.record(`${record.id}/${region}`, this.deps.clock.now().getTime());
    return { ...this.readFrom(record, region), manifestDigest: disk.manifestDigest, size: disk.size, occupiedBytes: disk.occupiedBytes };
  }

  /** The complete replica of `region` read least so far by this server, counted as read once more. */
  private readFrom(record: ResourceRecord, region: string): ContentPlace {
    const complete = (internalOf(record).replicas ?? []).filter((replica) => replica.region === region && replica.state === "Completed");
    const key = (replica: ReplicaState) => `${record.id}/${replicaKey(replica)}`;
    const chosen = complete.sort((a, b) => (this.reads.get(key(a)) ?? 0) - (this.reads.get(key(b)) ?? 0) || a.index - b.index)[0];
    if (!chosen) return { region };
    this.reads.set(key(chosen), (this.reads.get(key(chosen)) ?? 0) + 1);
    return { region, targets: chosen.targets };
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

  /** Brings the sources into the version's own region and onto its replicas there, then starts the copies to the other target regions. */
  private async build(id: string): Promise<void> {
    const record = await this.require(id);
    const location = record.location;
    const pending = internalOf(record).pending ?? [];
    const total = pending.reduce((sum, disk) => sum + (disk.content?.occupiedBytes ?? 0), 0);
    await this.update(id, (internal) => ({ ...internal, ingest: { bytesDone: 0, bytesTotal: total } }));
    const progress = this.progressSaver(id, (internal, bytesDone, bytesTotal) => ({ ...internal, ingest: { bytesDone, bytesTotal } }));
    try {
      const disks = await bringDisks(this.deps.content, pending, location, (disk, content) => this.checkSize(content.size, disk.target), progress);
      await this.update(id, (internal) => ({ disks, replicas: this.plan(propertiesOf(record), location, internal.replicas ?? [], occupiedBytesOf(disks)) }));
      await this.copyReplicas(id, (replica) => replica.region === location);
      // A copy of a source-region replica started elsewhere (an update's) is waited for.
      await Promise.all([...this.copying].filter(([key]) => key.startsWith(`${id}/${location}/`)).map(([, copy]) => copy));
      const failed = (internalOf(await this.require(id)).replicas ?? []).find((replica) => replica.region === location && replica.state !== "Completed");
      if (failed) throw new Error(failed.details ?? `the copy onto replica ${failed.index} of ${location} did not complete`);
      await this.update(
        id,
        (internal) => internal,
        (properties) => ({ ...properties, storageProfile: diskProperties(properties.storageProfile as ImageDiskProps, disks), provisioningState: "Succeeded" }),
      );
    } catch (error) {
      const details = error instanceof Error ? error.message : String(error);
      await this.update(
        id,
        (internal) => ({ ...internal, ingest: { bytesDone: 0, bytesTotal: total, details } }),
        (properties) => ({ ...properties, provisioningState: "Failed" }),
      );
      throw error;
    }
    await this.reconcileRegions(await this.require(id));
  }

  /** The replicas the publishing profile asks for, given those there are (core/replication-plan.ts): new ones start Replicating. */
  private plan(properties: Props, location: string, existing: readonly ReplicaState[], bytesTotal: number): ReplicaState[] {
    const plan = planReplicas({ desired: desiredRegions(properties, location), existing, storageOf: this.deps.regionStorage });
    const removed = new Set<ReplicaState | Replica>(plan.remove);
    return [...existing.filter((replica) => !removed.has(replica)), ...plan.create.map((replica) => ({ ...replica, state: "Replicating" as const, bytesDone: 0, bytesTotal, bytesCopied: 0 }))];
  }

  /** Plans the replicas after a change of the targets: new ones are copied in the background, removed ones are dropped (garbage collection frees their chunks). */
  private async reconcileRegions(record: ResourceRecord): Promise<OperationRecord | undefined> {
    const internal = internalOf(record);
    if (!internal.disks) return undefined;
    const replicas = this.plan(propertiesOf(record), record.location, internal.replicas ?? [], occupiedBytesOf(internal.disks));
    await this.update(record.id, (current) => ({ ...current, replicas }));
    if (!replicas.some((replica) => replica.state === "Replicating")) return undefined;
    return this.deps.operations.start(record.subscriptionId, record.location, record.id, () => this.replicate(record.id));
  }

  /**
   * At start: schedules the retries of failed copies that a stop of the server left waiting (a
   * copy waiting for its retry keeps no operation running, so that garbage collection is not held
   * up by a target that stays down), and gives versions made before replicas existed theirs,
   * copied from the region's home store.
   */
  async resumeReplication(): Promise<void> {
    for await (const record of this.deps.resources.all(galleryImageVersionKind.type)) {
      const internal = internalOf(record);
      if (internal.disks && !internal.replicas) await this.reconcileRegions(record);
      else this.scheduleRetry(record);
    }
  }

  /** Copies every replica not yet complete; failed ones are tried again later, with backoff, by a new operation. */
  private async replicate(id: string): Promise<void> {
    await this.copyReplicas(id, () => true);
    const record = await this.require(id);
    this.scheduleRetry(record);
    const failed = (internalOf(record).replicas ?? []).filter((replica) => replica.state === "Failed");
    if (failed.length > 0) throw errors.replicationFailed(failed.map((replica) => `${replica.region} replica ${replica.index}: ${replica.details ?? "failed"} (next attempt at ${replica.retryAt})`));
  }

  private scheduleRetry(record: ResourceRecord): void {
    const retries = (internalOf(record).replicas ?? []).flatMap((replica) => (replica.state === "Failed" && replica.retryAt ? [Date.parse(replica.retryAt)] : []));
    if (retries.length === 0) return;
    const start = () => {
      this.require(record.id)
        .then((current) => this.deps.operations.start(current.subscriptionId, current.location, current.id, () => this.replicate(current.id)))
        .catch(() => undefined);
    };
    setTimeout(start, Math.max(0, Math.min(...retries) - this.deps.clock.now().getTime())).unref();
  }

  /** Copies the version's disks onto each replica `which` selects that is due, from the nearest region with a complete replica. */
  private async copyReplicas(id: string, which: (replica: ReplicaState) => boolean): Promise<void> {
    const tried = new Set<string>();
    for (;;) {
      const record = await this.require(id);
      const internal = internalOf(record);
      const now = this.deps.clock.now().getTime();
      const isDue = (replica: ReplicaState) => replica.state === "Replicating" || (replica.state === "Failed" && Date.parse(replica.retryAt ?? "") <= now);
      const due = (internal.replicas ?? []).find((replica) => which(replica) && !tried.has(replicaKey(replica)) && !this.copying.has(`${id}/${replicaKey(replica)}`) && isDue(replica));
      if (!due || !internal.disks) return;
      tried.add(replicaKey(due));
      const copy = this.copyReplica(record, internal.disks, due);
      this.copying.set(`${id}/${replicaKey(due)}`, copy);
      try {
        await copy;
      } finally {
        this.copying.delete(`${id}/${replicaKey(due)}`);
      }
    }
  }

  /** One replica's copy, from the nearest region with a complete replica (or the source region's home store); its outcome is saved in the record. */
  private async copyReplica(record: ResourceRecord, disks: readonly ImageDisk[], due: ReplicaState): Promise<void> {
    const id = record.id;
    // Any complete replica will do as a source, so a region's second replica copies from its first.
    const withComplete = (internalOf(record).replicas ?? []).filter((replica) => replica.state === "Completed").map((replica) => replica.region);
    const from = nearestSource(due.region, withComplete);
    const place = from ? this.readFrom(record, from) : { region: record.location };
    const isDue = (replica: ReplicaState) => replicaKey(replica) === replicaKey(due);
    const save = (change: Partial<ReplicaState>) => this.update(id, (current) => ({ ...current, replicas: (current.replicas ?? []).map((replica) => (isDue(replica) ? { ...replica, ...change } : replica)) }));
    await save({ state: "Replicating", startedAt: this.deps.clock.now().toISOString(), bytesDone: 0, bytesCopied: 0, copiedFrom: place.region });
    const progress = this.progressSaver(id, (current, bytesDone) => ({
      ...current,
      replicas: (current.replicas ?? []).map((replica) => (isDue(replica) && replica.state === "Replicating" ? { ...replica, bytesDone } : replica)),
    }));
    try {
      let done = 0;
      let copied = 0;
      for (const disk of disks) {
        const content: DiskContentRef = { ...place, manifestDigest: disk.manifestDigest, size: disk.size, occupiedBytes: disk.occupiedBytes };
        let copiedOfDisk = 0;
        await this.deps.content.copyTo(content, { region: due.region, targets: due.targets }, (p) => {
          progress(done + p.bytesDone, due.bytesTotal);
          copiedOfDisk = p.bytesCopied;
        });
        done += disk.occupiedBytes;
        copied += copiedOfDisk;
      }
      await save({ state: "Completed", bytesDone: done, bytesCopied: copied, details: undefined, attempts: 0, retryAt: undefined });
    } catch (error) {
      const attempts = (due.attempts ?? 0) + 1;
      const retryAt = new Date(this.deps.clock.now().getTime() + retryDelaySeconds(attempts) * 1000).toISOString();
      await save({ state: "Failed", details: error instanceof Error ? error.message : String(error), attempts, retryAt });
    }
  }

  /** Saves progress at most every PROGRESS_SAVE_MS (the store is not a progress bus). */
  private progressSaver(id: string, apply: (internal: VersionInternal, bytesDone: number, bytesTotal: number) => VersionInternal): (bytesDone: number, bytesTotal: number) => void {
    let last = 0;
    return (bytesDone, bytesTotal) => {
      const now = this.deps.clock.now().getTime();
      if (now - last < PROGRESS_SAVE_MS) return;
      last = now;
      void this.update(id, (internal) => apply(internal, bytesDone, bytesTotal)).catch(() => undefined);
    };
  }

  /** Applies a change to the record as it is now (TrackedResources.modify), so background saves and a client's update do not undo each other. */
  private async update(id: string, internal: (current: VersionInternal) => VersionInternal, properties?: (current: Props) => Props): Promise<void> {
    const updated = await this.deps.resources.modify(id, (current) => ({
      ...current,
      body: properties ? { ...current.body, properties: properties(propertiesOf(current)) } : current.body,
      internal: { ...internal(internalOf(current)) },
    }));
    // Gone meanwhile: require says so in the catalogue's words.
    if (!updated) await this.require(id);
  }

  private async require(id: string): Promise<ResourceRecord> {
    const record = await this.deps.resources.find(id);
    if (!record) throw errors.resourceNotFound(id.split("/providers/")[1] ?? id, id.split("/")[4] ?? "");
    return record;
  }
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
    completeIn: completeRegions(internalOf(record).replicas),
  };
}

/** `replicationStatus` as the spec shapes it, one summary row per target region, with Vitrine's additions (version-replicas.ts). */
function replicationStatusOf(record: ResourceRecord, now: Date, deploymentsPeak: (region: string) => number): Props {
  const internal = internalOf(record);
  const regions = regionSummaries(internal.replicas ?? []);
  const summary = (publishingProfileOf(propertiesOf(record)).targetRegions ?? []).map((target) => {
    const region = regionKey(target.name);
    const row = statusRow(target.name, regions.get(region), now, deploymentsPeak(region));
    // While the sources are brought in, the source region shows that.
    if (region === record.location && internal.ingest && !internal.disks) {
      const { bytesDone, bytesTotal, details } = internal.ingest;
      const progress = bytesTotal > 0 ? Math.floor((100 * bytesDone) / bytesTotal) : 0;
      return { ...row, state: details ? "Failed" : "Replicating", details: details ?? `bringing the sources in: ${bytesDone} of ${bytesTotal} bytes`, progress };
    }
    return row;
  });
  const states = summary.map((row) => row.state);
  const aggregatedState = states.includes("Failed") ? "Failed" : states.every((s) => s === "Completed") ? "Completed" : states.includes("Unknown") && !states.includes("Replicating") ? "Unknown" : "InProgress";
  return { aggregatedState, summary };
}
