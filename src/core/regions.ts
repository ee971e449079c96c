// The catalogue of Azure public-cloud regions: the physical regions `az account list-locations`
// reports, without the logical ones ("global", "europe", "unitedstates", ...) and without the
// "*stage", "*stg" and "*euap" entries. Pure data and lookups: no I/O, no imports.
//
// Sources (public copies, read 2025):
// - name, displayName, metadata.geography, metadata.latitude/longitude and metadata.pairedRegion:
//   a cached `GET /subscriptions/{id}/locations` (what az prints) in Azure/terraform-azurerm-avm-utl-regions,
//   modules/cached-data/locations.tf.json. Its older-region values agree with older az dumps
//   (tal66/cloud-regions, dohnto/k8s-geomap-dashboard gazetteer/azure.json).
// - restricted: the "access restricted" icons of Microsoft Learn "Azure regions list" and "Azure region
//   pairs and nonpaired regions" (MicrosoftDocs/reliability-docs, articles/reliability/regions-list.md and
//   regions-paired.md, 2025): australiacentral2, brazilsoutheast, francesouth, germanynorth, norwaywest,
//   southafricawest, swedensouth, switzerlandwest, uaecentral. australiacentral too, from the Shared Image
//   Gallery docs (articles/virtual-machines/shared-image-galleries.md): "to replicate to Australia Central
//   and Australia Central 2 you need to have your subscription whitelisted".
//   No public source found saying jioindiawest/jioindiacentral need a request, so they are not flagged.
//
// Coordinates are az's, verbatim, even where they look off: az puts spaincentral at longitude +3.4209
// (Madrid is about -3.70) and israelcentral at 31.27N 33.45E. swedensouth has no coordinates: the
// az dump above comes from a subscription that did not have it enabled, and no other az copy was found.
// Not listed: denmarkeast (announced "coming soon", not yet reported by az).

export interface Region {
  name: string;
  displayName: string;
  geography: string;
  latitude?: number;
  longitude?: number;
  pairedRegion?: string;
  restricted?: boolean;
}

