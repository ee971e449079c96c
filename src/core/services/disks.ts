// Managed disks and snapshots: creation from nothing, an upload, a copy or a URL; access grants
// (Azure's beginGetAccess/endGetAccess) for direct upload and export; the disk states of the
// contract (ReadyToUpload -> ActiveUpload -> Unattached <-> ActiveSAS).

import { creationDataOf, diskKind, snapshotKind } from "../disk-kinds.js";
import { errors } from "../errors.js";
import { conform, armSchemas } from "../schema.js";
import type { AccessGrant, AccessSigner } from "../../ports/access-signer.js";
import type { Clock } from "../../ports/clock.js";
import type { DiskContent, DiskContentRef, StoredManifest } from "../../ports/disk-content.js";
import type { Ids } from "../../ports/ids.js";
import type { OperationRecord, ResourceRecord } from "../../ports/metadata-store.js";
import type { Operations } from "./operations.js";
import type { ResourceRef, TrackedResources } from "./tracked-resources.js";

const GIB = 1024 ** 3;
const MAX_GRANT_SECONDS = 7 * 24 * 3600;

/** What Vitrine keeps about a disk or snapshot besides its ARM body. */
export interface DiskInternal {
  content?: DiskContentRef;
  /** The staging area of a direct upload, until it is ingested. */
  uploadId?: string;
  /** The one live access grant; revoking it (endGetAccess) kills every URL issued for it. */
  grant?: { grantId: string; access: "Read" | "Write"; expiresAt: string };
}

type Props = Record<string, unknown>;

export interface DiskDeps {
  resources: TrackedResources;
  /** Where a disk created FromImage gets its content: a gallery image version complete in its region. */
  images: { contentFor(id: string, region: string, lun: number | undefined): Promise<DiskContentRef> };
  content: DiskContent;
  signer: AccessSigner;
  operations: Operations;
  ids: Ids;
  clock: Clock;
}

/**
 * Vitrine's own read-only properties of a disk's bytes (docs/content-digest.md): the digest a
 * download can be checked against, and the bytes that are not zero (what storage is billed by).
 */
export const contentProperties = (content: DiskContentRef): Props => ({
  contentDigest: `sha256:${content.manifestDigest}`,
  occupiedSizeBytes: content.occupiedBytes,
});

/** A disk is at least as large as its content; a larger diskSizeGB asked for is kept. */
const sizedFor = (properties: Props, content: DiskContentRef): Props => ({
  diskSizeGB: Math.max(Number(properties.diskSizeGB ?? 0), Math.ceil(content.size / GIB)),
  diskSizeBytes: content.size,
});

export const internalOf = (record: ResourceRecord): DiskInternal => (record.internal ?? {}) as DiskInternal;
const propertiesOf = (record: ResourceRecord): Props => (record.body.properties ?? {}) as Props;
const stateOf = (record: ResourceRecord): string => String(propertiesOf(record).diskState ?? "Unattached");

export class Disks {
  constructor(private readonly deps: DiskDeps) {}

  /** The manifest a disk or snapshot references (storage-collector.ts). */
  manifestsOf(record: ResourceRecord): StoredManifest[] {
    const content = internalOf(record).content;
    return content ? [{ region: content.region, ...(content.targets && { targets: content.targets }), manifestDigest: content.manifestDigest }] : [];
  }

