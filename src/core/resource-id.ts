// ARM resource ids and request paths. ARM paths are case-insensitive: ids keep the user's casing
// for display, and `keyOf` gives the lower-cased form every comparison and lookup uses.

export interface ArmPath {
  subscriptionId?: string;
  resourceGroup?: string;
  /** Provider namespace after `/providers/`, as written. */
  namespace?: string;
  /** Type segments after the namespace, e.g. ["galleries", "images"]. */
  types: string[];
  /** Names matching `types`; one shorter than `types` when the path names a collection. */
  names: string[];
  /** Segments that fit no ARM shape (e.g. `/subscriptions/{s}/foo`). */
  unparsed: string[];
  /** True when the path ends with `/resourcegroups` (the collection). */
  resourceGroupCollection: boolean;
  /** True for `/subscriptions` alone. */
  subscriptionCollection: boolean;
}

export const keyOf = (id: string): string => id.toLowerCase();

/** Splits an ARM request path (no query) into its parts. Never throws: callers route on the result. */
export function parseArmPath(path: string): ArmPath {
  const segments = path.split("/").filter((s) => s.length > 0).map(decodeSegment);
  const result: ArmPath = { types: [], names: [], unparsed: [], resourceGroupCollection: false, subscriptionCollection: false };
  let i = 0;
  const next = () => segments[i++];
  const peek = () => segments[i]?.toLowerCase();
  if (peek() !== "subscriptions") {
    result.unparsed = segments;
    return result;
  }
  next();
  result.subscriptionId = next();
  if (result.subscriptionId === undefined) {
    result.subscriptionCollection = true;
    return result;
  }
  if (peek() === "resourcegroups") {
    next();
    result.resourceGroup = next();
    if (result.resourceGroup === undefined) {
      result.resourceGroupCollection = true;
      return result;
    }
  }
  if (peek() === "providers") {
    next();
    result.namespace = next();
    while (i < segments.length) {
      result.types.push(next() as string);
      const name = next();
      if (name !== undefined) result.names.push(name);
    }
    return result;
  }
  result.unparsed = segments.slice(i);
  return result;
}

function decodeSegment(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

export const subscriptionId = (subscription: string): string => `/subscriptions/${subscription}`;

export const resourceGroupId = (subscription: string, resourceGroup: string): string =>
  `${subscriptionId(subscription)}/resourceGroups/${resourceGroup}`;

/** `/subscriptions/s/resourceGroups/rg/providers/{namespace}/{t1}/{n1}/{t2}/{n2}...` */
export function providerResourceId(
  subscription: string,
  resourceGroup: string,
  namespace: string,
  types: readonly string[],
  names: readonly string[],
): string {
  const parts = types.map((type, index) => (names[index] === undefined ? type : `${type}/${names[index]}`));
  return `${resourceGroupId(subscription, resourceGroup)}/providers/${namespace}/${parts.join("/")}`;
}

/** The parent id of a nested resource id (drops the last type/name pair). */
export function parentIdOf(id: string): string {
  return id.split("/").slice(0, -2).join("/");
}