const DATA: Region[] = [
  { name: "australiacentral", displayName: "Australia Central", geography: "Australia", latitude: -35.3075, longitude: 149.1244, pairedRegion: "australiacentral2", restricted: true },
  { name: "australiacentral2", displayName: "Australia Central 2", geography: "Australia", latitude: -35.3075, longitude: 149.1244, pairedRegion: "australiacentral", restricted: true },
  { name: "australiaeast", displayName: "Australia East", geography: "Australia", latitude: -33.86, longitude: 151.2094, pairedRegion: "australiasoutheast" },
  { name: "australiasoutheast", displayName: "Australia Southeast", geography: "Australia", latitude: -37.8136, longitude: 144.9631, pairedRegion: "australiaeast" },
  { name: "austriaeast", displayName: "Austria East", geography: "Austria", latitude: 48.2092056, longitude: 16.3727779 },
  { name: "belgiumcentral", displayName: "Belgium Central", geography: "Belgium", latitude: 50.84553528, longitude: 4.355707169 },
  { name: "brazilsouth", displayName: "Brazil South", geography: "Brazil", latitude: -23.55, longitude: -46.633, pairedRegion: "southcentralus" },
  { name: "brazilsoutheast", displayName: "Brazil Southeast", geography: "Brazil", latitude: -22.90278, longitude: -43.2075, pairedRegion: "brazilsouth", restricted: true },
  { name: "canadacentral", displayName: "Canada Central", geography: "Canada", latitude: 43.653, longitude: -79.383, pairedRegion: "canadaeast" },
  { name: "canadaeast", displayName: "Canada East", geography: "Canada", latitude: 46.817, longitude: -71.217, pairedRegion: "canadacentral" },
  { name: "centralindia", displayName: "Central India", geography: "India", latitude: 18.5822, longitude: 73.9197, pairedRegion: "southindia" },
  { name: "centralus", displayName: "Central US", geography: "United States", latitude: 41.5908, longitude: -93.6208, pairedRegion: "eastus2" },
  { name: "chilecentral", displayName: "Chile Central", geography: "Chile", latitude: -33.447487, longitude: -70.673676 },
  { name: "eastasia", displayName: "East Asia", geography: "Asia Pacific", latitude: 22.267, longitude: 114.188, pairedRegion: "southeastasia" },
  { name: "eastus", displayName: "East US", geography: "United States", latitude: 37.3719, longitude: -79.8164, pairedRegion: "westus" },
  { name: "eastus2", displayName: "East US 2", geography: "United States", latitude: 36.6681, longitude: -78.3889, pairedRegion: "centralus" },
  { name: "francecentral", displayName: "France Central", geography: "France", latitude: 46.3772, longitude: 2.373, pairedRegion: "francesouth" },
  { name: "francesouth", displayName: "France South", geography: "France", latitude: 43.8345, longitude: 2.1972, pairedRegion: "francecentral", restricted: true },
  { name: "germanynorth", displayName: "Germany North", geography: "Germany", latitude: 53.073635, longitude: 8.806422, pairedRegion: "germanywestcentral", restricted: true },
  { name: "germanywestcentral", displayName: "Germany West Central", geography: "Germany", latitude: 50.110924, longitude: 8.682127, pairedRegion: "germanynorth" },
  { name: "indonesiacentral", displayName: "Indonesia Central", geography: "Indonesia", latitude: -6.2, longitude: 106.816666 },
  { name: "israelcentral", displayName: "Israel Central", geography: "Israel", latitude: 31.2655698, longitude: 33.4506633 },
  { name: "italynorth", displayName: "Italy North", geography: "Italy", latitude: 45.46888, longitude: 9.18109 },
  { name: "japaneast", displayName: "Japan East", geography: "Japan", latitude: 35.68, longitude: 139.77, pairedRegion: "japanwest" },
  { name: "japanwest", displayName: "Japan West", geography: "Japan", latitude: 34.6939, longitude: 135.5022, pairedRegion: "japaneast" },
  { name: "jioindiacentral", displayName: "Jio India Central", geography: "India", latitude: 21.146633, longitude: 79.08886, pairedRegion: "jioindiawest" },
  { name: "jioindiawest", displayName: "Jio India West", geography: "India", latitude: 22.470701, longitude: 70.05773, pairedRegion: "jioindiacentral" },
  { name: "koreacentral", displayName: "Korea Central", geography: "Korea", latitude: 37.5665, longitude: 126.978, pairedRegion: "koreasouth" },
  { name: "koreasouth", displayName: "Korea South", geography: "Korea", latitude: 35.1796, longitude: 129.0756, pairedRegion: "koreacentral" },
  { name: "malaysiawest", displayName: "Malaysia West", geography: "Malaysia", latitude: 3.140853, longitude: 101.693207 },
  { name: "mexicocentral", displayName: "Mexico Central", geography: "Mexico", latitude: 20.588818, longitude: -100.389888 },
  { name: "newzealandnorth", displayName: "New Zealand North", geography: "New Zealand", latitude: -36.84853, longitude: 174.76349 },
  { name: "northcentralus", displayName: "North Central US", geography: "United States", latitude: 41.8819, longitude: -87.6278, pairedRegion: "southcentralus" },
  { name: "northeurope", displayName: "North Europe", geography: "Europe", latitude: 53.3478, longitude: -6.2597, pairedRegion: "westeurope" },
  { name: "norwayeast", displayName: "Norway East", geography: "Norway", latitude: 59.913868, longitude: 10.752245, pairedRegion: "norwaywest" },
  { name: "norwaywest", displayName: "Norway West", geography: "Norway", latitude: 58.969975, longitude: 5.733107, pairedRegion: "norwayeast", restricted: true },
  { name: "polandcentral", displayName: "Poland Central", geography: "Poland", latitude: 52.23334, longitude: 21.01666 },
  { name: "qatarcentral", displayName: "Qatar Central", geography: "Qatar", latitude: 25.551462, longitude: 51.439327 },
  { name: "southafricanorth", displayName: "South Africa North", geography: "South Africa", latitude: -25.73134, longitude: 28.21837, pairedRegion: "southafricawest" },
  { name: "southafricawest", displayName: "South Africa West", geography: "South Africa", latitude: -34.075691, longitude: 18.843266, pairedRegion: "southafricanorth", restricted: true },
  { name: "southcentralus", displayName: "South Central US", geography: "United States", latitude: 29.4167, longitude: -98.5, pairedRegion: "northcentralus" },
  { name: "southeastasia", displayName: "Southeast Asia", geography: "Asia Pacific", latitude: 1.283, longitude: 103.833, pairedRegion: "eastasia" },
  { name: "southindia", displayName: "South India", geography: "India", latitude: 12.9822, longitude: 80.1636, pairedRegion: "centralindia" },
  { name: "spaincentral", displayName: "Spain Central", geography: "Spain", latitude: 40.4259, longitude: 3.4209 },
  { name: "swedencentral", displayName: "Sweden Central", geography: "Sweden", latitude: 60.67488, longitude: 17.14127, pairedRegion: "swedensouth" },
  { name: "swedensouth", displayName: "Sweden South", geography: "Sweden", pairedRegion: "swedencentral", restricted: true },
  { name: "switzerlandnorth", displayName: "Switzerland North", geography: "Switzerland", latitude: 47.451542, longitude: 8.564572, pairedRegion: "switzerlandwest" },
  { name: "switzerlandwest", displayName: "Switzerland West", geography: "Switzerland", latitude: 46.204391, longitude: 6.143158, pairedRegion: "switzerlandnorth", restricted: true },
  { name: "uaecentral", displayName: "UAE Central", geography: "UAE", latitude: 24.466667, longitude: 54.366669, pairedRegion: "uaenorth", restricted: true },
  { name: "uaenorth", displayName: "UAE North", geography: "UAE", latitude: 25.266666, longitude: 55.316666, pairedRegion: "uaecentral" },
  { name: "uksouth", displayName: "UK South", geography: "United Kingdom", latitude: 50.941, longitude: -0.799, pairedRegion: "ukwest" },
  { name: "ukwest", displayName: "UK West", geography: "United Kingdom", latitude: 53.427, longitude: -3.084, pairedRegion: "uksouth" },
  { name: "westcentralus", displayName: "West Central US", geography: "United States", latitude: 40.89, longitude: -110.234, pairedRegion: "westus2" },
  { name: "westeurope", displayName: "West Europe", geography: "Europe", latitude: 52.3667, longitude: 4.9, pairedRegion: "northeurope" },
  { name: "westindia", displayName: "West India", geography: "India", latitude: 19.088, longitude: 72.868, pairedRegion: "southindia" },
  { name: "westus", displayName: "West US", geography: "United States", latitude: 37.783, longitude: -122.417, pairedRegion: "eastus" },
  { name: "westus2", displayName: "West US 2", geography: "United States", latitude: 47.233, longitude: -119.852, pairedRegion: "westcentralus" },
  { name: "westus3", displayName: "West US 3", geography: "United States", latitude: 33.448376, longitude: -112.074036, pairedRegion: "eastus" },
];

