// The template engine without I/O: uniqueString against Azure's own results, expressions and
// functions, parameters, copy loops, nested resources, dependency order, and the refusals.

import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { ArmError } from "../../src/core/errors.js";
import { parseExpression } from "../../src/core/templates/expression.js";
import type { TemplateScope } from "../../src/core/templates/functions.js";
import { parseJsonWithComments } from "../../src/core/templates/jsonc.js";
import { evaluateOutputs, evaluateResourceBody, NeedsReference, planDeployment } from "../../src/core/templates/template.js";
import { armGuid, uniqueString } from "../../src/core/templates/unique-string.js";

const SUB = "00000000-0000-0000-0000-000000000000";
const scope: TemplateScope = {
  subscriptionId: SUB,
  tenantId: "11111111-1111-1111-1111-111111111111",
  subscriptionDisplayName: "Default",
  resourceGroup: { name: "my-rg", location: "westus", tags: {} },
  deploymentName: "d1",
  now: new Date("2024-05-06T07:08:09.123Z"),
  sha1: (data) => createHash("sha1").update(data).digest(),
};
type Json = Record<string, unknown>;

/** The value of output `value` of a template with no resources. */
const evaluate = (value: unknown, parameters: Json = {}, declared: Json = {}, variables: Json = {}): unknown => {
  const plan = planDeployment({ parameters: declared, variables, resources: [], outputs: { out: { type: "object", value } } }, parameters, scope);
  return evaluateOutputs(plan, () => assert.fail("no reference expected")).out?.value;
};

const refusal = (fn: () => unknown): { code: string; message: string; target?: string } => {
  try {
    fn();
  } catch (error) {
    if (error instanceof ArmError) return { code: error.code, message: error.message, ...(error.target !== undefined && { target: error.target }) };
    throw error;
  }
  return assert.fail("expected a refusal");
};

