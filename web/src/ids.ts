// ARM resource ids as the portal needs them: which kind of gallery resource, and its parents.

export interface ParsedId {
  subscriptionId: string;
  resourceGroup: string;
  /** e.g. ["galleries", "g", "images", "d", "versions", "1.0.0"] */
  segments: string[];
  kind: "gallery" | "definition" | "application" | "imageVersion" | "applicationVersion" | "other";
}

const KINDS: Record<string, ParsedId["kind"]> = {
  galleries: "gallery",
  "galleries/images": "definition",
  "galleries/applications": "application",
  "galleries/images/versions": "imageVersion",
  "galleries/applications/versions": "applicationVersion",
};

export function parseId(id: string): ParsedId {
  const match = /^\/subscriptions\/([^/]+)\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Compute\/(.+)$/i.exec(id);
  const segments = match?.[3]?.split("/") ?? [];
  const types = segments.filter((_, index) => index % 2 === 0).join("/").toLowerCase();
  return { subscriptionId: match?.[1] ?? "", resourceGroup: match?.[2] ?? "", segments, kind: KINDS[types] ?? "other" };
}

export const resourceLink = (id: string): string => `#/r${id}`;

/** The ids of a resource and its parents, from the gallery down. */
export function lineage(id: string): string[] {
  const { segments } = parseId(id);
  const base = id.slice(0, id.length - segments.join("/").length);
  const ids: string[] = [];
  for (let index = 2; index <= segments.length; index += 2) ids.push(base + segments.slice(0, index).join("/"));
  return ids;
}

/** Compare version names numerically ("1.10.0" > "1.9.0"). */
export function compareVersions(a: string, b: string): number {
  const left = a.split(".").map(Number);
  const right = b.split(".").map(Number);
  for (let index = 0; index < Math.max(left.length, right.length); index++) {
    const difference = (left[index] ?? 0) - (right[index] ?? 0);
    if (difference !== 0) return difference;
  }
  return 0;
}
