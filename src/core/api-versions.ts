// The api-versions each resource type answers to. Vitrine serves one superset model for all of
// them (newer versions only add optional properties), so a version only has to be known.

/** Every published GalleryRP version (shared/AZURE-CONTRACT.md §0). */
const GALLERY_VERSIONS = [
  "2018-06-01",
  "2019-03-01",
  "2019-07-01",
  "2019-12-01",
  "2020-09-30",
  "2021-07-01",
  "2021-10-01",
  "2022-01-03",
  "2022-03-03",
  "2022-08-03",
  "2023-07-03",
  "2024-03-03",
  "2025-03-03",
  "2025-12-03",
] as const;

/** Gallery applications arrived with 2019-03-01. */
const APPLICATION_VERSIONS = GALLERY_VERSIONS.filter((v) => v >= "2019-03-01");

/** ComputeRP versions (usages, operation status of compute resources). */
const COMPUTE_VERSIONS = [
  "2015-06-15", "2016-03-30", "2016-04-30-preview", "2017-03-30", "2017-12-01", "2018-04-01", "2018-06-01",
  "2018-10-01", "2019-03-01", "2019-07-01", "2019-12-01", "2020-06-01", "2020-12-01", "2021-03-01",
  "2021-04-01", "2021-07-01", "2021-11-01", "2022-03-01", "2022-08-01", "2022-11-01", "2023-03-01",
  "2023-07-01", "2023-09-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-04-01", "2025-11-01",
  "2026-03-01",
] as const;

/** DiskRP versions (disks, snapshots); @azure/arm-compute 24 sends 2025-01-02. */
const DISK_VERSIONS = [
  "2016-04-30-preview", "2017-03-30", "2018-04-01", "2018-06-01", "2018-09-30", "2019-03-01", "2019-07-01",
  "2019-11-01", "2020-05-01", "2020-06-30", "2020-09-30", "2020-12-01", "2021-04-01", "2021-08-01",
  "2021-12-01", "2022-03-02", "2022-07-02", "2023-01-02", "2023-04-02", "2023-10-02", "2024-03-02",
  "2025-01-02",
] as const;

/** Microsoft.Resources versions (subscriptions, resource groups). */
const RESOURCES_VERSIONS = [
  "2014-04-01", "2015-01-01", "2015-11-01", "2016-02-01", "2016-06-01", "2016-07-01", "2016-09-01",
  "2017-05-10", "2017-06-01", "2017-08-01", "2018-02-01", "2018-05-01", "2019-03-01", "2019-05-01",
  "2019-05-10", "2019-06-01", "2019-07-01", "2019-08-01", "2019-10-01", "2019-11-01", "2020-01-01",
  "2020-06-01", "2020-08-01", "2020-10-01", "2021-01-01", "2021-04-01", "2022-01-01", "2022-09-01",
  "2022-12-01", "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-03-01", "2025-04-01",
] as const;

/** Microsoft.Authorization versions (role assignments and definitions); @azure/arm-authorization 9 and az 2.45 send 2022-04-01. */
const AUTHORIZATION_VERSIONS = [
  "2015-07-01", "2018-01-01-preview", "2018-09-01-preview", "2020-04-01-preview", "2020-08-01-preview",
  "2020-10-01-preview", "2021-04-01-preview", "2022-01-01-preview", "2022-04-01", "2022-05-01-preview",
] as const;

export type ApiVersionFamily = "gallery" | "application" | "compute" | "disk" | "resources" | "authorization";

const FAMILIES: Record<ApiVersionFamily, readonly string[]> = {
  gallery: GALLERY_VERSIONS,
  application: APPLICATION_VERSIONS,
  compute: COMPUTE_VERSIONS,
  disk: DISK_VERSIONS,
  resources: RESOURCES_VERSIONS,
  authorization: AUTHORIZATION_VERSIONS,
};

export const supportedApiVersions = (family: ApiVersionFamily): readonly string[] => FAMILIES[family];

export const isWellFormedApiVersion = (version: string): boolean => /^\d{4}-\d{2}-\d{2}(-[a-z]+)?$/i.test(version);

export const isSupportedApiVersion = (family: ApiVersionFamily, version: string): boolean =>
  FAMILIES[family].includes(version.toLowerCase());

/** Whether any resource type publishes `version`: operation status is polled with the version of whatever started it. */
export const isKnownApiVersion = (version: string): boolean => Object.values(FAMILIES).some((versions) => versions.includes(version.toLowerCase()));
