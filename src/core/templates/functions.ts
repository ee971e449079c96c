// The template functions Vitrine evaluates (docs/templates.md lists them). Each takes its
// evaluated arguments; `if` is evaluated lazily in evaluate.ts. Names are case-insensitive.

import { armGuid, uniqueString } from "./unique-string.js";

/** A function's refusal; the evaluator adds the expression and where it is. */
export class ExpressionError extends Error {}

/** What the deployment is: the values deployment(), resourceGroup() and subscription() give. */
export interface TemplateScope {
  subscriptionId: string;
  tenantId: string;
  subscriptionDisplayName: string;
  resourceGroup: { name: string; location: string; tags: Record<string, string> };
  deploymentName: string;
  now: Date;
  /** SHA-1, for guid() (a UUID v5): given by the composition root, as core does no cryptography. */
  sha1(data: Uint8Array): Uint8Array;
}

export interface EvalContext {
  scope: TemplateScope;
  parameter(name: string): unknown;
  variable(name: string): unknown;
  /** The index of the named loop, or of the innermost one. */
  copyIndex(loop: string | undefined): number;
  withCopyIndex(loop: string, index: number): EvalContext;
  /** A deployed resource (its properties, or all of it with 'Full'). */
  reference(target: string, apiVersion: string | undefined, full: boolean): unknown;
  /** utcNow() is only allowed in parameter default values. */
  allowUtcNow: boolean;
}

type Fn = (args: unknown[], context: EvalContext, name: string) => unknown;

const typeOf = (value: unknown): string =>
  value === null ? "Null" : Array.isArray(value) ? "Array" : typeof value === "number" ? (Number.isInteger(value) ? "Integer" : "Float") : typeof value === "object" ? "Object" : typeof value === "string" ? "String" : "Boolean";

function count(name: string, args: unknown[], min: number, max = min): void {
  if (args.length < min || args.length > max) {
    const expected = min === max ? `${min}` : max === Infinity ? `at least ${min}` : `${min} to ${max}`;
    throw new ExpressionError(`The template function '${name}' expects ${expected} parameter(s), it got ${args.length}.`);
  }
}
const str = (name: string, value: unknown): string => {
  if (typeof value !== "string") throw new ExpressionError(`The template function '${name}' expects a string, it got ${typeOf(value)}.`);
  return value;
};
const int = (name: string, value: unknown): number => {
  if (typeof value !== "number" || !Number.isInteger(value)) throw new ExpressionError(`The template function '${name}' expects an integer, it got ${typeOf(value)}.`);
  return value;
};
const bool = (name: string, value: unknown): boolean => {
  if (typeof value !== "boolean") throw new ExpressionError(`The template function '${name}' expects a boolean, it got ${typeOf(value)}.`);
  return value;
};
const strings = (name: string, args: unknown[]): string[] => {
  count(name, args, 1, Infinity);
  return args.map((arg) => str(name, arg));
};

export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (Array.isArray(a)) return Array.isArray(b) && a.length === b.length && a.every((item, i) => deepEqual(item, b[i]));
  if (typeof a !== "object" || typeof b !== "object" || a === null || b === null || Array.isArray(b)) return false;
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((key) => deepEqual((a as Record<string, unknown>)[key], (b as Record<string, unknown>)[key]));
}

/** The string form ARM gives a value in concat() and string(): JSON for objects and arrays. */
export const textOf = (value: unknown): string => (typeof value === "string" ? value : value === null ? "" : typeof value === "object" ? JSON.stringify(value) : String(value));

function resourceIdOf(args: unknown[], context: EvalContext, name: string): string {
  const parts = strings(name, args);
  const typeAt = parts.findIndex((part) => /^[^/]+\.[^/]+\/.+/.test(part));
  if (typeAt < 0 || typeAt > 2) throw new ExpressionError(`The template function '${name}' needs a resource type such as 'Microsoft.Compute/galleries'.`);
  const type = parts[typeAt] as string;
  const names = parts.slice(typeAt + 1);
  const [namespace, ...segments] = type.split("/");
  if (names.length !== segments.length) {
    throw new ExpressionError(`Unable to evaluate template language function '${name}': the type '${type}' requires '${segments.length}' resource name argument(s).`);
  }
  const subscription = typeAt >= 2 ? parts[0] : context.scope.subscriptionId;
  const group = typeAt >= 1 ? parts[typeAt - 1] : context.scope.resourceGroup.name;
  const path = segments.map((segment, i) => `${segment}/${names[i]}`).join("/");
  return name.toLowerCase() === "subscriptionresourceid"
    ? `/subscriptions/${parts.length > segments.length + 1 ? parts[0] : context.scope.subscriptionId}/providers/${namespace}/${path}`
    : `/subscriptions/${subscription}/resourceGroups/${group}/providers/${namespace}/${path}`;
}