describe("uniqueString and guid", () => {
  it("give Azure's results for the same inputs", () => {
    // Results Azure Resource Manager deployments returned for these inputs.
    assert.equal(uniqueString(["aaa"]), "zavj67f3en4hc");
    assert.equal(uniqueString(["bbb"]), "w5eragfxe33cy");
    assert.equal(uniqueString(["zzz"]), "cryksdzzzawae");
    assert.equal(uniqueString(["xxx", "yyy", "zzz"]), "lghi7k5js7itq");
    assert.equal(uniqueString(["test"]), "rbgf3xv4ufgzg");
    assert.equal(uniqueString(["hello", "world"]), "a7wkljktk6wne");
    assert.equal(uniqueString([`/subscriptions/${SUB}/resourceGroups/my-rg`]), "bmg7c6xu4tw46");
    assert.equal(evaluate("[uniqueString(resourceGroup().id)]"), "bmg7c6xu4tw46", "the template function hashes the group's id");
  });

  it("guid is a deterministic version-5 UUID of the dash-joined inputs", () => {
    const value = armGuid(["a", "b"], scope.sha1);
    assert.match(value, /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(value, armGuid(["a-b"], scope.sha1));
    assert.notEqual(value, armGuid(["a", "c"], scope.sha1));
    // The RFC 4122 UUID v5 of "a" in ARM's namespace 11fb06fb-712d-4ddd-98c7-e71bbd588830 (checked with node:crypto's SHA-1).
    assert.equal(armGuid(["a"], scope.sha1), "3703365d-5a9f-59b4-bca7-b9681389e4c1");
  });
});

describe("expressions and functions", () => {
  it("parses calls, strings with escaped quotes, numbers, properties and indexes", () => {
    assert.deepEqual(parseExpression("concat('it''s', -1)"), { kind: "call", name: "concat", args: [{ kind: "string", value: "it's" }, { kind: "number", value: -1 }] });
    assert.equal(parseExpression("resourceGroup().location").kind, "property");
    assert.equal(parseExpression("split('a,b', ',')[1]").kind, "index");
  });

  it("evaluates the functions gallery templates use", () => {
    assert.equal(evaluate("[concat('a', 1, true())]"), "a1true");
    assert.equal(evaluate("[format('{0}-{1}', 'x', 2)]"), "x-2");
    assert.deepEqual(evaluate("[resourceGroup()]"), { id: `/subscriptions/${SUB}/resourceGroups/my-rg`, name: "my-rg", type: "Microsoft.Resources/resourceGroups", location: "westus", tags: {}, properties: { provisioningState: "Succeeded" } });
    assert.equal(evaluate("[subscription().subscriptionId]"), SUB);
    assert.equal(evaluate("[resourceId('Microsoft.Compute/galleries/images', 'g', 'i')]"), `/subscriptions/${SUB}/resourceGroups/my-rg/providers/Microsoft.Compute/galleries/g/images/i`);
    assert.equal(evaluate("[resourceId('other-rg', 'Microsoft.Compute/galleries', 'g')]"), `/subscriptions/${SUB}/resourceGroups/other-rg/providers/Microsoft.Compute/galleries/g`);
    assert.equal(evaluate("[toLower('ABC')]"), "abc");
    assert.equal(evaluate("[if(equals(parameters('os'), 'Linux'), 'V2', 'V1')]", { os: { value: "Linux" } }, { os: { type: "string" } }), "V2");
    assert.equal(evaluate("[if(true(), 'yes', parameters('missing'))]"), "yes", "if() evaluates only the branch it takes");
    assert.equal(evaluate("[variables('b')]", {}, {}, { a: "x", b: "[concat(variables('a'), 'y')]" }), "xy");
    assert.equal(evaluate("[length(createArray(1, 2, 3))]"), 3);
    assert.deepEqual(evaluate("[json('{\"a\":1}')]"), { a: 1 });
    assert.equal(evaluate("[[not an expression]"), "[not an expression]", "[[ escapes a literal bracket");
    assert.deepEqual(evaluate({ copy: [{ name: "disks", count: 2, input: { lun: "[copyIndex('disks')]" } }] }), { disks: [{ lun: 0 }, { lun: 1 }] });
  });

  it("refuses unknown functions and malformed expressions, naming where", () => {
    const unknown = refusal(() => evaluate("[nope()]"));
    assert.equal(unknown.code, "InvalidTemplate");
    assert.equal(unknown.target, "outputs.out.value");
    assert.match(unknown.message, /'nope' is not valid/);
    assert.match(refusal(() => evaluate("[concat('a']")).message, /Expected '\)'/);
    assert.match(refusal(() => evaluate("['unterminated]")).message, /not terminated/);
    assert.match(refusal(() => planDeployment({ variables: { v: "[reference('x')]" } }, {}, scope)).message, /'reference' is not expected at this location/);
  });
});

describe("parameters", () => {
  const declared = { count: { type: "int", minValue: 1, maxValue: 5, defaultValue: 2 }, os: { type: "string", allowedValues: ["Linux", "Windows"] }, on: { type: "bool", defaultValue: false } };
  const plan = (values: Json) => planDeployment({ parameters: declared, resources: [] }, values, scope);

  it("converts values to their declared types and keeps defaults", () => {
    const shown = plan({ count: { value: "3" }, os: { value: "Linux" }, on: { value: "true" } }).parameters;
    assert.deepEqual(shown, { count: { type: "Int", value: 3 }, os: { type: "String", value: "Linux" }, on: { type: "Bool", value: true } });
    assert.deepEqual(plan({ os: { value: "Windows" } }).parameters.count, { type: "Int", value: 2 });
  });

  it("refuses a missing value, an unknown name, a wrong type, a value out of range or not allowed", () => {
    assert.equal(refusal(() => plan({})).target, "parameters.os");
    assert.match(refusal(() => plan({ os: { value: "Linux" }, extra: { value: 1 } })).message, /'extra'.*not present in the original template/);
    assert.match(refusal(() => plan({ os: { value: "Linux" }, count: { value: "three" } })).message, /Expected a value of type 'Int'/);
    assert.match(refusal(() => plan({ os: { value: "Linux" }, count: { value: 6 } })).message, /greater than the maximum value '5'/);
    assert.match(refusal(() => plan({ os: { value: "Mac" } })).message, /allowed value/);
    assert.equal(refusal(() => plan({ os: { reference: { keyVault: {} } } })).code, "InvalidDeploymentParameterValue");
  });
});

describe("resources: loops, nesting and order", () => {
  const gallery = (name: string, extra: Json = {}) => ({ type: "Microsoft.Compute/galleries", apiVersion: "2022-03-03", name, location: "westus", ...extra });

  it("expands copy loops and nested children, orders children after parents and referenced resources", () => {
    const plan = planDeployment(
      {
        resources: [
          gallery("g", { resources: [{ type: "images", apiVersion: "2022-03-03", name: "[concat('d', copyIndex())]", copy: { name: "defs", count: 2 } }] }),
          gallery("other", { properties: { description: "[reference('g').description]" } }),
          gallery("last", { dependsOn: ["defs"] }),
        ],
      },
      {},
      scope,
    );
    assert.deepEqual(plan.resources.map((r) => [r.type, r.name, r.dependsOn]), [
      ["Microsoft.Compute/galleries", "g", []],
      ["Microsoft.Compute/galleries/images", "g/d0", [0]],
      ["Microsoft.Compute/galleries/images", "g/d1", [0]],
      ["Microsoft.Compute/galleries", "other", [0]],
      ["Microsoft.Compute/galleries", "last", [1, 2]],
    ]);
    assert.equal(plan.resources[1]?.id, `/subscriptions/${SUB}/resourceGroups/my-rg/providers/Microsoft.Compute/galleries/g/images/d0`);
  });

  it("runs a serial loop one batch after another", () => {
    const plan = planDeployment({ resources: [gallery("[concat('g', copyIndex())]", { copy: { name: "l", count: 4, mode: "serial", batchSize: 2 } })] }, {}, scope);
    assert.deepEqual(plan.resources.map((r) => r.dependsOn), [[], [], [0, 1], [0, 1]]);
  });

  it("refuses a cycle and a dependency on nothing in the template, naming where", () => {
    const cycle = refusal(() => planDeployment({ resources: [gallery("a", { dependsOn: ["b"] }), gallery("b", { dependsOn: ["[resourceId('Microsoft.Compute/galleries', 'a')]"] })] }, {}, scope));
    assert.match(cycle.message, /Circular dependency detected on resource: '.*galleries\/a'/);
    assert.equal(cycle.target, "resources[0]");
    assert.equal(refusal(() => planDeployment({ resources: [gallery("a", { dependsOn: ["nothing"] })] }, {}, scope)).target, "resources[0].dependsOn[0]");
    assert.equal(refusal(() => planDeployment({ resources: [gallery("a/b")] }, {}, scope)).target, "resources[0].name");
    assert.equal(refusal(() => planDeployment({ resources: [{ type: "Microsoft.Compute/galleries", name: "a" }] }, {}, scope)).target, "resources[0].apiVersion");
  });

  it("evaluates a resource's body with reference(), asking for what it has not read yet", () => {
    const plan = planDeployment({ resources: [gallery("a"), gallery("b", { tags: { from: "[reference('a').description]" }, properties: { description: "[concat('after ', 'a')]" } })] }, {}, scope);
    const b = plan.resources[1];
    assert.ok(b);
    assert.throws(() => evaluateResourceBody(plan, b, (id) => { throw new NeedsReference(id, undefined); }), NeedsReference);
    const body = evaluateResourceBody(plan, b, (id, apiVersion) => (assert.equal(apiVersion, "2022-03-03"), { description: `read ${id.split("/").pop()}` }));
    assert.deepEqual(body, { location: "westus", tags: { from: "read a" }, properties: { description: "after a" } });
  });
});

describe("JSON with comments", () => {
  it("reads comments, trailing commas and the unquoted key az sends", () => {
    assert.deepEqual(parseJsonWithComments('{"properties": {"mode": "Incremental", template: { // c\n "a": [1, true, null,], /* x */ "b": "http://x//y", }}}'), {
      properties: { mode: "Incremental", template: { a: [1, true, null], b: "http://x//y" } },
    });
  });
});
