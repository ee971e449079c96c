import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ArmError } from "../../src/core/errors.js";
import {
  applyUpdate,
  checkArtifactName,
  checkFutureDate,
  checkGalleryName,
  checkIdentifierPart,
  checkMinNotAboveMax,
  mergePatch,
  parseVersionName,
  sameValue,
} from "../../src/core/validate.js";

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (error) {
    return error instanceof ArmError ? `${error.code}:${error.target ?? ""}` : "not-arm";
  }
  return undefined;
};

describe("names", () => {
  it("gallery names: alphanumerics, underscores and periods in the middle, no dashes, up to 80", () => {
    for (const ok of ["g", "myGallery", "my_gallery.1", "a".repeat(80)]) assert.equal(checkGalleryName(ok), undefined, ok);
    for (const bad of ["my-gallery", "_g", "g.", "g_", ".g", "a".repeat(81), "", "g!"]) assert.ok(checkGalleryName(bad), bad);
    assert.equal(checkGalleryName("my-gallery")?.target, "galleryName");
  });

  it("definition and application names allow dashes in the middle", () => {
    for (const ok of ["myImage1", "ubuntu-22.04", "a_b-c.d"]) assert.equal(checkArtifactName(ok, "galleryImageName"), undefined, ok);
    for (const bad of ["-img", "img-", "img.", "a".repeat(81), "im g"]) assert.ok(checkArtifactName(bad, "galleryImageName"), bad);
  });

  it("version names are Major.Minor.Patch within int32, compared numerically", () => {
    assert.deepEqual(parseVersionName("1.03.00"), { major: 1, minor: 3, patch: 0 });
    assert.deepEqual(parseVersionName("2147483647.0.1"), { major: 2147483647, minor: 0, patch: 1 });
    for (const bad of ["1.0", "1.0.0.0", "2147483648.0.0", "a.b.c", "-1.0.0", "latest"]) assert.equal(parseVersionName(bad), undefined, bad);
  });

  it("identifier parts: letters, digits, - . _ ; publisher up to 128, offer and sku up to 64", () => {
    assert.equal(checkIdentifierPart("publisher", "Contoso"), undefined);
    assert.equal(checkIdentifierPart("publisher", "p".repeat(128)), undefined);
    assert.ok(checkIdentifierPart("publisher", "p".repeat(129)));
    assert.ok(checkIdentifierPart("offer", "o".repeat(65)));
    assert.ok(checkIdentifierPart("sku", "sku."));
    assert.ok(checkIdentifierPart("sku", ""));
    assert.equal(checkIdentifierPart("sku", "a b")?.target, "galleryImage.properties.identifier.sku");
  });
});

describe("ranges and dates", () => {
  it("recommended min must not exceed max", () => {
    assert.equal(checkMinNotAboveMax({ min: 1, max: 2 }, "vCPUs"), undefined);
    assert.equal(checkMinNotAboveMax({ min: 2 }, "vCPUs"), undefined);
    assert.equal(checkMinNotAboveMax({ min: 3, max: 2 }, "vCPUs")?.code, "InvalidParameter");
  });

  it("end-of-life dates must lie in the future", () => {
    const now = new Date("2026-01-01T00:00:00Z");
    assert.equal(checkFutureDate("2030-01-01", now, "t"), undefined);
    assert.equal(checkFutureDate("2020-01-01T00:00:00Z", now, "t")?.message, "EndOfLifeDate must be set to a future date.");
  });
});

describe("applyUpdate: only documented properties may change", () => {
  const old = { osType: "Linux", description: "a", identifier: { publisher: "p", offer: "o", sku: "s" }, features: [{ name: "x", value: "1" }] };

  it("takes updatable values, including removal", () => {
    assert.deepEqual(applyUpdate(old, { ...old, description: "b" }, ["description"], "galleryImage").description, "b");
    assert.equal(applyUpdate(old, { osType: "Linux", identifier: old.identifier }, ["description"], "galleryImage").description, undefined);
  });

  it("keeps what an update omits and compares enums case-insensitively", () => {
    const next = applyUpdate(old, { osType: "linux" }, ["description"], "galleryImage");
    assert.deepEqual(next.identifier, old.identifier);
    assert.equal(next.osType, "Linux");
  });

  it("refuses a change of anything else, naming the property path", () => {
    assert.equal(codeOf(() => applyUpdate(old, { ...old, osType: "Windows" }, [], "galleryImage")), "PropertyChangeNotAllowed:galleryImage.properties.osType");
    assert.equal(
      codeOf(() => applyUpdate(old, { ...old, identifier: { ...old.identifier, sku: "t" } }, [], "galleryImage")),
      "PropertyChangeNotAllowed:galleryImage.properties.identifier.sku",
    );
    assert.equal(codeOf(() => applyUpdate(old, { ...old, features: [] }, [], "galleryImage")), "PropertyChangeNotAllowed:galleryImage.properties.features");
    assert.equal(codeOf(() => applyUpdate(old, { ...old, eula: "new" }, [], "galleryImage")), "PropertyChangeNotAllowed:galleryImage.properties.eula");
  });

  it("dates compare by instant", () => {
    assert.ok(sameValue("2030-01-01T12:59:59Z", "2030-01-01T12:59:59.000Z"));
    assert.ok(!sameValue("2030-01-01T12:59:59Z", "2030-01-02T12:59:59Z"));
  });
});

describe("mergePatch", () => {
  it("merges objects and replaces arrays and scalars", () => {
    assert.deepEqual(mergePatch({ a: { b: 1, c: 2 }, d: [1] }, { a: { c: 3 }, d: [2] }), { a: { b: 1, c: 3 }, d: [2] });
  });
});
