// docs/errors.md must list every code the catalogue can emit, with its HTTP status.
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { ArmError, errors } from "../../src/core/errors.js";

describe("error catalogue", () => {
  const produced = Object.entries(errors).map(([name, factory]) => {
    const args = Array.from({ length: factory.length }, () => ["sample-value"]);
    const error = (factory as (...a: unknown[]) => ArmError)(...args);
    return { name, error };
  });

  it("every factory yields an ArmError with a message", () => {
    for (const { name, error } of produced) {
      assert.ok(error instanceof ArmError, name);
      assert.ok(error.message.length > 10, name);
      assert.ok(error.status >= 400 && error.status < 600, name);
    }
  });

  it("docs/errors.md lists every code with its status", () => {
    const doc = readFileSync("docs/errors.md", "utf8");
    for (const { name, error } of produced) {
      const row = doc.split("\n").find((line) => line.startsWith(`| \`${error.code}\` |`) && line.includes(`| ${error.status} |`));
      assert.ok(row, `docs/errors.md has no row for ${error.code} (${error.status}), emitted by errors.${name}`);
    }
  });
});