export const REGIONS: readonly Region[] = Object.freeze(DATA.map((r) => Object.freeze(r)));

/** The canonical comparison key of a location string: lower case, spaces removed ("West US" -> "westus"). */
export function normalizeLocation(input: string): string {
  return input.toLowerCase().replace(/\s+/g, "");
}

const BY_KEY: ReadonlyMap<string, Region> = new Map(
  REGIONS.flatMap((r): [string, Region][] => [
    [normalizeLocation(r.displayName), r],
    [r.name, r],
  ]),
);

/** Finds a region by its name or display name, ignoring case and spaces ("West US", "westus", "WESTUS"). */
export function findRegion(input: string): Region | undefined {
  return BY_KEY.get(normalizeLocation(input));
}

const EARTH_RADIUS_KM = 6371;
const rad = (deg: number): number => (deg * Math.PI) / 180;

/** Great-circle distance in km between two regions with coordinates, or undefined. */
export function distanceKm(a: Region, b: Region): number | undefined {
  if (a.latitude === undefined || a.longitude === undefined) return undefined;
  if (b.latitude === undefined || b.longitude === undefined) return undefined;
  const dLat = rad(b.latitude - a.latitude);
  const dLon = rad(b.longitude - a.longitude);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a.latitude)) * Math.cos(rad(b.latitude)) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}
