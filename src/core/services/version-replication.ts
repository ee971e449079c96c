// The replication engine of gallery versions, image and application alike. A new version's bytes
// are brought into its own region (the PUT's long-running operation; what they are and where they
// come from is the kind's business, passed in as BuildSteps), copied onto the storage targets of
// that region's replicas, which makes the version Succeeded. The replicas of the other target
// regions are copied afterwards, each from the nearest region that has a complete one, with state
// and progress (`$expand=ReplicationStatus`). A failed copy is retried with backoff; copies cut
// short by a stop of the server are resumed when it starts again, or by another worker sharing the
// store once their leases expire (leases.ts). Placement comes from
// core/replication-plan.ts, the replica records from version-replicas.ts.

import { errors } from "../errors.js";
import { compareVersionNames, latestIn, type LatestCandidate } from "../latest.js";
import { publishingProfileOf, regionKey } from "../publishing-profile.js";
import type { Clock } from "../../ports/clock.js";
import type { ContentPlace, DiskContent, DiskContentRef, StoredManifest } from "../../ports/disk-content.js";
import type { OperationRecord, ResourceRecord } from "../../ports/metadata-store.js";
import type { Telemetry } from "../../ports/telemetry.js";
import { nearestSource, planReplicas, type RegionStorage, type Replica } from "../replication-plan.js";
import type { Leases } from "./leases.js";
import type { Operations } from "./operations.js";
import type { TrackedResources } from "./tracked-resources.js";
import { completeRegions, desiredRegions, regionSummaries, replicaKey, retryDelaySeconds, statusRow, type ReplicaState } from "./version-replicas.js";

type Props = Record<string, unknown>;

/** One stored file of a version: a disk of an image, the package or configuration of an application. */
export interface ContentItem {
  manifestDigest: string;
  size: number;
  occupiedBytes: number;
}

export interface ReplicatedInternal {
  /** What is still to be brought in, until the source region is complete (the kind's own shape). */
  pending?: unknown;
  /**
   * The version's content items (named `disks` since image versions came first), by their
   * manifests: in the source region's home store once brought in, and on every complete replica.
   */
  disks?: ContentItem[];
  /** Bringing the content in: bytes done and total, until the items are known. */
  ingest?: { bytesDone: number; bytesTotal: number; details?: string };
  replicas?: ReplicaState[];
}

/** How a kind brings a new version's content into its source region. */
export interface BuildSteps {
  /** Bytes expected before anything is read (0 when unknown until the sources are opened). */
  bytesTotal: number;
  bring(onProgress: (bytesDone: number, bytesTotal: number) => void): Promise<ContentItem[]>;
  /** The properties once the version is complete in its source region (Vitrine's digests and sizes). */
  describe(properties: Props, items: readonly ContentItem[]): Props;
}

export interface VersionReplicationDeps {
  /** The version kind's ARM type. */
  type: string;
  resources: TrackedResources;
  content: DiskContent;
  operations: Operations;
  clock: Clock;
  regionStorage: (region: string) => RegionStorage;
  leases: Leases;
  telemetry: Telemetry;
}

export const internalOf = (record: ResourceRecord): ReplicatedInternal => (record.internal ?? {}) as ReplicatedInternal;
const propertiesOf = (record: ResourceRecord): Props => (record.body.properties ?? {}) as Props;
const PROGRESS_SAVE_MS = 500;

export const occupiedBytesOf = (items: ReadonlyArray<{ occupiedBytes: number }>): number => items.reduce((sum, item) => sum + item.occupiedBytes, 0);

export class VersionReplication {
  /** Reads served per replica by this server: the least read is chosen next. */
  private readonly reads = new Map<string, number>();
  /** Replicas being copied by this server (version id, region, index): one copy of a replica at a time. */
  private readonly copying = new Map<string, Promise<void>>();

  constructor(private readonly deps: VersionReplicationDeps) {}

  /** The work a stop of the server cut short for this version (bringing the content in, copies to regions), if any. */
  resumeWork(record: ResourceRecord, build: () => Promise<void>): (() => Promise<void>) | undefined {
    const internal = internalOf(record);
    if (internal.pending !== undefined && propertiesOf(record).provisioningState === "Creating") return build;
    if ((internal.replicas ?? []).some((replica) => replica.state !== "Completed")) return () => this.replicate(record.id);
    return undefined;
  }

