import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { conform, gallerySchemas, type ConformOptions, type GallerySchemaName, type Schema } from "../../src/core/schema.js";
import { ArmError } from "../../src/core/errors.js";

const create = (root: string): ConformOptions => ({ root, requireRequired: true });
const patch = (root: string): ConformOptions => ({ root, requireRequired: false });

function rejects(run: () => unknown, expected: Partial<Pick<ArmError, "status" | "code" | "message" | "target">>): void {
  assert.throws(run, (error: unknown) => {
    assert.ok(error instanceof ArmError, `expected an ArmError, got ${String(error)}`);
    for (const [key, value] of Object.entries(expected)) assert.equal(error[key as keyof typeof expected], value, key);
    return true;
  });
}

// The request body of examples/galleryExamples/GalleryImage_Create.json (spec 2024-03-03).
const imageDefinition = {
  location: "West US",
  properties: {
    osType: "Windows",
    osState: "Generalized",
    hyperVGeneration: "V1",
    identifier: { publisher: "myPublisherName", offer: "myOfferName", sku: "mySkuName" },
  },
};

test("the documented image definition body round-trips", () => {
  const out = conform(imageDefinition, gallerySchemas.GalleryImage, create("galleryImage"));
  assert.deepEqual(out, imageDefinition);
  assert.notEqual(out, imageDefinition);
});

// Request bodies copied from the spec's examples/galleryExamples/*_{Create,Update}*.json
// (test/fixtures/spec-examples/<resource>.json maps example name -> body). "_Update" examples
// are PATCH bodies.
const examples: Array<[file: string, schema: GallerySchemaName, root: string]> = [
  ["galleries.json", "Gallery", "gallery"],
  ["gallery-images.json", "GalleryImage", "galleryImage"],
  ["gallery-image-versions.json", "GalleryImageVersion", "galleryImageVersion"],
  ["gallery-applications.json", "GalleryApplication", "galleryApplication"],
  ["gallery-application-versions.json", "GalleryApplicationVersion", "galleryApplicationVersion"],
];

for (const [file, schemaName, root] of examples) {
  const bodies = JSON.parse(readFileSync(join(process.cwd(), "test/fixtures/spec-examples", file), "utf8")) as Record<string, unknown>;
  for (const [example, body] of Object.entries(bodies)) {
    test(`spec example ${example} is accepted unchanged`, () => {
      const isPatch = example.includes("_Update");
      const schema = gallerySchemas[isPatch ? (`${schemaName}Update` as GallerySchemaName) : schemaName];
      assert.deepEqual(conform(body, schema, isPatch ? patch(root) : create(root)), body);
    });
  }
}

test("every gallery schema is present and typed as an object", () => {
  for (const name of Object.keys(gallerySchemas) as GallerySchemaName[]) {
    assert.equal(gallerySchemas[name].type, "object", name);
    assert.ok(gallerySchemas[name].properties?.properties, name);
  }
  assert.equal(Object.keys(gallerySchemas).length, 10);
});

test("enum values come out in the spec's casing", () => {
  const image = conform(
    { ...imageDefinition, properties: { ...imageDefinition.properties, osType: "linux", osState: "GENERALIZED", architecture: "arm64" } },
    gallerySchemas.GalleryImage,
    create("galleryImage"),
  ) as { properties: Record<string, unknown> };
  assert.equal(image.properties.osType, "Linux");
  assert.equal(image.properties.osState, "Generalized");
  assert.equal(image.properties.architecture, "Arm64");

  const version = conform(
    {
      location: "westus",
      properties: {
        publishingProfile: {
          storageAccountType: "standard_zrs",
          storageAccountStrategy: "preferstandard_zrs",
          targetRegions: [{ name: "westus", storageAccountType: "premium_lrs" }],
        },
        storageProfile: { osDiskImage: { hostCaching: "readonly" } },
      },
    },
    gallerySchemas.GalleryImageVersion,
    create("galleryImageVersion"),
  );
  assert.deepEqual(version, {
    location: "westus",
    properties: {
      publishingProfile: {
        storageAccountType: "Standard_ZRS",
        storageAccountStrategy: "PreferStandard_ZRS",
        targetRegions: [{ name: "westus", storageAccountType: "Premium_LRS" }],
      },
      storageProfile: { osDiskImage: { hostCaching: "ReadOnly" } },
    },
  });
});