function format(template: string, values: unknown[]): string {
  return template.replace(/\{\{|\}\}|\{(\d+)(?::[^}]*)?\}/g, (match, index: string | undefined) => {
    if (match === "{{") return "{";
    if (match === "}}") return "}";
    const i = Number(index);
    if (i >= values.length) throw new ExpressionError(`The template function 'format' has no argument {${i}}.`);
    return textOf(values[i]);
  });
}

const FUNCTIONS: Record<string, Fn> = {
  // deployment values
  parameters: (args, context, name) => (count(name, args, 1), context.parameter(str(name, args[0]))),
  variables: (args, context, name) => (count(name, args, 1), context.variable(str(name, args[0]))),
  copyindex: (args, context, name) => {
    count(name, args, 0, 2);
    const loop = typeof args[0] === "string" ? args[0] : undefined;
    const offset = args.length === 0 || (args.length === 1 && loop !== undefined) ? 0 : int(name, args[args.length - 1]);
    return context.copyIndex(loop) + offset;
  },
  resourcegroup: (args, context, name) => {
    count(name, args, 0);
    const { scope } = context;
    const group = scope.resourceGroup;
    return { id: `/subscriptions/${scope.subscriptionId}/resourceGroups/${group.name}`, name: group.name, type: "Microsoft.Resources/resourceGroups", location: group.location, tags: group.tags, properties: { provisioningState: "Succeeded" } };
  },
  subscription: (args, context, name) => {
    count(name, args, 0);
    const { scope } = context;
    return { id: `/subscriptions/${scope.subscriptionId}`, subscriptionId: scope.subscriptionId, tenantId: scope.tenantId, displayName: scope.subscriptionDisplayName };
  },
  tenant: (args, context, name) => (count(name, args, 0), { tenantId: context.scope.tenantId }),
  deployment: (args, context, name) => (count(name, args, 0), { name: context.scope.deploymentName, properties: { mode: "Incremental" } }),
  resourceid: resourceIdOf,
  subscriptionresourceid: resourceIdOf,
  extensionresourceid: (args, _context, name) => {
    const [scope, type, ...names] = strings(name, args);
    const [namespace, ...segments] = (type ?? "").split("/");
    if (names.length !== segments.length) throw new ExpressionError(`The template function '${name}' needs one name per type segment of '${type}'.`);
    return `${scope}/providers/${namespace}/${segments.map((s, i) => `${s}/${names[i]}`).join("/")}`;
  },
  reference: (args, context, name) => {
    count(name, args, 1, 3);
    const full = args.length === 3 && str(name, args[2]).toLowerCase() === "full";
    return context.reference(str(name, args[0]), args.length > 1 ? str(name, args[1]) : undefined, full);
  },
  utcnow: (args, context, name) => {
    if (!context.allowUtcNow) throw new ExpressionError("The template function 'utcNow' is only allowed in the default value of a parameter.");
    count(name, args, 0, 1);
    const iso = context.scope.now.toISOString().replace(/\.\d+Z$/, "Z");
    const formatName = args.length === 0 ? "" : str(name, args[0]);
    if (formatName === "") return `${iso.replace(/[-:]/g, "").slice(0, 15)}Z`;
    if (formatName === "u") return iso.replace("T", " ");
    if (formatName === "o") return context.scope.now.toISOString();
    throw new ExpressionError(`The template function 'utcNow' supports the formats '', 'u' and 'o'; '${formatName}' is not one of them.`);
  },
  uniquestring: (args, _context, name) => uniqueString(strings(name, args)),
  guid: (args, context, name) => armGuid(strings(name, args), context.scope.sha1),
  newguid: () => {
    throw new ExpressionError("The template function 'newGuid' is not supported by Vitrine: its value could not be repeated on a redeployment. Use guid() with inputs.");
  },

  // strings
  concat: (args, _context, name) => {
    count(name, args, 1, Infinity);
    if (args.every(Array.isArray)) return (args as unknown[][]).flat();
    return args.map(textOf).join("");
  },
  format: (args, _context, name) => (count(name, args, 1, Infinity), format(str(name, args[0]), args.slice(1))),
  tolower: (args, _context, name) => (count(name, args, 1), str(name, args[0]).toLowerCase()),
  toupper: (args, _context, name) => (count(name, args, 1), str(name, args[0]).toUpperCase()),
  trim: (args, _context, name) => (count(name, args, 1), str(name, args[0]).trim()),
  replace: (args, _context, name) => (count(name, args, 3), str(name, args[0]).split(str(name, args[1])).join(str(name, args[2]))),
  split: (args, _context, name) => {
    count(name, args, 2);
    const delimiters = Array.isArray(args[1]) ? args[1].map((d) => str(name, d)) : [str(name, args[1])];
    return delimiters.reduce<string[]>((parts, d) => parts.flatMap((part) => part.split(d)), [str(name, args[0])]);
  },
  substring: (args, _context, name) => {
    count(name, args, 2, 3);
    const text = str(name, args[0]);
    const start = int(name, args[1]);
    const length = args.length === 3 ? int(name, args[2]) : text.length - start;
    if (start < 0 || length < 0 || start + length > text.length) throw new ExpressionError("The index and length parameters of 'substring' must refer to a location within the string.");
    return text.substring(start, start + length);
  },
  startswith: (args, _context, name) => (count(name, args, 2), str(name, args[0]).toLowerCase().startsWith(str(name, args[1]).toLowerCase())),
  endswith: (args, _context, name) => (count(name, args, 2), str(name, args[0]).toLowerCase().endsWith(str(name, args[1]).toLowerCase())),
  indexof: (args, _context, name) => (count(name, args, 2), str(name, args[0]).toLowerCase().indexOf(str(name, args[1]).toLowerCase())),
  lastindexof: (args, _context, name) => (count(name, args, 2), str(name, args[0]).toLowerCase().lastIndexOf(str(name, args[1]).toLowerCase())),
  padleft: (args, _context, name) => (count(name, args, 2, 3), textOf(args[0]).padStart(int(name, args[1]), args.length === 3 ? str(name, args[2]) : " ")),
  string: (args, _context, name) => (count(name, args, 1), textOf(args[0])),
  base64: (args, _context, name) => (count(name, args, 1), Buffer.from(str(name, args[0]), "utf8").toString("base64")),
  base64tostring: (args, _context, name) => (count(name, args, 1), Buffer.from(str(name, args[0]), "base64").toString("utf8")),
  uri: (args, _context, name) => (count(name, args, 2), new URL(str(name, args[1]), str(name, args[0])).toString()),

  // numbers and logic
  int: (args, _context, name) => {
    count(name, args, 1);
    const value = typeof args[0] === "string" && /^\s*[-+]?\d+\s*$/.test(args[0]) ? Number(args[0]) : args[0];
    return int(name, value);
  },
  bool: (args, _context, name) => {
    count(name, args, 1);
    const value = args[0];
    if (typeof value === "string" && /^(true|false)$/i.test(value)) return value.toLowerCase() === "true";
    if (typeof value === "number") return value !== 0;
    return bool(name, value);
  },
  add: (args, _context, name) => (count(name, args, 2), int(name, args[0]) + int(name, args[1])),
  sub: (args, _context, name) => (count(name, args, 2), int(name, args[0]) - int(name, args[1])),
  mul: (args, _context, name) => (count(name, args, 2), int(name, args[0]) * int(name, args[1])),
  div: (args, _context, name) => {
    count(name, args, 2);
    const divisor = int(name, args[1]);
    if (divisor === 0) throw new ExpressionError("The template function 'div' cannot divide by zero.");
    return Math.trunc(int(name, args[0]) / divisor);
  },
  mod: (args, _context, name) => {
    count(name, args, 2);
    const divisor = int(name, args[1]);
    if (divisor === 0) throw new ExpressionError("The template function 'mod' cannot divide by zero.");
    return int(name, args[0]) % divisor;
  },
  min: (args, _context, name) => Math.min(...(Array.isArray(args[0]) ? args[0] : args).map((v) => int(name, v))),
  max: (args, _context, name) => Math.max(...(Array.isArray(args[0]) ? args[0] : args).map((v) => int(name, v))),
  range: (args, _context, name) => (count(name, args, 2), Array.from({ length: int(name, args[1]) }, (_, i) => int(name, args[0]) + i)),
  equals: (args, _context, name) => (count(name, args, 2), deepEqual(args[0], args[1])),
  not: (args, _context, name) => (count(name, args, 1), !bool(name, args[0])),
  and: (args, _context, name) => (count(name, args, 2, Infinity), args.every((arg) => bool(name, arg))),
  or: (args, _context, name) => (count(name, args, 2, Infinity), args.some((arg) => bool(name, arg))),
  true: (args, _context, name) => (count(name, args, 0), true),
  false: (args, _context, name) => (count(name, args, 0), false),
  null: (args, _context, name) => (count(name, args, 0), null),
  greater: (args, _context, name) => compare(name, args) > 0,
  greaterorequals: (args, _context, name) => compare(name, args) >= 0,
  less: (args, _context, name) => compare(name, args) < 0,
  lessorequals: (args, _context, name) => compare(name, args) <= 0,
  coalesce: (args, _context, name) => (count(name, args, 1, Infinity), args.find((arg) => arg !== null) ?? null),

  // arrays and objects
  array: (args, _context, name) => (count(name, args, 1), Array.isArray(args[0]) ? args[0] : [args[0]]),
  createarray: (args) => [...args],
  createobject: (args, _context, name) => {
    if (args.length % 2 !== 0) throw new ExpressionError(`The template function '${name}' expects pairs of keys and values.`);
    const out: Record<string, unknown> = {};
    for (let i = 0; i < args.length; i += 2) out[str(name, args[i])] = args[i + 1];
    return out;
  },
  json: (args, _context, name) => {
    count(name, args, 1);
    try {
      return JSON.parse(str(name, args[0])) as unknown;
    } catch {
      throw new ExpressionError(`The template function 'json' was given text that is not JSON.`);
    }
  },
  length: (args, _context, name) => {
    count(name, args, 1);
    const value = args[0];
    if (typeof value === "string" || Array.isArray(value)) return value.length;
    if (typeof value === "object" && value !== null) return Object.keys(value).length;
    throw new ExpressionError(`The template function 'length' expects a string, an array or an object, it got ${typeOf(value)}.`);
  },
  empty: (args, _context, name) => {
    count(name, args, 1);
    const value = args[0];
    return value === null || (typeof value === "string" || Array.isArray(value) ? value.length === 0 : typeof value === "object" && Object.keys(value).length === 0);
  },
  contains: (args, _context, name) => {
    count(name, args, 2);
    const [container, item] = args;
    if (typeof container === "string") return container.toLowerCase().includes(textOf(item).toLowerCase());
    if (Array.isArray(container)) return container.some((element) => deepEqual(element, item));
    if (typeof container === "object" && container !== null) return Object.keys(container).some((key) => key.toLowerCase() === textOf(item).toLowerCase());
    throw new ExpressionError(`The template function 'contains' expects a string, an array or an object, it got ${typeOf(container)}.`);
  },
  first: (args, _context, name) => (count(name, args, 1), typeof args[0] === "string" ? args[0].slice(0, 1) : (listOf(name, args[0])[0] ?? null)),
  last: (args, _context, name) => (count(name, args, 1), typeof args[0] === "string" ? args[0].slice(-1) : (listOf(name, args[0]).at(-1) ?? null)),
  take: (args, _context, name) => (count(name, args, 2), sliceOf(name, args[0], 0, Math.max(0, int(name, args[1])))),
  skip: (args, _context, name) => (count(name, args, 2), sliceOf(name, args[0], Math.max(0, int(name, args[1])))),
  union: (args, _context, name) => {
    count(name, args, 2, Infinity);
    if (args.every(Array.isArray)) return (args as unknown[][]).flat().filter((item, i, all) => all.findIndex((other) => deepEqual(other, item)) === i);
    return Object.assign({}, ...args.map((arg) => objectOf(name, arg))) as Record<string, unknown>;
  },
  items: (args, _context, name) => (count(name, args, 1), Object.entries(objectOf(name, args[0])).map(([key, value]) => ({ key, value }))),
};

