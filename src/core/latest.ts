// "latest": the version a deployment from a definition (no version named) gets in a region.
// Highest Major, then Minor, then Patch, compared as numbers; a version excluded from latest is
// skipped, and a target region's own excludeFromLatest wins over the version's; only versions
// whose bytes are complete in that region count, since nothing else can be deployed there.

import { normalizeLocation } from "./regions.js";
import { parseVersionName } from "./validate.js";

export interface LatestCandidate {
  name: string;
  /** publishingProfile.excludeFromLatest */
  excludeFromLatest: boolean;
  /** targetRegions[].excludeFromLatest by region name (lower case), where set. */
  regionalExcludeFromLatest: ReadonlyMap<string, boolean>;
  /** Regions (lower case) where the version is complete and may be deployed from. */
  completeIn: ReadonlySet<string>;
}

/** Negative when `a` is older than `b`, as "latest" orders versions ("1.03.00" equals "1.3.0"). */
export function compareVersionNames(a: string, b: string): number {
  const numbers = (name: string) => {
    const parsed = parseVersionName(name);
    return parsed ? [parsed.major, parsed.minor, parsed.patch] : [-1, -1, -1];
  };
  const [left, right] = [numbers(a), numbers(b)];
  for (let i = 0; i < 3; i++) {
    const difference = (left[i] ?? 0) - (right[i] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}

const excludedIn = (candidate: LatestCandidate, region: string): boolean =>
  candidate.regionalExcludeFromLatest.get(region) ?? candidate.excludeFromLatest;

/** The name of the latest version deployable in `region`, or undefined when there is none. */
export function latestIn(region: string, candidates: readonly LatestCandidate[]): string | undefined {
  const key = normalizeLocation(region);
  let best: string | undefined;
  for (const candidate of candidates) {
    if (!candidate.completeIn.has(key) || excludedIn(candidate, key)) continue;
    if (best === undefined || compareVersionNames(candidate.name, best) > 0) best = candidate.name;
  }
  return best;
}
