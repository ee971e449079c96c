// The composition root: configuration -> adapters -> services -> HTTPS server. `startVitrine` is
// what `vitrine serve` runs and what the API and SDK tests start.

import { createHash } from "node:crypto";
import { Billing } from "./core/services/billing.js";
import { defaultRegionStorage } from "./core/replication-plan.js";
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import type { FastifyBaseLogger, FastifyInstance } from "fastify";
import { publicUrlFor, type Config } from "./config.js";
import { TrackedResources } from "./core/services/tracked-resources.js";
import { Disks } from "./core/services/disks.js";
import { ImageSources, type ImageHolder } from "./core/services/image-sources.js";
import { ImageVersions } from "./core/services/image-versions.js";
import { ApplicationVersions } from "./core/services/application-versions.js";
import { ApplicationPackages } from "./core/services/application-packages.js";
import { galleryApplicationVersionKind } from "./core/application-version-kind.js";
import { FsPackageStaging } from "./blob/package-staging.js";
import { ManagedImages } from "./core/services/managed-images.js";
import { resourceServices } from "./core/services/resource-services.js";
import { managedImageKind } from "./core/managed-image-kind.js";
import { diskKind, snapshotKind } from "./core/disk-kinds.js";
import { StorageCollector } from "./core/services/storage-collector.js";
import { galleryImageVersionKind } from "./core/version-kinds.js";
import { Operations } from "./core/services/operations.js";
import { Leases } from "./core/services/leases.js";
import { Metrics } from "./arm/metrics.js";
import { readinessChecks } from "./readiness.js";
import { DEPLOYMENT_TYPE, Deployments } from "./core/services/deployments.js";
import { ResourceGroups } from "./core/services/resource-groups.js";
import { Subscriptions } from "./core/services/subscriptions.js";
import { Access } from "./core/services/access.js";
import { RoleAssignments } from "./core/services/role-assignments.js";
import { RoleDefinitions } from "./core/services/role-definitions.js";
import { GallerySharing } from "./core/services/gallery-sharing.js";
import { SharedWithMe } from "./core/services/shared-with-me.js";
import { Usages } from "./core/services/usages.js";
import type { ServerContext } from "./arm/context.js";
import { buildServer } from "./arm/server.js";
import { BlobDiskContent } from "./blob/disk-content.js";
import { FsRegionStores } from "./blob/drivers/fs-region-stores.js";
import { ConfiguredRegionStores } from "./blob/drivers/region-stores.js";
import { UploadStaging } from "./blob/upload-staging.js";
import { HmacAccessSigner } from "./identity/access-urls.js";
import { ensureTlsMaterial } from "./identity/certificates.js";
import { Directory, verifySecret } from "./identity/directory.js";
import { TokenService } from "./identity/tokens.js";
import { systemClock, type Clock } from "./ports/clock.js";
import { randomIds, type Ids } from "./ports/ids.js";
import type { MetadataStore, ResourceRecord } from "./ports/metadata-store.js";
import { openMetadataStore } from "./store/open-store.js";

/** What a client needs to reach this server; written to <dataDir>/connection.json. */
export interface ConnectionInfo {
  endpoint: string;
  caCertFile: string;
  tenantId: string;
  subscriptionId: string;
  clientId: string;
  clientSecret: string;
  authorityHost: string;
  tokenUrl: string;
}

export interface RunningVitrine {
  connection: ConnectionInfo;
  connectionFile: string;
  app: FastifyInstance;
  store: MetadataStore;
  directory: Directory;
  /** Deletes unreferenced chunks now (they are also collected after deletes and periodically). */
  collectGarbage(): Promise<{ deleted: number; bytesFreed: number }>;
  close(): Promise<void>;
}

export interface StartOptions {
  clock?: Clock;
  ids?: Ids;
}

export const CONNECTION_FILE = "connection.json";