  /** The manifests of a version's items: on every complete replica, in the source region's home store until a replica is complete somewhere. */
  manifestsOf(record: ResourceRecord): StoredManifest[] {
    const internal = internalOf(record);
    const items = internal.disks ?? [];
    const complete = (internal.replicas ?? []).filter((replica) => replica.state === "Completed");
    const places: ContentPlace[] = complete.length > 0 ? complete.map((replica) => ({ region: replica.region, targets: replica.targets })) : internal.disks ? [{ region: record.location }] : [];
    return places.flatMap((place) => items.map((item) => ({ ...place, manifestDigest: item.manifestDigest })));
  }

  /** Regions where every replica of the version is complete. */
  completeIn(record: ResourceRecord): Set<string> {
    return completeRegions(internalOf(record).replicas);
  }

  /** The complete replica of `region` read least so far by this server, counted as read once more. */
  readFrom(record: ResourceRecord, region: string): ContentPlace {
    const complete = (internalOf(record).replicas ?? []).filter((replica) => replica.region === region && replica.state === "Completed");
    const key = (replica: ReplicaState) => `${record.id}/${replicaKey(replica)}`;
    const chosen = complete.sort((a, b) => (this.reads.get(key(a)) ?? 0) - (this.reads.get(key(b)) ?? 0) || a.index - b.index)[0];
    if (!chosen) return { region };
    this.reads.set(key(chosen), (this.reads.get(key(chosen)) ?? 0) + 1);
    this.deps.telemetry.replicaRead(region);
    return { region, targets: chosen.targets };
  }

  /**
   * The latest version under `parent` (a definition, an application) deployable in `region`
   * (core/latest.ts). Names are ordered first, without reading the records; then records are read
   * from the highest version down until one qualifies: usually the first, where reading every
   * version of a definition of 10,000 took half a second.
   */
  async latest(parent: ResourceRecord, region: string): Promise<ResourceRecord | undefined> {
    const names = await this.deps.resources.childNames(this.deps.type, parent.key);
    names.sort((a, b) => compareVersionNames(b.name, a.name));
    for (const { key } of names) {
      const version = await this.deps.resources.find(key);
      if (version && latestIn(region, [candidateOf(version)]) !== undefined) return version;
    }
    return undefined;
  }

  /** Brings the content into the version's own region and onto its replicas there, then starts the copies to the other target regions. */
  async build(id: string, steps: BuildSteps): Promise<void> {
    const record = await this.require(id);
    const location = record.location;
    const total = steps.bytesTotal;
    await this.update(id, (internal) => ({ ...internal, ingest: { bytesDone: 0, bytesTotal: total } }));
    const progress = this.progressSaver(id, (internal, bytesDone, bytesTotal) => ({ ...internal, ingest: { bytesDone, bytesTotal } }));
    try {
      const items = await steps.bring(progress);
      await this.update(id, (internal) => ({ disks: items, replicas: this.plan(propertiesOf(record), location, internal.replicas ?? [], occupiedBytesOf(items)) }));
      await this.copyReplicas(id, (replica) => replica.region === location);
      // A copy of a source-region replica started elsewhere (an update's) is waited for.
      await Promise.all([...this.copying].filter(([key]) => key.startsWith(`${id}/${location}/`)).map(([, copy]) => copy));
      const failed = (internalOf(await this.require(id)).replicas ?? []).find((replica) => replica.region === location && replica.state !== "Completed");
      if (failed) throw new Error(failed.details ?? `the copy onto replica ${failed.index} of ${location} did not complete`);
      await this.update(id, (internal) => internal, (properties) => ({ ...steps.describe(properties, items), provisioningState: "Succeeded" }));
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
  async reconcileRegions(record: ResourceRecord): Promise<OperationRecord | undefined> {
    const internal = internalOf(record);
    if (!internal.disks) return undefined;
    const replicas = this.plan(propertiesOf(record), record.location, internal.replicas ?? [], occupiedBytesOf(internal.disks));
    await this.update(record.id, (current) => ({ ...current, replicas }));
    if (!replicas.some((replica) => replica.state === "Replicating")) return undefined;
    return this.deps.operations.start(record.subscriptionId, record.location, record.id, () => this.replicate(record.id), { background: true });
  }

  /**
   * At start: schedules the retries of failed copies that a stop of the server left waiting (a
   * copy waiting for its retry keeps no operation running, so that garbage collection is not held
   * up by a target that stays down), and gives versions made before replicas existed theirs,
   * copied from the region's home store.
   */
  async resumeReplication(): Promise<void> {
    for await (const record of this.deps.resources.all(this.deps.type)) {
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
        .then((current) => this.deps.operations.start(current.subscriptionId, current.location, current.id, () => this.replicate(current.id), { background: true }))
        .catch(() => undefined);
    };
    setTimeout(start, Math.max(0, Math.min(...retries) - this.deps.clock.now().getTime())).unref();
  }

  /**
   * Copies the version's items onto each replica `which` selects that is due, from the nearest
   * region with a complete replica. Each copy runs under the replica's lease, so that processes
   * sharing the store never copy one replica at the same time; one held elsewhere is skipped.
   */
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
      const items = internal.disks;
      const copy = this.deps.leases
        .holding(`replica:${record.key}/${replicaKey(due)}`, async () => {
          // Read again under the lease: another process may have completed the copy since.
          const current = await this.require(id);
          const still = (internalOf(current).replicas ?? []).find((replica) => replicaKey(replica) === replicaKey(due));
          if (still && isDue(still)) await this.copyReplica(current, items, still);
        })
        .then(() => undefined);
      this.copying.set(`${id}/${replicaKey(due)}`, copy);
      try {
        await copy;
      } finally {
        this.copying.delete(`${id}/${replicaKey(due)}`);
      }
    }
  }

