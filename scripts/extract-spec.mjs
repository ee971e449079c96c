#!/usr/bin/env node
// Extracts the request schemas of the resources Vitrine serves from the vendored REST spec into
// src/core/spec/*.json, fully resolved ($refs inlined, allOf merged) and cut down to the keywords
// src/core/schema.ts checks. Re-run after changing the spec or the overlay:
//
//   node scripts/extract-spec.mjs [azureSpecDir]
//
// azureSpecDir defaults to ../shared/azure-spec beside the repository. A $ref that refers back to
// a definition being resolved is cut to `{}` (accept anything) and reported.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { argv, stdout } from "node:process";
import { fileURLToPath } from "node:url";

const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "..");
const specRoot = resolve(argv[2] ?? join(repoRoot, "../shared/azure-spec"));

const bundles = [
  {
    file: "2024-03-03/gallery.json",
    out: "gallery-2024-03-03.json",
    roots: [
      "Gallery",
      "GalleryUpdate",
      "GalleryImage",
      "GalleryImageUpdate",
      "GalleryImageVersion",
      "GalleryImageVersionUpdate",
      "GalleryApplication",
      "GalleryApplicationUpdate",
      "GalleryApplicationVersion",
      "GalleryApplicationVersionUpdate",
    ],
  },
  { file: "disk-2025-01-02/DiskRP.json", out: "disk-2025-01-02.json", roots: ["Disk", "DiskUpdate", "Snapshot", "SnapshotUpdate", "GrantAccessData"] },
  { file: "compute-2024-07-01/image.json", out: "image-2024-07-01.json", roots: ["Image", "ImageUpdate"] },
];

// Newer api-versions the SDK sends (2025-03-03) add one property to the publishing profile that
// image versions and application versions share; we serve one superset model.
const overlay = {
  file: "2024-03-03/gallery.json",
  definition: "GalleryArtifactPublishingProfileBase",
  properties: {
    storageAccountStrategy: {
      type: "string",
      enum: ["PreferStandard_ZRS", "DefaultStandard_LRS"],
      "x-ms-enum": { name: "StorageAccountStrategy", modelAsString: true },
    },
  },
};

const files = new Map();
function load(path) {
  let doc = files.get(path);
  if (!doc) {
    doc = JSON.parse(readFileSync(path, "utf8"));
    files.set(path, doc);
  }
  return doc;
}

// The spec's files sit in one folder here: `../../../common-types/` (any depth) is `./common-types/`.
function target(ref, fromFile) {
  const [file, pointer = ""] = ref.replace(/^(\.\.\/)+common-types\//, "./common-types/").split("#");
  const path = file ? resolve(dirname(fromFile), file) : fromFile;
  let node = load(path);
  for (const part of pointer.split("/").filter(Boolean)) {
    node = node?.[part.replace(/~1/g, "/").replace(/~0/g, "~")];
  }
  if (node === undefined) throw new Error(`unresolved $ref ${ref} in ${fromFile}`);
  return { node, path, key: `${path}#${pointer}` };
}

const cycles = new Set();
const scalarKeywords = ["type", "format", "readOnly", "minimum", "maximum", "minLength", "maxLength", "pattern"];

function resolveSchema(node, file, stack) {
  let out = {};
  if (node.$ref) {
    const { node: refNode, path, key } = target(node.$ref, file);
    if (stack.includes(key)) {
      cycles.add(key);
      return {};
    }
    out = resolveSchema(refNode, path, [...stack, key]);
  }
  for (const part of node.allOf ?? []) out = merge(resolveSchema(part, file, stack), out);

  const own = {};
  for (const keyword of scalarKeywords) if (node[keyword] !== undefined) own[keyword] = node[keyword];
  if (node.enum) own.enum = [...node.enum];
  if (node["x-ms-enum"]?.modelAsString === true) own.extensible = true;
  if (node.required) own.required = [...node.required];
  if (node.properties) {
    own.properties = {};
    for (const [name, child] of Object.entries(node.properties)) own.properties[name] = resolveSchema(child, file, stack);
  }
  if (node.items) own.items = resolveSchema(node.items, file, stack);
  if (node.additionalProperties !== undefined) {
    own.additionalProperties =
      typeof node.additionalProperties === "boolean" ? node.additionalProperties : resolveSchema(node.additionalProperties, file, stack);
  }
  out = merge(out, own);
  // Many spec objects omit `"type": "object"`; make it explicit so the checker need not guess.
  if (!out.type && (out.properties || out.additionalProperties)) out.type = "object";
  return out;
}

// Later wins for plain keywords; properties and required are unioned.
function merge(base, over) {
  const out = { ...base, ...over };
  if (base.properties || over.properties) {
    out.properties = { ...base.properties };
    for (const [name, schema] of Object.entries(over.properties ?? {})) {
      out.properties[name] = out.properties[name] ? merge(out.properties[name], schema) : schema;
    }
  }
  if (base.required || over.required) out.required = [...new Set([...(base.required ?? []), ...(over.required ?? [])])];
  return out;
}

// Object keys sorted for stable diffs; arrays (enum order, required) kept as the spec lists them.
function sortKeys(value) {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((key) => [key, sortKeys(value[key])]));
  }
  return value;
}

const overlaid = load(join(specRoot, overlay.file)).definitions[overlay.definition];
for (const [name, schema] of Object.entries(overlay.properties)) {
  overlaid.properties[name] ??= schema;
}

for (const bundle of bundles) {
  const specFile = join(specRoot, bundle.file);
  const out = {};
  for (const name of bundle.roots) {
    const { node, path, key } = target(`#/definitions/${name}`, specFile);
    out[name] = resolveSchema(node, path, [key]);
  }
  const outFile = join(repoRoot, "src/core/spec", bundle.out);
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, `${JSON.stringify(sortKeys(out), null, 2)}\n`);
  stdout.write(`wrote ${outFile}: ${bundle.roots.join(", ")}\n`);
}
if (cycles.size) stdout.write(`cycles cut to {}: ${[...cycles].join(", ")}\n`);
