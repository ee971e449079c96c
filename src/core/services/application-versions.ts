// Gallery application versions with real bytes. Creating one checks its body (the kind's rules)
// and answers at once; the package (`publishingProfile.source.mediaLink`) and the default
// configuration (`defaultConfigurationLink`) are then fetched from their URLs into the version's
// own region (the PUT's long-running operation), stored as content with a digest, and replicated
// to the target regions by the engine image versions use (version-replication.ts). A deployment
// reads them from a complete replica of its region (`deployment`).

import { galleryApplicationVersionKind, sourceOf, type ApplicationSource } from "../application-version-kind.js";
import { errors } from "../errors.js";
import { findRegion } from "../regions.js";
import type { DiskContentRef, StoredManifest } from "../../ports/disk-content.js";
import type { OperationRecord, ResourceRecord } from "../../ports/metadata-store.js";
import { renderResource, type ResourceRef } from "./tracked-resources.js";
import { VersionReplication, type ContentItem, type ReplicatedInternal, type VersionReplicationDeps } from "./version-replication.js";

type Props = Record<string, unknown>;

export type ApplicationFileName = "package" | "configuration";

interface ApplicationItem extends ContentItem {
  name: ApplicationFileName;
}

interface ApplicationInternal extends ReplicatedInternal {
  /** The links still to be fetched, until the source region is complete. */
  pending?: ApplicationSource;
  disks?: ApplicationItem[];
}

/** What the replication engine needs, its kind's type aside, and the size limit of a file. */
export interface ApplicationVersionDeps extends Omit<VersionReplicationDeps, "type"> {
  /** Largest package or configuration file. */
  maxFileBytes: number;
}

/** What a host agent installs: the version, and its files as stored on a complete replica of the region. */
export interface ApplicationDeployment {
  version: ResourceRecord;
  files: Array<{ name: ApplicationFileName; content: DiskContentRef }>;
}

const internalOf = (record: ResourceRecord): ApplicationInternal => (record.internal ?? {}) as ApplicationInternal;
const propertiesOf = (record: ResourceRecord): Props => (record.body.properties ?? {}) as Props;

/** Names of the files in errors, after "The application's". */
const DESCRIPTIONS: Record<ApplicationFileName, string> = { package: "package (mediaLink)", configuration: "default configuration (defaultConfigurationLink)" };

export class ApplicationVersions {
  private readonly replication: VersionReplication;

  constructor(private readonly deps: ApplicationVersionDeps) {
    this.replication = new VersionReplication({ ...deps, type: galleryApplicationVersionKind.type });
  }

  async put(ref: ResourceRef, raw: unknown): Promise<{ record: ResourceRecord; created: boolean; operation?: OperationRecord }> {
    const { record, created } = await this.deps.resources.put(ref, raw, async (input) => ({
      properties: { ...input.properties, provisioningState: "Creating" },
      internal: { pending: sourceOf(input.properties) } satisfies ApplicationInternal,
    }));
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
    return { ...body, properties: { ...propertiesOf(record), replicationStatus: this.replication.replicationStatus(record) } };
  }

  resumeWork(record: ResourceRecord): (() => Promise<void>) | undefined {
    return this.replication.resumeWork(record, () => this.build(record.id));
  }

  resumeReplication(): Promise<void> {
    return this.replication.resumeReplication();
  }

  manifestsOf(record: ResourceRecord): StoredManifest[] {
    return this.replication.manifestsOf(record);
  }

  /**
   * The files of `version` (a name, or "latest" for the application's latest in the region) as a
   * complete replica of `region` holds them. `osType`, when given, is the host's, and must be the
   * one the application supports.
   */
  async deployment(application: ResourceRecord, version: string, region: string, osType?: string): Promise<ApplicationDeployment> {
    const supported = propertiesOf(application).supportedOSType as string | undefined;
    if (osType !== undefined && supported !== undefined && osType.toLowerCase() !== supported.toLowerCase()) {
      throw errors.applicationOsTypeMismatch(application.id, supported, osType);
    }
    const wanted = version.toLowerCase() === "latest" ? `${application.id}` : `${application.id}/versions/${version}`;
    const record = version.toLowerCase() === "latest" ? await this.replication.latest(application, region) : await this.deps.resources.find(wanted);
    if (!record || !this.replication.completeIn(record).has(region)) throw errors.galleryApplicationNotFound(wanted, findRegion(region)?.displayName ?? region);
    const place = this.replication.readFrom(record, region);
    const files = (internalOf(record).disks ?? []).map((item) => ({
      name: item.name,
      content: { ...place, manifestDigest: item.manifestDigest, size: item.size, occupiedBytes: item.occupiedBytes },
    }));
    return { version: record, files };
  }

  /** Whether `content` is a file of the version with key `versionKey`, on a replica complete now. */
  async holds(versionKey: string, content: DiskContentRef): Promise<boolean> {
    const record = await this.deps.resources.find(versionKey);
    if (!record || record.type !== galleryApplicationVersionKind.type) return false;
    const targets = [...(content.targets ?? [])].sort().join(",");
    const internal = internalOf(record);
    const onReplica = (internal.replicas ?? []).some((replica) => replica.region === content.region && replica.state === "Completed" && [...replica.targets].sort().join(",") === targets);
    return onReplica && (internal.disks ?? []).some((item) => item.manifestDigest === content.manifestDigest);
  }

  /** Fetches the package and configuration into the version's own region; the source then shows their digests and sizes. */
  private async build(id: string): Promise<void> {
    const record = await this.replication.require(id);
    const links = internalOf(record).pending ?? sourceOf(propertiesOf(record));
    const wanted: Array<[ApplicationFileName, string | undefined]> = [
      ["package", links.mediaLink],
      ["configuration", links.defaultConfigurationLink],
    ];
    await this.replication.build(id, {
      bytesTotal: 0,
      bring: async (progress) => {
        const items: ApplicationItem[] = [];
        let before = 0;
        for (const [name, url] of wanted) {
          if (url === undefined) continue;
          const onProgress = (p: { bytesRead: number; bytesTotal: number }) => progress(before + p.bytesRead, before + p.bytesTotal);
          const content = await this.deps.content.importFileFromUrl(record.location, url, { what: DESCRIPTIONS[name], maxBytes: this.deps.maxFileBytes, onProgress });
          before += content.size;
          items.push({ name, manifestDigest: content.manifestDigest, size: content.size, occupiedBytes: content.occupiedBytes });
        }
        return items;
      },
      describe: (properties, items) => {
        const profile = (properties.publishingProfile ?? {}) as Props;
        const of = (name: ApplicationFileName) => items.find((item) => (item as ApplicationItem).name === name);
        const described = (item: ContentItem | undefined, prefix: string) =>
          item ? { [`${prefix}ContentDigest`]: `sha256:${item.manifestDigest}`, [`${prefix}SizeBytes`]: item.size } : {};
        const source = { ...(profile.source as Props), ...described(of("package"), "media"), ...described(of("configuration"), "defaultConfiguration") };
        return { ...properties, publishingProfile: { ...profile, source } };
      },
    });
  }
}
