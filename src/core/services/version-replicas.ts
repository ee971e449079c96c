// The replicas of a version (image or application), as its record keeps them: where each one is
// (region, storage targets), how far its copy has come, and what a region's state is made of them.
// The copies themselves are run by version-replication.ts; placement comes from core/replication-plan.ts.

import { DEPLOYMENT_WINDOW_SECONDS, recommendedReplicas } from "../deployment-meter.js";
import type { DesiredRegion, Replica, StorageAccountType } from "../replication-plan.js";
import { DEFAULT_STORAGE_ACCOUNT_TYPE, publishingProfileOf, regionKey } from "../publishing-profile.js";

type Props = Record<string, unknown>;

export type ReplicaPhase = "Replicating" | "Completed" | "Failed";

export interface ReplicaState extends Replica {
  state: ReplicaPhase;
  /** Bytes of the version's non-zero chunks present on the replica's targets. */
  bytesDone: number;
  bytesTotal: number;
  /** Bytes this replica's copy had to move (what its targets lacked). */
  bytesCopied: number;
  /** The region its last copy read from (itself when another of its replicas was complete). */
  copiedFrom?: string;
  /** When the current copy started (ISO); with bytesDone, the throughput. */
  startedAt?: string;
  /** Why the last attempt failed. */
  details?: string;
  /** Failed attempts in a row; the next one waits longer. */
  attempts?: number;
  /** When a failed replica is tried again (ISO). */
  retryAt?: string;
}

export interface RegionSummary {
  region: string;
  state: ReplicaPhase;
  bytesDone: number;
  bytesTotal: number;
  replicas: readonly ReplicaState[];
}

/** A replica's name within its version: region and index. */
export const replicaKey = (replica: Pick<Replica, "region" | "index">): string => `${replica.region}/${replica.index}`;

/** Delays before retrying a failed copy, by attempts so far; the last one repeats. */
const RETRY_DELAYS_S = [2, 10, 30, 120, 600];

export function retryDelaySeconds(attempts: number): number {
  return RETRY_DELAYS_S[Math.min(attempts, RETRY_DELAYS_S.length) - 1] ?? RETRY_DELAYS_S[0] ?? 2;
}

/** The regions, replica counts and storage types the publishing profile asks for (its defaults filled in). */
export function desiredRegions(properties: Props, location: string): DesiredRegion[] {
  const profile = publishingProfileOf(properties);
  const named = profile.targetRegions?.length ? profile.targetRegions : [{ name: location }];
  return named.map((target) => ({
    region: regionKey(target.name),
    replicaCount: target.regionalReplicaCount ?? profile.replicaCount ?? 1,
    storageAccountType: placementType(target.storageAccountType ?? profile.storageAccountType ?? DEFAULT_STORAGE_ACCOUNT_TYPE),
  }));
}

/** The storage type as the planner places it: names in any case; PremiumV2_LRS on premium targets as Premium_LRS. */
function placementType(name: string): StorageAccountType {
  const lower = name.toLowerCase();
  if (lower === "premium_lrs" || lower === "premiumv2_lrs") return "Premium_LRS";
  return lower === "standard_zrs" ? "Standard_ZRS" : "Standard_LRS";
}

/** One summary per region that has replicas: Completed when all are, Failed when one failed, else Replicating. */
export function regionSummaries(replicas: readonly ReplicaState[]): Map<string, RegionSummary> {
  const regions = new Map<string, RegionSummary>();
  for (const replica of replicas) {
    const summary = regions.get(replica.region) ?? { region: replica.region, state: "Completed" as ReplicaPhase, bytesDone: 0, bytesTotal: 0, replicas: [] };
    const state: ReplicaPhase = summary.state === "Failed" || replica.state === "Failed" ? "Failed" : summary.state === "Replicating" || replica.state === "Replicating" ? "Replicating" : "Completed";
    regions.set(replica.region, { ...summary, state, bytesDone: summary.bytesDone + replica.bytesDone, bytesTotal: summary.bytesTotal + replica.bytesTotal, replicas: [...summary.replicas, replica] });
  }
  return regions;
}

/** Regions where every replica is complete: where the version may be deployed. */
export function completeRegions(replicas: readonly ReplicaState[] = []): Set<string> {
  return new Set([...regionSummaries(replicas).values()].filter((summary) => summary.state === "Completed").map((summary) => summary.region));
}

/** A region's row of `replicationStatus.summary` (the region as the client named it), with Vitrine's additions (bytes, throughput, ETA, replicas). */
export function statusRow(name: string, summary: RegionSummary | undefined, now: Date, deploymentsPeak = 0): Props {
  if (!summary) return { region: name, state: "Unknown", details: "", progress: 0 };
  const { state, bytesDone, bytesTotal, replicas } = summary;
  const progress = state === "Completed" ? 100 : bytesTotal > 0 ? Math.floor((100 * bytesDone) / bytesTotal) : 0;
  const rate = throughput(replicas, now);
  const remaining = bytesTotal - bytesDone;
  const complete = replicas.filter((replica) => replica.state === "Completed").length;
  const failure = replicas.find((replica) => replica.state === "Failed");
  const details = failure?.details
    ? `${failure.details} (retrying${failure.retryAt ? ` at ${failure.retryAt}` : ""})`
    : `${complete} of ${replicas.length} replica(s) complete; ${bytesDone} of ${bytesTotal} bytes`;
  return {
    region: name,
    state,
    details,
    progress,
    bytesDone,
    bytesTotal,
    bytesCopied: replicas.reduce((sum, replica) => sum + replica.bytesCopied, 0),
    ...(state === "Replicating" && rate > 0 && { bytesPerSecond: Math.round(rate), etaSeconds: Math.ceil(remaining / rate) }),
    replicas: replicas.map((replica) => ({ index: replica.index, storageAccountType: replica.storageAccountType, targets: replica.targets, state: replica.state })),
    ...(deploymentsPeak > 0 && {
      scaling: { concurrentDeploymentsPeak: deploymentsPeak, windowSeconds: DEPLOYMENT_WINDOW_SECONDS, recommendedReplicas: recommendedReplicas(deploymentsPeak) },
    }),
  };
}

/** Bytes per second of the region's copies in progress, from when each started. */
function throughput(replicas: readonly ReplicaState[], now: Date): number {
  let bytes = 0;
  let seconds = 0;
  for (const replica of replicas) {
    if (replica.state !== "Replicating" || !replica.startedAt) continue;
    bytes += replica.bytesDone;
    seconds = Math.max(seconds, (now.getTime() - Date.parse(replica.startedAt)) / 1000);
  }
  return seconds > 0 ? bytes / seconds : 0;
}