test("a value outside a fixed enum is refused with InvalidParameter on its path", () => {
  rejects(
    () => conform({ ...imageDefinition, properties: { ...imageDefinition.properties, osType: "Foo" } }, gallerySchemas.GalleryImage, create("galleryImage")),
    {
      status: 400,
      code: "InvalidParameter",
      message: "The value 'Foo' is not valid for property 'osType'. Allowed values are: Windows, Linux.",
      target: "galleryImage.properties.osType",
    },
  );
  rejects(
    () =>
      conform(
        { properties: { storageProfile: { dataDiskImages: [{ lun: 0, hostCaching: "Sometimes" }] } } },
        gallerySchemas.GalleryImageVersionUpdate,
        patch("galleryImageVersion"),
      ),
    { code: "InvalidParameter", target: "galleryImageVersion.properties.storageProfile.dataDiskImages[0].hostCaching" },
  );
});

test("an extensible enum keeps an unknown value as given", () => {
  const out = conform(
    { properties: { hyperVGeneration: "V3", architecture: "riscv64" } },
    gallerySchemas.GalleryImageUpdate,
    patch("galleryImage"),
  );
  assert.deepEqual(out, { properties: { hyperVGeneration: "V3", architecture: "riscv64" } });
});

test("read-only properties are dropped silently", () => {
  const out = conform(
    {
      id: "/subscriptions/s/resourceGroups/rg/providers/Microsoft.Compute/galleries/g",
      name: "g",
      type: "Microsoft.Compute/galleries",
      location: "westus",
      properties: {
        description: "mine",
        identifier: { uniqueName: "00000000-0000-0000-0000-000000000000-G" },
        provisioningState: "Succeeded",
        sharingProfile: { permissions: "Groups", groups: [{ type: "Subscriptions", ids: ["x"] }] },
      },
      identity: { type: "UserAssigned", principalId: "p", userAssignedIdentities: { "/subscriptions/s/x/id": { principalId: "p", clientId: "c" } } },
    },
    gallerySchemas.Gallery,
    create("gallery"),
  );
  assert.deepEqual(out, {
    location: "westus",
    properties: { description: "mine", identifier: {}, sharingProfile: { permissions: "Groups" } },
    identity: { type: "UserAssigned", userAssignedIdentities: { "/subscriptions/s/x/id": {} } },
  });
});

test("numeric and boolean strings are converted as JSON.NET does", () => {
  const out = conform(
    {
      properties: {
        recommended: { vCPUs: { min: "1", max: 8 }, memory: { min: " 2 " } },
        allowUpdateImage: "true",
        description: 42,
      },
    },
    gallerySchemas.GalleryImageUpdate,
    patch("galleryImage"),
  );
  assert.deepEqual(out, {
    properties: { recommended: { vCPUs: { min: 1, max: 8 }, memory: { min: 2 } }, allowUpdateImage: true, description: "42" },
  });
});

test("a value of the wrong type is refused with InvalidRequestContent and JSON.NET's path", () => {
  const image = (recommended: unknown) => ({ properties: { recommended } });
  rejects(() => conform(image({ vCPUs: { min: "abc" } }), gallerySchemas.GalleryImageUpdate, patch("galleryImage")), {
    status: 400,
    code: "InvalidRequestContent",
    message:
      "The request content was invalid and could not be deserialized: Error converting value \"abc\" to type 'System.Int32'. Path 'properties.recommended.vCPUs.min'.",
  });
  rejects(() => conform(image({ vCPUs: { min: 1.5 } }), gallerySchemas.GalleryImageUpdate, patch("galleryImage")), {
    code: "InvalidRequestContent",
  });
  rejects(() => conform(image("big"), gallerySchemas.GalleryImageUpdate, patch("galleryImage")), {
    code: "InvalidRequestContent",
  });
  rejects(
    () => conform({ properties: { allowUpdateImage: "yes" } }, gallerySchemas.GalleryImageUpdate, patch("galleryImage")),
    { message: "The request content was invalid and could not be deserialized: Error converting value \"yes\" to type 'System.Boolean'. Path 'properties.allowUpdateImage'." },
  );
  rejects(
    () => conform({ properties: { publishingProfile: { targetRegions: { name: "westus" } } } }, gallerySchemas.GalleryImageVersionUpdate, patch("galleryImageVersion")),
    { code: "InvalidRequestContent" },
  );
});

test("an int32 overflow is refused", () => {
  rejects(
    () =>
      conform(
        { properties: { publishingProfile: { targetRegions: [{ name: "westus", regionalReplicaCount: 2147483648 }] } } },
        gallerySchemas.GalleryImageVersionUpdate,
        patch("galleryImageVersion"),
      ),
    {
      status: 400,
      code: "InvalidRequestContent",
      message:
        "The request content was invalid and could not be deserialized: JSON integer 2147483648 is too large or small for an Int32. Path 'properties.publishingProfile.targetRegions[0].regionalReplicaCount'.",
    },
  );
  const atLimit = conform({ properties: { publishingProfile: { replicaCount: 2147483647 } } }, gallerySchemas.GalleryImageVersionUpdate, patch("v"));
  assert.deepEqual(atLimit, { properties: { publishingProfile: { replicaCount: 2147483647 } } });
});

