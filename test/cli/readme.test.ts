// The README's quick starts, run as written (with `npx vitrine` pointed at this build): the
// SDK example and the az steps must keep working.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { startTestServer, type TestServer } from "../support/server.js";

const BIN = resolve("dist/cli/vitrine.js");
const readme = readFileSync("README.md", "utf8");

/** The fenced blocks of language `lang` under the heading that starts with `heading`. */
function blocks(heading: string, lang: string): string[] {
  const section = readme.split(/^## /m).find((s) => s.startsWith(heading));
  assert.ok(section, `README has a section "${heading}"`);
  return [...section.matchAll(new RegExp("```" + lang + "\\n([\\s\\S]*?)```", "g"))].map((m) => m[1] ?? "");
}

/** Runs README shell lines with `npx vitrine` meaning this build; `npm install` lines are skipped. */
function shell(lines: string, dataDir: string, extra = "", cwd?: string): Promise<{ stdout: string; stderr: string }> {
  const script = [
    "set -euo pipefail",
    `export VITRINE_DATA_DIR='${dataDir}'`,
    `vitrine() { node '${BIN}' "$@"; }`,
    lines.replace(/npx vitrine/g, "vitrine").split("\n").filter((l) => !l.startsWith("npm install")).join("\n"),
    extra,
  ].join("\n");
  return promisify(execFile)("bash", ["-c", script], { cwd, env: { ...process.env, AZURE_CORE_COLLECT_TELEMETRY: "false", AZURE_CORE_NO_COLOR: "true" } });
}

describe("README quick starts", () => {
  let server: TestServer;
  before(async () => {
    server = await startTestServer();
  });
  after(() => server.close());

  it("the SDK example creates a gallery", async () => {
    const [setup] = blocks("Quick start with the Azure SDK", "sh");
    const [example] = blocks("Quick start with the Azure SDK", "js");
    assert.ok(setup && example);
    const file = resolve("dist/readme-example.mjs");
    writeFileSync(file, example);
    const { stdout } = await shell(setup, server.dataDir, `node '${file}'`);
    assert.match(stdout, /name: 'myGallery'/);
    assert.match(stdout, /description: 'golden images'/);
  });

  it("the az steps create a gallery and a definition", async () => {
    const [steps] = blocks("Quick start with az", "sh");
    assert.ok(steps);
    const { stdout } = await shell(steps, server.dataDir);
    assert.match(stdout, /myImage1/);
    assert.match(stdout, /Contoso/);
  });

  it("the publishing steps upload an image, replicate it and download it from the other region", async () => {
    const [steps] = blocks("Publishing an image version", "sh");
    assert.ok(steps);
    const dir = mkdtempSync(join(tmpdir(), "vitrine-readme-"));
    await shell(steps, server.dataDir, "", dir);
    const copy = statSync(join(dir, "copy.raw"));
    assert.equal(copy.size, 64 * 1024 * 1024, "the downloaded disk has the image's virtual size");
    rmSync(dir, { recursive: true, force: true });
  });
});
