// What a subscription's image versions cost, the way Azure bills a Compute Gallery: storage for
// every replica by the version's occupied size (each replica is billed as a snapshot of that
// size, per region and storage type), and network egress for the first copy into each target
// region other than the version's own (copies inside a region are free). Pure: the prices come
// from the configuration, the versions from the service that gathers them.

export type BilledStorageType = "Standard_LRS" | "Standard_ZRS" | "Premium_LRS";

export interface PriceTable {
  currency: string;
  /** Per GiB-month of occupied size of one replica, by storage type. */
  storagePerGiBMonth: Record<BilledStorageType, number>;
  /** Per GiB copied from one region into another. */
  egressPerGiB: number;
}

/** Illustrative list prices (snapshot storage and inter-region transfer, USD); set your own in the configuration. */
export const DEFAULT_PRICES: PriceTable = {
  currency: "USD",
  storagePerGiBMonth: { Standard_LRS: 0.05, Standard_ZRS: 0.0625, Premium_LRS: 0.12 },
  egressPerGiB: 0.02,
};

export interface BilledVersion {
  id: string;
  /** The version's own region: copies into it are not egress. */
  location: string;
  /** Non-zero bytes of all its disks: what each replica is billed for. */
  occupiedBytes: number;
  replicas: ReadonlyArray<{ region: string; storageAccountType: BilledStorageType }>;
}

export interface StorageLine {
  region: string;
  storageAccountType: BilledStorageType;
  replicas: number;
  /** Replicas times occupied size. */
  occupiedBytes: number;
  monthlyCost: number;
}

export interface EgressLine {
  /** The region the copies went into. */
  region: string;
  bytes: number;
  cost: number;
}

export interface CostReport {
  currency: string;
  prices: PriceTable;
  storage: StorageLine[];
  egress: EgressLine[];
  versions: Array<{ id: string; occupiedBytes: number; replicas: number; regions: number; monthlyStorageCost: number; egressCost: number }>;
  totals: { replicas: number; occupiedBytes: number; monthlyStorageCost: number; egressBytes: number; egressCost: number };
}

const GIB = 1024 ** 3;
/** Money to a hundredth of a cent: sums of many small lines stay exact enough to read. */
const money = (amount: number) => Math.round(amount * 10_000) / 10_000;

export function costReport(versions: readonly BilledVersion[], prices: PriceTable = DEFAULT_PRICES): CostReport {
  const storage = new Map<string, StorageLine>();
  const egress = new Map<string, EgressLine>();
  const perVersion: CostReport["versions"] = [];
  for (const version of versions) {
    let storageCost = 0;
    let egressCost = 0;
    for (const replica of version.replicas) {
      const key = `${replica.region}/${replica.storageAccountType}`;
      const line = storage.get(key) ?? { region: replica.region, storageAccountType: replica.storageAccountType, replicas: 0, occupiedBytes: 0, monthlyCost: 0 };
      const cost = (version.occupiedBytes / GIB) * prices.storagePerGiBMonth[replica.storageAccountType];
      storage.set(key, { ...line, replicas: line.replicas + 1, occupiedBytes: line.occupiedBytes + version.occupiedBytes, monthlyCost: line.monthlyCost + cost });
      storageCost += cost;
    }
    const regions = [...new Set(version.replicas.map((replica) => replica.region))];
    for (const region of regions.filter((r) => r !== version.location)) {
      const line = egress.get(region) ?? { region, bytes: 0, cost: 0 };
      const cost = (version.occupiedBytes / GIB) * prices.egressPerGiB;
      egress.set(region, { ...line, bytes: line.bytes + version.occupiedBytes, cost: line.cost + cost });
      egressCost += cost;
    }
    perVersion.push({ id: version.id, occupiedBytes: version.occupiedBytes, replicas: version.replicas.length, regions: regions.length, monthlyStorageCost: money(storageCost), egressCost: money(egressCost) });
  }
  const storageLines = [...storage.values()].map((line) => ({ ...line, monthlyCost: money(line.monthlyCost) })).sort((a, b) => a.region.localeCompare(b.region) || a.storageAccountType.localeCompare(b.storageAccountType));
  const egressLines = [...egress.values()].map((line) => ({ ...line, cost: money(line.cost) })).sort((a, b) => a.region.localeCompare(b.region));
  return {
    currency: prices.currency,
    prices,
    storage: storageLines,
    egress: egressLines,
    versions: perVersion,
    totals: {
      replicas: storageLines.reduce((sum, line) => sum + line.replicas, 0),
      occupiedBytes: storageLines.reduce((sum, line) => sum + line.occupiedBytes, 0),
      monthlyStorageCost: money(storageLines.reduce((sum, line) => sum + line.monthlyCost, 0)),
      egressBytes: egressLines.reduce((sum, line) => sum + line.bytes, 0),
      egressCost: money(egressLines.reduce((sum, line) => sum + line.cost, 0)),
    },
  };
}
