// The cost report of a subscription (core/billing.ts: the Azure-equivalent bill of the replicas of
// its image and application versions, and egress), and beside it what Vitrine really stored and moved: replicas on
// the same target share chunks, and a copy moves only what its target lacks.

import { costReport, type CostReport, type PriceTable } from "../billing.js";
import { galleryApplicationVersionKind } from "../application-version-kind.js";
import { galleryImageVersionKind } from "../version-kinds.js";
import type { DiskContent } from "../../ports/disk-content.js";
import type { ResourceRecord } from "../../ports/metadata-store.js";
import { occupiedBytesOf, type ReplicatedInternal } from "./version-replication.js";

export interface BillingDeps {
  /** Every record of a type, across subscriptions. */
  recordsOf(type: string): AsyncIterable<ResourceRecord>;
  content: DiskContent;
  prices: PriceTable;
}

export interface Deduplicated {
  /** Bytes of distinct chunks on the storage targets of the subscription's complete replicas (a zone-redundant replica's on each of its targets). */
  storedBytes: number;
  /** Bytes the copies moved from one region into another. */
  movedBetweenRegionsBytes: number;
  /** Bytes the copies moved inside a region (from one of its replicas to another). */
  movedInRegionBytes: number;
}

export class Billing {
  constructor(private readonly deps: BillingDeps) {}

  async report(subscriptionId: string): Promise<CostReport & { subscriptionId: string; deduplicated: Deduplicated }> {
    const versions: Array<{ record: ResourceRecord; internal: ReplicatedInternal }> = [];
    for (const type of [galleryImageVersionKind.type, galleryApplicationVersionKind.type]) {
      for await (const record of this.deps.recordsOf(type)) {
        const internal = (record.internal ?? {}) as ReplicatedInternal;
        if (record.subscriptionId.toLowerCase() === subscriptionId.toLowerCase() && internal.disks) versions.push({ record, internal });
      }
    }
    const report = costReport(
      versions.map(({ record, internal }) => ({
        id: record.id,
        location: record.location,
        occupiedBytes: occupiedBytesOf(internal.disks ?? []),
        replicas: (internal.replicas ?? []).map((replica) => ({ region: replica.region, storageAccountType: replica.storageAccountType })),
      })),
      this.deps.prices,
    );
    return { subscriptionId, ...report, deduplicated: await this.deduplicated(versions.map(({ internal }) => internal)) };
  }

  private async deduplicated(versions: readonly ReplicatedInternal[]): Promise<Deduplicated> {
    const onTargets = new Map<string, Map<string, number>>();
    const result: Deduplicated = { storedBytes: 0, movedBetweenRegionsBytes: 0, movedInRegionBytes: 0 };
    for (const { disks = [], replicas = [] } of versions) {
      for (const replica of replicas) {
        if (replica.copiedFrom !== undefined && replica.copiedFrom !== replica.region) result.movedBetweenRegionsBytes += replica.bytesCopied;
        else result.movedInRegionBytes += replica.bytesCopied;
        if (replica.state !== "Completed") continue;
        for (const target of replica.targets) {
          const key = `${replica.region}/${target}`;
          const chunks = onTargets.get(key) ?? new Map<string, number>();
          onTargets.set(key, chunks);
          for (const disk of disks) {
            const content = { region: replica.region, targets: [target], manifestDigest: disk.manifestDigest, size: disk.size, occupiedBytes: disk.occupiedBytes };
            for (const { digest, bytes } of await this.deps.content.chunksOf(content)) chunks.set(digest, bytes);
          }
        }
      }
    }
    for (const chunks of onTargets.values()) for (const bytes of chunks.values()) result.storedBytes += bytes;
    return result;
  }
}
