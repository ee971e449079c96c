// The bytes of application versions over signed URLs: uploads of package files through the API
// (a staged file whose read URL then serves as the version's mediaLink, fetched like any other
// link), and the files of a version as a complete replica of a region holds them, for a host
// agent to install (`vitrine app fetch`). A grant's resource key says which: `upload:<id>`, or
// `file:` and the file's place, digest and version. The HTTP side is arm/routes/package-data.ts.

import { errors } from "../errors.js";
import { findRegion } from "../regions.js";
import type { AccessGrant } from "../../ports/access-signer.js";
import type { Clock } from "../../ports/clock.js";
import type { DiskContent, DiskContentRef } from "../../ports/disk-content.js";
import type { Ids } from "../../ports/ids.js";
import type { ResourceRecord } from "../../ports/metadata-store.js";
import type { PackageStaging, StagedFile } from "../../ports/package-staging.js";
import type { ApplicationFileName, ApplicationVersions } from "./application-versions.js";

type Props = Record<string, unknown>;

/** How long an upload and its read URL live: long enough to upload a 2 GiB package slowly and create the version. */
const UPLOAD_SECONDS = 24 * 3600;
/** How long a deployment's read URLs live. */
const DEPLOYMENT_SECONDS = 3600;

const UPLOAD = "upload:";
const FILE = "file:";

export interface ApplicationPackageDeps {
  staging: PackageStaging;
  versions: ApplicationVersions;
  content: DiskContent;
  ids: Ids;
  clock: Clock;
  maxFileBytes: number;
}

interface FileKey extends DiskContentRef {
  /** The key of the version whose file this is. */
  version: string;
}

export interface DeploymentAccess {
  version: ResourceRecord;
  files: Array<{ name: ApplicationFileName; grant: AccessGrant; contentDigest: string; sizeBytes: number }>;
  expiresAt: Date;
}

const isObject = (value: unknown): value is Props => typeof value === "object" && value !== null && !Array.isArray(value);

export class ApplicationPackages {
  constructor(private readonly deps: ApplicationPackageDeps) {}

  /** Reserves an upload of `sizeBytes` (the body of `startPackageUpload`): a write grant to send it with, and a read grant for the version's mediaLink. */
  async startUpload(raw: unknown): Promise<{ write: AccessGrant; read: AccessGrant }> {
    const size = isObject(raw) ? raw.sizeBytes : undefined;
    if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw errors.requiredParameterMissing("sizeBytes");
    if (size > this.deps.maxFileBytes) throw errors.applicationPackageTooLarge("package", size, this.deps.maxFileBytes);
    const now = this.deps.clock.now();
    await this.deps.staging.sweep(now);
    const id = this.deps.ids.uuid();
    const expiresAt = new Date(now.getTime() + UPLOAD_SECONDS * 1000);
    await this.deps.staging.create(id, size, expiresAt);
    const grant = (access: "Read" | "Write"): AccessGrant => ({ grantId: id, resourceKey: `${UPLOAD}${id}`, access, expiresAt });
    return { write: grant("Write"), read: grant("Read") };
  }

  /**
   * Read grants for the files of a version in a region (the body of `getDeploymentAccess`:
   * `{ region, version?: "1.0.0" | "latest", osType? }`), from a replica complete there.
   */
  async deploymentAccess(application: ResourceRecord, raw: unknown): Promise<DeploymentAccess> {
    const body = isObject(raw) ? raw : {};
    const text = (name: string) => (typeof body[name] === "string" ? (body[name] as string) : undefined);
    const region = text("region");
    if (region === undefined) throw errors.requiredParameterMissing("region");
    const known = findRegion(region);
    if (!known) throw errors.locationNotAvailable(region, "Microsoft.Compute/galleries/applications/versions");
    const deployment = await this.deps.versions.deployment(application, text("version") ?? "latest", known.name, text("osType"));
    const expiresAt = new Date(this.deps.clock.now().getTime() + DEPLOYMENT_SECONDS * 1000);
    const files = deployment.files.map(({ name, content }) => {
      const key: FileKey = { ...content, version: deployment.version.key };
      const grant: AccessGrant = { grantId: this.deps.ids.uuid(), resourceKey: `${FILE}${JSON.stringify(key)}`, access: "Read", expiresAt };
      return { name, grant, contentDigest: `sha256:${content.manifestDigest}`, sizeBytes: content.size };
    });
    return { version: deployment.version, files, expiresAt };
  }

  /** The body of an upload, sent to its write URL. */
  async write(grant: AccessGrant, body: AsyncIterable<Buffer>): Promise<void> {
    this.check(grant, "Write");
    if (!grant.resourceKey.startsWith(UPLOAD)) throw errors.dataAccessDenied("The URL does not grant write access to an upload.");
    await this.deps.staging.write(grant.resourceKey.slice(UPLOAD.length), body);
  }

  /** The file a read grant names: an upload, or a version's file on a complete replica. */
  async open(grant: AccessGrant): Promise<StagedFile> {
    this.check(grant, "Read");
    if (grant.resourceKey.startsWith(UPLOAD)) {
      const staged = await this.deps.staging.open(grant.resourceKey.slice(UPLOAD.length), this.deps.clock.now());
      if (!staged) throw errors.blobNotFound();
      return staged;
    }
    if (!grant.resourceKey.startsWith(FILE)) throw errors.dataAccessDenied("The URL does not grant access to an application's file.");
    const { version, ...content } = JSON.parse(grant.resourceKey.slice(FILE.length)) as FileKey;
    if (!(await this.deps.versions.holds(version, content))) throw errors.blobNotFound();
    return {
      size: content.size,
      // Content is named by its digest: the same digest is the same bytes.
      etag: `"${content.manifestDigest}"`,
      modifiedAt: new Date(0),
      read: (start, end) => this.deps.content.exportFile(content, start, end),
    };
  }

  private check(grant: AccessGrant, access: "Read" | "Write"): void {
    if (grant.expiresAt.getTime() <= this.deps.clock.now().getTime()) throw errors.dataAccessDenied(`The URL expired at ${grant.expiresAt.toISOString()}.`);
    if (grant.access !== access) throw errors.dataAccessDenied(`The URL grants ${grant.access} access, not ${access}.`);
  }
}
