import { it } from "node:test";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { renderCliReference } from "../../cli/reference.js";

it("docs/cli.md is the current --help of every command (regenerate with npm run docs:cli)", () => {
  assert.equal(readFileSync("docs/cli.md", "utf8"), renderCliReference());
});
