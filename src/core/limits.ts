// Quotas per subscription per region, counted by each resource's location, and how the usage API
// names them. The numbers are Azure's documented defaults; configuration may change them.

export interface Limits {
  galleries: number;
  galleryImages: number;
  galleryImageVersions: number;
  /** Applications and their versions: Azure documents no numbers for them; the images' are used. */
  galleryApplications: number;
  galleryApplicationVersions: number;
  /** Largest package or configuration file of an application version, in MiB (VM Applications' "2 GB"). */
  applicationPackageMiB: number;
  /** Largest disk of a managed image source or image version, in GiB (Azure's "1 TB"). */
  imageDiskGiB: number;
}

export const DEFAULT_LIMITS: Limits = {
  galleries: 100,
  galleryImages: 1000,
  galleryImageVersions: 10000,
  galleryApplications: 1000,
  galleryApplicationVersions: 10000,
  applicationPackageMiB: 2048,
  imageDiskGiB: 1024,
};

export interface QuotaDefinition {
  /** Key in `Limits`, also the usage API's `name.value`. */
  limit: keyof Limits;
  /** The resource type counted. */
  type: string;
  localizedName: string;
}

export const QUOTAS: readonly QuotaDefinition[] = [
  { limit: "galleries", type: "Microsoft.Compute/galleries", localizedName: "Galleries" },
  { limit: "galleryImages", type: "Microsoft.Compute/galleries/images", localizedName: "Gallery Image Definitions" },
  { limit: "galleryImageVersions", type: "Microsoft.Compute/galleries/images/versions", localizedName: "Gallery Image Versions" },
  { limit: "galleryApplications", type: "Microsoft.Compute/galleries/applications", localizedName: "Gallery Applications" },
  { limit: "galleryApplicationVersions", type: "Microsoft.Compute/galleries/applications/versions", localizedName: "Gallery Application Versions" },
];

export interface Usage {
  unit: "Count";
  currentValue: number;
  limit: number;
  name: { value: string; localizedValue: string };
}

/** The usage-list entries for one subscription and location, from per-type counts. */
export function usagesFor(limits: Limits, counts: ReadonlyMap<string, number>): Usage[] {
  return QUOTAS.map((quota) => ({
    unit: "Count",
    currentValue: counts.get(quota.type.toLowerCase()) ?? 0,
    limit: limits[quota.limit],
    name: { value: quota.limit, localizedValue: quota.localizedName },
  }));
}

export const quotaFor = (type: string): QuotaDefinition | undefined =>
  QUOTAS.find((quota) => quota.type.toLowerCase() === type.toLowerCase());