test("dates must parse as ISO 8601 and keep the client's text", () => {
  for (const date of ["2030-01-01", "2030-01-01T12:59:59.000Z", "2019-07-01T07:00:00+02:00"]) {
    const out = conform({ properties: { endOfLifeDate: date } }, gallerySchemas.GalleryImageUpdate, patch("galleryImage"));
    assert.deepEqual(out, { properties: { endOfLifeDate: date } });
  }
  rejects(() => conform({ properties: { endOfLifeDate: "abc" } }, gallerySchemas.GalleryImageUpdate, patch("galleryImage")), {
    status: 400,
    code: "InvalidRequestContent",
    message: "The request content was invalid and could not be deserialized: Could not convert string to DateTimeOffset: abc. Path 'properties.endOfLifeDate'.",
  });
  for (const date of ["2030-02-30", "2030-13-01", "2030-01-01T25:00:00Z"]) {
    rejects(() => conform({ properties: { endOfLifeDate: date } }, gallerySchemas.GalleryImageUpdate, patch("galleryImage")), {
      code: "InvalidRequestContent",
    });
  }
});

test("required properties are checked only when asked", () => {
  const body = { location: "westus", properties: { osType: "Linux", osState: "Generalized", identifier: { offer: "o", sku: "s" } } };
  rejects(() => conform(body, gallerySchemas.GalleryImage, create("galleryImage")), {
    status: 400,
    code: "InvalidParameter",
    message: "Required parameter 'galleryImage.properties.identifier.publisher' is missing (null).",
    target: "galleryImage.properties.identifier.publisher",
  });
  assert.deepEqual(conform(body, gallerySchemas.GalleryImage, patch("galleryImage")), body);
  // null is absent
  rejects(() => conform({ ...imageDefinition, location: null }, gallerySchemas.GalleryImage, create("galleryImage")), {
    target: "galleryImage.location",
  });
  rejects(() => conform(null, gallerySchemas.GalleryImageUpdate, patch("galleryImage")), {
    code: "InvalidParameter",
    target: "galleryImage",
  });
});

test("tags keep their keys; unknown properties are dropped; property names bind case-insensitively", () => {
  const body: unknown = JSON.parse(
    '{"location":"westus","Tags":{"env":"prod","cost center":12,"__proto__":"kept"},"systemData":{"createdBy":"me"},' +
      '"properties":{"Description":"d","madeUp":{"deep":true},"identifier":{"flavour":"x"}}}',
  );
  const out = conform(
    body,
    gallerySchemas.Gallery,
    create("gallery"),
  );
  assert.deepEqual(out, JSON.parse('{"location":"westus","tags":{"env":"prod","cost center":"12","__proto__":"kept"},"properties":{"description":"d","identifier":{}}}'));
  assert.equal(Object.getPrototypeOf((out as { tags: object }).tags), Object.prototype);
  assert.deepEqual(
    conform({ properties: { publishingProfile: { source: { mediaLink: "u" }, advancedSettings: { a: "1" } } } }, gallerySchemas.GalleryApplicationVersionUpdate, patch("v")),
    { properties: { publishingProfile: { source: { mediaLink: "u" }, advancedSettings: { a: "1" } } } },
  );
});

test("bounds, lengths and patterns are refused with InvalidParameter naming the property", () => {
  const schema: Schema = {
    type: "object",
    properties: {
      count: { type: "integer", format: "int32", minimum: 1, maximum: 100 },
      name: { type: "string", minLength: 1, maxLength: 5, pattern: "^[a-z]+$" },
    },
  };
  assert.deepEqual(conform({ count: "100", name: "abc" }, schema, create("thing")), { count: 100, name: "abc" });
  rejects(() => conform({ count: 0 }, schema, create("thing")), {
    code: "InvalidParameter",
    message: "The value 0 of parameter 'count' is out of range. The value must be between 1 and 100, inclusive.",
    target: "thing.count",
  });
  rejects(() => conform({ name: "abcdef" }, schema, create("thing")), {
    code: "InvalidParameter",
    message: "The length 6 of parameter 'name' is out of range. The length must be between 1 and 5, inclusive.",
    target: "thing.name",
  });
  rejects(() => conform({ name: "ab1" }, schema, create("thing")), {
    code: "InvalidParameter",
    message: "The value 'ab1' of parameter 'name' does not match the pattern '^[a-z]+$'.",
    target: "thing.name",
  });
});