  /** PUT of a disk or snapshot. An import runs in the background: its operation is returned to poll. */
  async put(ref: ResourceRef, raw: unknown): Promise<{ record: ResourceRecord; created: boolean; operation?: OperationRecord }> {
    let importUrl: string | undefined;
    const { record, created } = await this.deps.resources.put(ref, raw, async ({ location, properties }) => {
      const creation = creationDataOf(properties);
      const withId = { ...properties, uniqueId: this.deps.ids.uuid() };
      switch (creation.createOption.toLowerCase()) {
        case "empty": {
          const content = await this.deps.content.empty(location, (properties.diskSizeGB as number) * GIB);
          return { properties: { ...withId, ...contentProperties(content) }, internal: { content } };
        }
        case "upload":
          return { properties: withId, internal: { uploadId: await this.deps.content.openUpload(creation.uploadSizeBytes as number, location) } };
        case "copy":
          return this.copyFrom(creation.sourceResourceId as string, location, withId);
        case "fromimage": {
          const reference = creation.galleryImageReference ?? {};
          const content = await this.deps.images.contentFor(reference.id ?? "", location, reference.lun);
          return { properties: { ...withId, ...sizedFor(withId, content), ...contentProperties(content) }, internal: { content } };
        }
        default:
          importUrl = creation.sourceUri;
          return { properties: { ...withId, provisioningState: "Creating" } };
      }
    });
    if (!created || importUrl === undefined) return { record, created };
    const url = importUrl;
    const operation = await this.deps.operations.start(ref.subscription.id, record.location, record.id, () => this.importInto(record, url));
    return { record, created, operation };
  }

  /** beginGetAccess: a signed URL to write (direct upload) or read (export) the disk's bytes. */
  async grantAccess(ref: ResourceRef, raw: unknown): Promise<{ accessSAS: string }> {
    const record = await this.deps.resources.get(ref);
    const body = conform(raw, armSchemas.GrantAccessData, { root: "grantAccessData", requireRequired: true }) as { access: string; durationInSeconds: number };
    const state = stateOf(record);
    const internal = internalOf(record);
    const access = body.access === "Write" ? "Write" : body.access === "Read" ? "Read" : undefined;
    if (!access) throw errors.invalidParameter(`access '${body.access}' cannot be granted; ask for Read or Write.`, "grantAccessData.access");
    if (body.durationInSeconds < 1 || body.durationInSeconds > MAX_GRANT_SECONDS) {
      throw errors.invalidParameter(`durationInSeconds must be from 1 to ${MAX_GRANT_SECONDS}.`, "grantAccessData.durationInSeconds");
    }
    if (access === "Write" && !(state === "ReadyToUpload" || state === "ActiveUpload")) {
      throw errors.invalidDiskState(record.name, state, "write access", "ReadyToUpload or ActiveUpload (created with createOption Upload)");
    }
    if (access === "Read" && !(internal.content && (state === "Unattached" || state === "ActiveSAS"))) {
      throw errors.invalidDiskState(record.name, state, "read access", "Unattached, with its content in place");
    }
    const expiresAt = new Date(this.deps.clock.now().getTime() + body.durationInSeconds * 1000);
    const grant: AccessGrant = { grantId: this.deps.ids.uuid(), resourceKey: record.key, access, expiresAt };
    await this.saveState(record, access === "Write" ? "ActiveUpload" : "ActiveSAS", {
      ...internal,
      grant: { grantId: grant.grantId, access, expiresAt: expiresAt.toISOString() },
    });
    return { accessSAS: this.deps.signer.urlFor(grant) };
  }

  /**
   * endGetAccess: revokes the grant. After an upload this ingests what was written, in the
   * background (the returned operation); a refused image sends the disk back to ReadyToUpload with
   * its staged bytes kept, so the client can fix them and try again.
   */
  async revokeAccess(ref: ResourceRef): Promise<OperationRecord | undefined> {
    const record = await this.deps.resources.get(ref);
    const { grant: _grant, ...internal } = internalOf(record);
    const state = stateOf(record);
    if (state === "ActiveSAS") {
      await this.saveState(record, "Unattached", internal);
      return undefined;
    }
    if (state !== "ActiveUpload" || !internal.uploadId) {
      await this.saveState(record, state, internal);
      return undefined;
    }
    const { uploadId } = internal;
    const ingesting = await this.saveState(record, "ActiveUpload", internal, "Updating");
    return this.deps.operations.start(ref.subscription.id, record.location, record.id, () => this.ingestUpload(ingesting, uploadId));
  }

