// The replication planner: what must be created and removed so that a version has the replicas
// its publishing profile asks for, given the replicas it has. Pure: no I/O, no clock. Today it
// decides which storage types a region's storage can hold (version-kinds.ts refuses the others);
// the engine that places replicas and runs their copies as durable jobs is built on it next.
//
// A region's storage is zones of storage targets, each target of a class (standard or premium).
// A replica is a complete copy of the version's chunks placed by its storage type:
// - Standard_LRS: one standard target;
// - Standard_ZRS: one standard target in each of three zones, so that losing a zone loses nothing;
// - Premium_LRS: one premium target.
// Replicas of one version in one region go to different targets where the region has enough, so
// that more replicas serve more deployments; among the others the least-loaded target is chosen
// when the caller says how loaded they are, else the first by id. The service passes no load
// today: successive versions then land on the same targets, where they share their chunks (what
// makes a next version's copy a delta).

import { distanceKm, findRegion } from "./regions.js";

export type StorageClass = "standard" | "premium";
export type StorageAccountType = "Standard_LRS" | "Standard_ZRS" | "Premium_LRS";

export interface StorageTarget {
  /** Unique across the region, e.g. "z1-standard". */
  id: string;
  zone: number;
  storageClass: StorageClass;
}

export interface RegionStorage {
  region: string;
  targets: readonly StorageTarget[];
}

export interface DesiredRegion {
  region: string;
  replicaCount: number;
  storageAccountType: StorageAccountType;
}

export interface Replica {
  region: string;
  /** 0 to replicaCount - 1 within its region. */
  index: number;
  storageAccountType: StorageAccountType;
  /** Target ids: one, or three in distinct zones for ZRS. */
  targets: readonly string[];
}

export interface PlanInput {
  desired: readonly DesiredRegion[];
  existing: readonly Replica[];
  storageOf: (region: string) => RegionStorage;
  /** Replicas (of any version) already on a target: new replicas go where there are fewest. */
  load?: (region: string, target: string) => number;
}

export interface Plan {
  create: Replica[];
  remove: Replica[];
}

/** A storage type the region's storage cannot hold: the reason is shown to the user. */
export class PlacementError extends Error {
  constructor(
    readonly region: string,
    readonly storageAccountType: StorageAccountType,
    message: string,
  ) {
    super(message);
    this.name = "PlacementError";
  }
}

const ZRS_ZONES = 3;

/**
 * The storage of a region that the configuration does not describe: three zones, each with one
 * standard and one premium target. On one machine the classes are a simulation: both are
 * directories of the same data dir, and a premium target is no faster.
 */
export function defaultRegionStorage(region: string): RegionStorage {
  const targets: StorageTarget[] = [];
  for (let zone = 1; zone <= ZRS_ZONES; zone++) {
    targets.push({ id: `z${zone}-standard`, zone, storageClass: "standard" }, { id: `z${zone}-premium`, zone, storageClass: "premium" });
  }
  return { region, targets };
}

/**
 * Replicas beyond a region's count (the highest indexes) and in regions no longer desired are
 * removed; missing indexes are created. An existing replica whose storage type differs is replaced
 * (the API refuses changing a region's storage type; this keeps the planner total).
 */
export function planReplicas(input: PlanInput): Plan {
  const plan: Plan = { create: [], remove: [] };
  const desired = new Map(input.desired.map((region) => [region.region, region]));
  const load = new Map<string, number>();
  const loadOf = (region: string, target: string) => load.get(`${region}/${target}`) ?? input.load?.(region, target) ?? 0;
  const place = (region: string, target: string, delta: number) => load.set(`${region}/${target}`, loadOf(region, target) + delta);

  const kept: Replica[] = [];
  for (const replica of input.existing) {
    const wanted = desired.get(replica.region);
    if (!wanted || replica.index >= wanted.replicaCount || replica.storageAccountType !== wanted.storageAccountType) plan.remove.push(replica);
    else kept.push(replica);
  }
  for (const wanted of input.desired) {
    const storage = input.storageOf(wanted.region);
    const here = kept.filter((replica) => replica.region === wanted.region);
    for (let index = 0; index < wanted.replicaCount; index++) {
      if (here.some((replica) => replica.index === index)) continue;
      const used = new Set(here.flatMap((replica) => replica.targets));
      const targets = chooseTargets(storage, wanted.storageAccountType, used, (target) => loadOf(wanted.region, target));
      for (const target of targets) place(wanted.region, target, 1);
      const replica: Replica = { region: wanted.region, index, storageAccountType: wanted.storageAccountType, targets };
      plan.create.push(replica);
      here.push(replica);
    }
  }
  return plan;
}

/** Throws PlacementError when the region cannot hold the storage type at all. */
export function checkPlacement(storage: RegionStorage, type: StorageAccountType): void {
  chooseTargets(storage, type, new Set(), () => 0);
}

function chooseTargets(storage: RegionStorage, type: StorageAccountType, used: ReadonlySet<string>, loadOf: (target: string) => number): string[] {
  const ofClass = (storageClass: StorageClass) => storage.targets.filter((target) => target.storageClass === storageClass);
  // Least loaded first; targets this version already uses in the region last; then by id, for a stable plan.
  const best = (targets: readonly StorageTarget[]) =>
    [...targets].sort((a, b) => Number(used.has(a.id)) - Number(used.has(b.id)) || loadOf(a.id) - loadOf(b.id) || a.id.localeCompare(b.id))[0];
  if (type === "Premium_LRS") {
    const target = best(ofClass("premium"));
    if (!target) throw new PlacementError(storage.region, type, `Region '${storage.region}' has no premium storage targets, so it cannot hold Premium_LRS replicas. Use Standard_LRS or Standard_ZRS there, or add a premium target to its storage configuration.`);
    return [target.id];
  }
  const standard = ofClass("standard");
  if (type === "Standard_LRS") {
    const target = best(standard);
    if (!target) throw new PlacementError(storage.region, type, `Region '${storage.region}' has no standard storage targets.`);
    return [target.id];
  }
  const zones = [...new Set(standard.map((target) => target.zone))].sort((a, b) => a - b);
  if (zones.length < ZRS_ZONES) {
    throw new PlacementError(storage.region, type, `Region '${storage.region}' has standard storage in ${zones.length} zone(s), and Standard_ZRS needs ${ZRS_ZONES}. Use Standard_LRS there, or configure targets in three zones.`);
  }
  const perZone = zones.map((zone) => best(standard.filter((target) => target.zone === zone)) as StorageTarget);
  // The three least-loaded zones' best targets.
  return perZone
    .sort((a, b) => Number(used.has(a.id)) - Number(used.has(b.id)) || loadOf(a.id) - loadOf(b.id) || a.zone - b.zone)
    .slice(0, ZRS_ZONES)
    .map((target) => target.id)
    .sort();
}

/**
 * Where a copy into `region` reads from: the region itself when it already has a complete
 * replica (a copy inside a region moves no bytes between regions), else the nearest region that
 * has one, by great-circle distance between the regions' coordinates (unknown coordinates come
 * last, then by name). Undefined when no region has a complete replica.
 */
export function nearestSource(region: string, complete: Iterable<string>): string | undefined {
  const candidates = [...new Set(complete)];
  if (candidates.includes(region)) return region;
  const here = findRegion(region);
  const distance = (other: string) => {
    const there = findRegion(other);
    return (here && there && distanceKm(here, there)) ?? Number.POSITIVE_INFINITY;
  };
  return candidates.sort((a, b) => distance(a) - distance(b) || a.localeCompare(b))[0];
}