export async function startVitrine(config: Config, options: StartOptions = {}): Promise<RunningVitrine> {
  const clock = options.clock ?? systemClock;
  const ids = options.ids ?? randomIds;
  // The data dir holds the metadata store (signing keys, secret hashes) and the CA key: its owner's only.
  mkdirSync(config.dataDir, { recursive: true, mode: 0o700 });
  chmodSync(config.dataDir, 0o700);
  // Behind a load balancer, the certificate must name the host clients reach.
  const tls = await ensureTlsMaterial(join(config.dataDir, "tls"), config.publicUrl ? [new URL(config.publicUrl).hostname] : []);
  const store = await openMetadataStore(config.databaseUrl);
  try {
    const directory = new Directory({ store, ids, clock });
    const bootstrap = await directory.bootstrap();
    const tokens = await TokenService.open(store, clock);

    let publicUrl = config.publicUrl ?? "";
    // The server's logger, once the server is built (the collector is made before it).
    const logs: { to?: FastifyBaseLogger } = {};
    const regionStorage = (region: string) => config.regionStorage[region] ?? defaultRegionStorage(region);
    const trackedResources = new TrackedResources({ store, clock, limits: config.limits, regionStorage });
    const runsBackground = config.role !== "api";
    const leases = new Leases({ store, clock, owner: config.workerId, ttlMs: config.leaseSeconds * 1000, onLost: (lease) => logs.to?.warn({ lease }, "lease lost while its work ran") });
    const metrics = new Metrics({
      operationsInProgress: async () => (await store.listRunningOperations()).length,
      operationsRunning: (): number => operations.runningCount(),
      logCopy: (fields) => logs.to?.info(fields, "replica copy completed"),
    });
    const operations = new Operations({ store, clock, ids, leases, runsBackground, telemetry: metrics });
    const signer = await HmacAccessSigner.open(store, () => publicUrl);
    const regionStores = new ConfiguredRegionStores(new FsRegionStores(join(config.dataDir, "regions")), config.targetDrivers);
    const diskContent = new BlobDiskContent(
      regionStores,
      new UploadStaging(join(config.dataDir, "uploads"), (region) => regionStores.storeFor(region)),
      { extraCaPem: tls.caCertPem, clock },
      { ...(config.simulatedInterRegionMiBps > 0 && { interRegionBytesPerSecond: config.simulatedInterRegionMiBps * 1024 * 1024 }) },
    );
    const disks = new Disks({ resources: trackedResources, content: diskContent, signer, operations, ids, clock, images: { contentFor: (id, region, lun) => imageVersions.contentFor(id, region, lun) } });
    const holders = new Map<string, ImageHolder>();
    const sources = new ImageSources(trackedResources, holders);
    const managedImages = new ManagedImages({ resources: trackedResources, content: diskContent, sources, operations });
    const imageVersions = new ImageVersions({ resources: trackedResources, content: diskContent, sources, operations, clock, maxDiskBytes: config.limits.imageDiskGiB * 1024 ** 3, regionStorage, leases, telemetry: metrics });
    const maxFileBytes = config.limits.applicationPackageMiB * 1024 ** 2;
    const applicationVersions = new ApplicationVersions({ resources: trackedResources, content: diskContent, operations, clock, regionStorage, maxFileBytes, leases, telemetry: metrics });
    holders.set(managedImageKind.type.toLowerCase(), managedImages);
    holders.set(galleryImageVersionKind.type.toLowerCase(), imageVersions);
    const collector = new StorageCollector({
      content: diskContent,
      holders: [
        { type: diskKind.type, manifestsOf: (record) => disks.manifestsOf(record) },
        { type: snapshotKind.type, manifestsOf: (record) => disks.manifestsOf(record) },
        { type: managedImageKind.type, manifestsOf: (record) => managedImages.manifestsOf(record) },
        { type: galleryImageVersionKind.type, manifestsOf: (record) => imageVersions.manifestsOf(record) },
        { type: galleryApplicationVersionKind.type, manifestsOf: (record) => applicationVersions.manifestsOf(record) },
      ],
      recordsOf: (type) => trackedResources.all(type),
      busy: () => operations.busy(),
      clock,
      graceMs: config.gcGraceSeconds * 1000,
      log: (message, fields) => logs.to?.info(fields, message),
    });
    const access = new Access({ store });
    const roleDefinitions = new RoleDefinitions({ store, access });
    const deployments = new Deployments({ store, clock, ids, operations, sha1: (data) => createHash("sha1").update(data).digest() });
    const context: ServerContext = {
      config,
      access,
      roleDefinitions,
      roleAssignments: new RoleAssignments({ store, clock, access, roleDefinitions }),
      gallerySharing: new GallerySharing({ resources: trackedResources }),
      sharedWithMe: new SharedWithMe({ store, resources: trackedResources }),
      publicUrl: () => publicUrl,
      directory,
      tokens,
      trackedResources,
      resourceGroups: new ResourceGroups({ store, clock }),
      disks,
      serviceFor: resourceServices({ resources: trackedResources, disks, images: managedImages, versions: imageVersions, applicationVersions, onBytesReleased: () => collector.schedule() }),
      diskContent,
      applicationPackages: new ApplicationPackages({ staging: new FsPackageStaging(join(config.dataDir, "package-uploads")), versions: applicationVersions, content: diskContent, ids, clock, maxFileBytes }),
      signer,
      subscriptions: new Subscriptions({ store }),
      operations,
      usages: new Usages({ store, limits: config.limits }),
      deployments,
      billing: new Billing({ recordsOf: (type) => trackedResources.all(type), content: diskContent, prices: config.prices }),
      clock,
      ids,
    };
    const app = buildServer(context, tls, { metrics, readiness: readinessChecks(store, regionStores) });
    logs.to = app.log;
    await app.listen({ host: config.host, port: config.port });
    publicUrl = publicUrlFor(config, (app.server.address() as AddressInfo).port);
    // Work a stop cut short (an ingest, a copy to a region) runs again under its operation's id.
    const resumers = new Map<string, { resumeWork(record: ResourceRecord): (() => Promise<void>) | undefined }>([
      [diskKind.type, disks],
      [snapshotKind.type, disks],
      [managedImageKind.type, managedImages],
      [galleryImageVersionKind.type, imageVersions],
      [DEPLOYMENT_TYPE, deployments],
      [galleryApplicationVersionKind.type, applicationVersions],
    ]);
    const resume = () =>
      operations.resumeAll(async (operation) => {
        const record = await trackedResources.find(operation.resourceId);
        return record && resumers.get(record.type)?.resumeWork(record);
      });
    let polling: NodeJS.Timeout | undefined;
    if (runsBackground) {
      await resume();
      await imageVersions.resumeReplication();
      await applicationVersions.resumeReplication();
      // Work API servers only recorded, and the work of processes that died, is taken up here.
      polling = setInterval(() => void resume().catch((error: unknown) => logs.to?.warn({ err: error }, "looking for background work failed")), config.workerPollSeconds * 1000).unref();
    }
    const collecting = setInterval(() => collector.schedule(0), config.gcIntervalSeconds * 1000).unref();

    const connectionFile = join(config.dataDir, CONNECTION_FILE);
    const clientSecret = bootstrap.adminSecret ?? (await adminSecret(connectionFile, bootstrap.admin.secretHash, directory, bootstrap.tenant.id, bootstrap.admin.appId));
    const connection: ConnectionInfo = {
      endpoint: publicUrl,
      caCertFile: tls.caCertFile,
      tenantId: bootstrap.tenant.id,
      subscriptionId: bootstrap.subscription.id,
      clientId: bootstrap.admin.appId,
      clientSecret,
      authorityHost: publicUrl,
      tokenUrl: `${publicUrl}/${bootstrap.tenant.id}/oauth2/v2.0/token`,
    };
    writeAtomically(connectionFile, `${JSON.stringify(connection, null, 2)}\n`);
    return {
      connection,
      connectionFile,
      app,
      store,
      directory,
      collectGarbage: () => collector.run(),
      close: async () => {
        clearInterval(collecting);
        clearInterval(polling);
        await app.close();
        await operations.idle();
        await collector.stop();
        await store.close();
      },
    };
  } catch (error) {
    await store.close();
    throw error;
  }
}

/** The admin secret of an earlier start, from connection.json; a new one if that file is gone or stale. */
async function adminSecret(file: string, hash: string, directory: Directory, tenantId: string, appId: string): Promise<string> {
  try {
    const previous = JSON.parse(readFileSync(file, "utf8")) as Partial<ConnectionInfo>;
    if (previous.clientId === appId && previous.clientSecret && (await verifySecret(previous.clientSecret, hash))) return previous.clientSecret;
  } catch {
    // No readable connection.json: issue a new secret below.
  }
  return (await directory.resetSecret(tenantId, appId)).secret;
}

function writeAtomically(file: string, content: string): void {
  const temporary = `${file}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, file);
}