  /** One replica's copy, from the nearest region with a complete replica (or the source region's home store); its outcome is saved in the record. */
  private async copyReplica(record: ResourceRecord, items: readonly ContentItem[], due: ReplicaState): Promise<void> {
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
      for (const item of items) {
        const content: DiskContentRef = { ...place, manifestDigest: item.manifestDigest, size: item.size, occupiedBytes: item.occupiedBytes };
        let copiedOfItem = 0;
        await this.deps.content.copyTo(content, { region: due.region, targets: due.targets }, (p) => {
          progress(done + p.bytesDone, due.bytesTotal);
          copiedOfItem = p.bytesCopied;
        });
        done += item.occupiedBytes;
        copied += copiedOfItem;
      }
      await save({ state: "Completed", bytesDone: done, bytesCopied: copied, details: undefined, attempts: 0, retryAt: undefined });
      this.deps.telemetry.replicaCopied({ versionId: id, region: due.region, index: due.index, from: place.region, bytes: copied });
    } catch (error) {
      const attempts = (due.attempts ?? 0) + 1;
      const retryAt = new Date(this.deps.clock.now().getTime() + retryDelaySeconds(attempts) * 1000).toISOString();
      await save({ state: "Failed", details: error instanceof Error ? error.message : String(error), attempts, retryAt });
    }
  }

  /** Saves progress at most every PROGRESS_SAVE_MS (the store is not a progress bus). */
  private progressSaver(id: string, apply: (internal: ReplicatedInternal, bytesDone: number, bytesTotal: number) => ReplicatedInternal): (bytesDone: number, bytesTotal: number) => void {
    let last = 0;
    return (bytesDone, bytesTotal) => {
      const now = this.deps.clock.now().getTime();
      if (now - last < PROGRESS_SAVE_MS) return;
      last = now;
      void this.update(id, (internal) => apply(internal, bytesDone, bytesTotal)).catch(() => undefined);
    };
  }

  /** Applies a change to the record as it is now (TrackedResources.modify), so background saves and a client's update do not undo each other. */
  private async update(id: string, internal: (current: ReplicatedInternal) => ReplicatedInternal, properties?: (current: Props) => Props): Promise<void> {
    const updated = await this.deps.resources.modify(id, (current) => ({
      ...current,
      body: properties ? { ...current.body, properties: properties(propertiesOf(current)) } : current.body,
      internal: { ...internal(internalOf(current)) },
    }));
    // Gone meanwhile: require says so in the catalogue's words.
    if (!updated) await this.require(id);
  }

  async require(id: string): Promise<ResourceRecord> {
    const record = await this.deps.resources.find(id);
    if (!record) throw errors.resourceNotFound(id.split("/providers/")[1] ?? id, id.split("/")[4] ?? "");
    return record;
  }

  /** `replicationStatus` as the spec shapes it, one summary row per target region, with Vitrine's additions (version-replicas.ts). */
  replicationStatus(record: ResourceRecord, deploymentsPeak: (region: string) => number = () => 0): Props {
    const internal = internalOf(record);
    const now = this.deps.clock.now();
    const regions = regionSummaries(internal.replicas ?? []);
    const summary = (publishingProfileOf(propertiesOf(record)).targetRegions ?? []).map((target) => {
      const region = regionKey(target.name);
      const row = statusRow(target.name, regions.get(region), now, deploymentsPeak(region));
      // While the content is brought in, the source region shows that.
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