  /** The work a stop of the server cut short for this disk (an import, an upload's ingest), if any. */
  resumeWork(record: ResourceRecord): (() => Promise<void>) | undefined {
    const props = propertiesOf(record);
    const creation = creationDataOf(props);
    const importUrl = creation.createOption.toLowerCase() === "import" ? creation.sourceUri : undefined;
    if (props.provisioningState === "Creating" && importUrl) return () => this.importInto(record, importUrl);
    const uploadId = internalOf(record).uploadId;
    if (props.provisioningState === "Updating" && stateOf(record) === "ActiveUpload" && uploadId) return () => this.ingestUpload(record, uploadId);
    return undefined;
  }

  private async ingestUpload(ingesting: ResourceRecord, uploadId: string): Promise<void> {
    try {
      const content = await this.deps.content.finishUpload(uploadId);
      await this.saveState(ingesting, "Unattached", { content }, "Succeeded", contentProperties(content));
    } catch (error) {
      await this.saveState(ingesting, "ReadyToUpload", { uploadId }, "Succeeded");
      throw error;
    }
  }

  async delete(ref: ResourceRef): Promise<ResourceRecord | undefined> {
    const record = await this.deps.resources.find(this.deps.resources.idOf(ref));
    if (record && (stateOf(record) === "ActiveSAS" || stateOf(record) === "ActiveUpload")) {
      throw errors.invalidDiskState(record.name, stateOf(record), "delete", "without an active access URL (call endGetAccess first)");
    }
    const deleted = await this.deps.resources.delete(ref);
    const uploadId = deleted && internalOf(deleted).uploadId;
    if (uploadId) await this.deps.content.discardUpload(uploadId);
    return deleted;
  }

  /** The disk a data-plane request may touch, or the data plane's refusal. */
  async authorizeData(grant: AccessGrant | undefined, access: "Read" | "Write"): Promise<ResourceRecord> {
    if (!grant) throw errors.dataAccessDenied("The signature of the access URL is not valid.");
    if (grant.expiresAt.getTime() <= this.deps.clock.now().getTime()) throw errors.dataAccessDenied(`The access URL expired at ${grant.expiresAt.toISOString()}.`);
    if (grant.access !== access) throw errors.dataAccessDenied(`The access URL grants ${grant.access} access, not ${access}.`);
    const record = await this.deps.resources.find(grant.resourceKey);
    if (!record || internalOf(record).grant?.grantId !== grant.grantId) throw errors.dataAccessDenied("The access URL has been revoked (endGetAccess).");
    return record;
  }

  private async copyFrom(sourceId: string, location: string, properties: Props): Promise<{ properties: Props; internal: DiskInternal }> {
    const source = await this.deps.resources.find(sourceId);
    const isDiskOrSnapshot = source && (source.type === diskKind.type || source.type === snapshotKind.type);
    const content = source && internalOf(source).content;
    if (!isDiskOrSnapshot || !content || source.location !== location) throw errors.diskSourceNotFound(sourceId);
    const sourceProps = propertiesOf(source);
    return {
      properties: {
        osType: sourceProps.osType,
        hyperVGeneration: sourceProps.hyperVGeneration,
        ...properties,
        ...sizedFor(properties, content),
        ...contentProperties(content),
      },
      internal: { content },
    };
  }

  private async importInto(record: ResourceRecord, url: string): Promise<void> {
    try {
      const content = await this.deps.content.importFromUrl(record.location, url);
      const sizes = { diskSizeBytes: content.size, diskSizeGB: Math.ceil(content.size / GIB) };
      await this.saveState(record, "Unattached", { content }, "Succeeded", { ...sizes, ...contentProperties(content) });
    } catch (error) {
      await this.saveState(record, "Unattached", {}, "Failed");
      throw error;
    }
  }

  private async saveState(record: ResourceRecord, diskState: string, internal: DiskInternal, provisioningState?: string, extra: Props = {}): Promise<ResourceRecord> {
    const saved = await this.deps.resources.modify(record.id, (current) => {
      const properties = { ...propertiesOf(current), ...extra, diskState, ...(provisioningState && { provisioningState }) };
      return { ...current, body: { ...current.body, properties }, internal: { ...internal } };
    });
    if (!saved) throw errors.resourceNotFound(record.id.split("/providers/")[1] ?? record.id, record.resourceGroup);
    return saved;
  }
}