function compare(name: string, args: unknown[]): number {
  count(name, args, 2);
  const [a, b] = args;
  if (typeof a === "number" && typeof b === "number") return a - b;
  if (typeof a === "string" && typeof b === "string") return a < b ? -1 : a > b ? 1 : 0;
  throw new ExpressionError(`The template function '${name}' expects two integers or two strings.`);
}
const listOf = (name: string, value: unknown): unknown[] => {
  if (!Array.isArray(value)) throw new ExpressionError(`The template function '${name}' expects an array, it got ${typeOf(value)}.`);
  return value;
};
const objectOf = (name: string, value: unknown): Record<string, unknown> => {
  if (typeof value !== "object" || value === null || Array.isArray(value)) throw new ExpressionError(`The template function '${name}' expects an object, it got ${typeOf(value)}.`);
  return value as Record<string, unknown>;
};
const sliceOf = (name: string, value: unknown, start: number, end?: number): unknown =>
  typeof value === "string" ? value.slice(start, end) : listOf(name, value).slice(start, end);

/** The names of every supported function, as documented (docs/templates.md). */
export const FUNCTION_NAMES: readonly string[] = Object.keys(FUNCTIONS).concat("if");

export const isKnownFunction = (name: string): boolean => Object.hasOwn(FUNCTIONS, name.toLowerCase()) || name.toLowerCase() === "if";

export function callFunction(name: string, args: unknown[], context: EvalContext): unknown {
  const fn = FUNCTIONS[name.toLowerCase()];
  if (!fn) throw new ExpressionError(`The template function '${name}' is not valid.`);
  return fn(args, context, name);
}
