// Template deployments through the real Azure CLI 2.45: `az deployment group create` with a
// template file and --parameters (az sends the file spliced into the body as JSON with comments),
// `validate`, `show` and `az deployment operation group list`, against a server in this process.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startTestServer, type TestServer } from "../support/server.js";

const AZ = "/usr/bin/az";
const RG = "rg-az-templates";
const QUICKSTART = "test/fixtures/templates/gallery-quickstart.json";
const LOOP = "test/fixtures/templates/definitions-loop.json";
type Json = Record<string, unknown>;

describe("template deployments through az 2.45", { skip: existsSync(AZ) ? false : `${AZ} is not installed` }, () => {
  let server: TestServer;
  let configDir: string;

  /** Runs `az <args> -o json`; resolves with the exit code, output and parsed JSON. */
  const az = (...args: string[]): Promise<{ code: number; stderr: string; json: unknown }> =>
    new Promise((resolve, reject) => {
      const env = { ...process.env, AZURE_CONFIG_DIR: configDir, AZURE_CORE_COLLECT_TELEMETRY: "false", AZURE_CORE_ONLY_SHOW_ERRORS: "true", AZURE_CORE_NO_COLOR: "true" };
      execFile(AZ, [...args, "-o", "json"], { env, timeout: 120_000, maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : -1;
        if (code === -1) return reject(new Error(`az ${args.join(" ")} did not finish: ${error?.message}\n${stderr}`));
        resolve({ code, stderr, json: code === 0 && stdout.trim() !== "" ? JSON.parse(stdout) : undefined });
      });
    });
  const ok = async (...args: string[]): Promise<Json> => {
    const result = await az(...args);
    assert.equal(result.code, 0, `az ${args.join(" ")} exited ${result.code}:\n${result.stderr}`);
    return result.json as Json;
  };

  before(async () => {
    server = await startTestServer();
    configDir = mkdtempSync(join(tmpdir(), "vitrine-az-templates-"));
    const { endpoint, tenantId, clientId, clientSecret } = server.connection;
    await ok("cloud", "register", "-n", "VitrineTemplates", "--endpoint-resource-manager", `${endpoint}/`);
    await ok("cloud", "set", "-n", "VitrineTemplates");
    await ok("login", "--service-principal", "-u", clientId, "-p", clientSecret, "--tenant", tenantId);
    await ok("group", "create", "-n", RG, "-l", "westus");
  });
  after(async () => {
    await server?.close();
    if (configDir) rmSync(configDir, { recursive: true, force: true });
  });

  it("deploys the quickstart template with --parameters, and shows it and its outputs", async () => {
    const created = await ok("deployment", "group", "create", "-g", RG, "-n", "quickstart", "--template-file", QUICKSTART, "--parameters", "galleryName=azGallery", "minVCPUs=2");
    const properties = created.properties as Json;
    assert.equal(properties.provisioningState, "Succeeded");
    const outputs = properties.outputs as Record<string, { value: unknown }>;
    assert.equal(outputs.versionState?.value, "Succeeded");
    assert.equal(outputs.publisher?.value, "contoso");
    assert.match(String(outputs.galleryId?.value), /\/resourceGroups\/rg-az-templates\/providers\/Microsoft\.Compute\/galleries\/azGallery$/);

    const shown = await ok("deployment", "group", "show", "-g", RG, "-n", "quickstart");
    assert.deepEqual((shown.properties as Json).outputs, properties.outputs);
    const definition = await ok("sig", "image-definition", "show", "-g", RG, "-r", "azGallery", "-i", "ubuntu-server");
    // az's output turns the SDK's v_cp_us back into "vCpUs".
    assert.deepEqual(definition.recommended, { vCpUs: { min: 2, max: 8 }, memory: { min: 1, max: 32 } }, "integers, though the template wrote strings");

    const operations = (await ok("deployment", "operation", "group", "list", "-g", RG, "-n", "quickstart")) as unknown as { properties: Json }[];
    assert.equal(operations.length, 5);
    assert.ok(operations.every((o) => o.properties.provisioningState === "Succeeded"));
    const types = operations.map((o) => (o.properties.targetResource as Json).resourceType).sort();
    assert.deepEqual(types, ["Microsoft.Compute/disks", "Microsoft.Compute/galleries", "Microsoft.Compute/galleries/images", "Microsoft.Compute/galleries/images/versions", "Microsoft.Compute/images"]);
  });

  it("validates a template with a copy loop, and refuses one with an unknown function", async () => {
    const valid = await ok("deployment", "group", "validate", "-g", RG, "--template-file", LOOP, "--parameters", "galleryName=azLoop");
    assert.equal((valid.properties as Json).provisioningState, "Succeeded");
    assert.equal(((valid.properties as Json).validatedResources as unknown[]).length, 4);

    const bad = join(configDir, "bad.json");
    writeFileSync(bad, JSON.stringify({
      $schema: "https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#",
      contentVersion: "1.0.0.0",
      // A comment-free file; az still sends it spliced in, unquoted key and all.
      resources: [{ type: "Microsoft.Compute/galleries", apiVersion: "2022-03-03", name: "[noSuchFunction()]", location: "westus" }],
    }));
    const refused = await az("deployment", "group", "validate", "-g", RG, "--template-file", bad);
    assert.notEqual(refused.code, 0);
    assert.match(refused.stderr, /InvalidTemplate/);
    assert.match(refused.stderr, /noSuchFunction/);
  });

  it("deploys the copy loop from a template with comments", async () => {
    const commented = join(configDir, "commented.json");
    writeFileSync(commented, `// three definitions\n${JSON.stringify(JSON.parse(readFileSync(LOOP, "utf8")), null, 2).replace('"resources": [', '"resources": [ /* gallery first */')}`);
    const created = await ok("deployment", "group", "create", "-g", RG, "-n", "loop", "--template-file", commented, "--parameters", "galleryName=azLoop", "count=3");
    assert.equal((created.properties as Json).provisioningState, "Succeeded");
    const definitions = (await ok("sig", "image-definition", "list", "-g", RG, "-r", "azLoop")) as unknown as Json[];
    assert.deepEqual(definitions.map((d) => d.name).sort(), ["def-1", "def-2", "def-3"]);
  });
});
