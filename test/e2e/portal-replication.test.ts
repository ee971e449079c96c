// The version page in Chromium while a version the vitrine CLI uploaded replicates: copies between
// regions are slowed to 1 MiB/s (the server's simulated link speed) so that the rows can be
// watched as they move, then complete; and a target-region edit the server refuses shows its
// error next to the field.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { sdkClients } from "../support/clients.js";
import { makeDefinition } from "../support/gallery-fixtures.js";
import { makeRawImage, makeTempDir, MIB } from "../support/images.js";
import { runCli } from "../cli/cli-runner.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { chromiumSkip, openBrowser, signIn, type Browser } from "./browser.js";

const RG = "rg-portal-replication";

describe("the portal's version page", { skip: chromiumSkip }, () => {
  let server: TestServer;
  let browser: Browser;
  let versionId: string;
  let scratch: Awaited<ReturnType<typeof makeTempDir>>;

  before(async () => {
    server = await startTestServer({ simulatedInterRegionMiBps: 1 });
    await makeDefinition(sdkClients(server.connection), RG);
    scratch = await makeTempDir();
    // Six distinct chunks: about six seconds of copy into the second region.
    const blocks = Array.from({ length: 6 }, (_, i) => ({ offset: i * MIB, bytes: 0x20 + i, length: MIB }));
    const image = await makeRawImage(scratch.dir, "disk.raw", { sizeBytes: 20 * MIB, blocks });
    browser = await openBrowser();
    await signIn(browser.page, server.connection);
    // The image is published as a user would: uploaded with the vitrine CLI, then watched in the page.
    const created = await runCli(["sig", "image-version", "create", "-g", RG, "-r", "g", "-i", "d", "-e", "1.0.0", "--os-vhd", image, "--target-regions", "westus", "eastus", "--data-dir", server.dataDir]);
    assert.equal(created.code, 0, created.stderr);
    versionId = (created.json as { id: string }).id;
  });
  after(async () => {
    await browser?.close();
    await server?.close();
    await scratch?.remove();
  });

  it("shows the replication rows moving while the copy runs, then complete, and latest per region", async () => {
    const { page } = browser;
    await page.goto(`${server.connection.endpoint}/portal/#/r${versionId}`);
    await page.getByRole("heading", { name: "Image version 1.0.0" }).waitFor();
    assert.match((await page.locator("dd").filter({ hasText: "occupied of" }).textContent()) ?? "", /6\.0 MiB occupied of 20\.0 MiB provisioned \(30%\)/);
    assert.match((await page.locator("dd").filter({ hasText: "sha256:" }).textContent()) ?? "", /^sha256:[0-9a-f]{64}$/);

    const eastus = page.locator('#replication tr[data-region="eastus"]');
    const progress = eastus.locator("progress");
    await eastus.locator("td.state", { hasText: "Replicating" }).waitFor();
    // The page is ready while the copy runs (the refresh goes on in the background).
    await page.waitForFunction("document.activeElement?.textContent === 'Image version 1.0.0'");
    const seen = new Set<string>();
    // The page refreshes itself: the values change with no action here.
    for (let attempt = 0; attempt < 200 && seen.size < 2; attempt++) {
      const value = await progress.getAttribute("value");
      if (value !== null && value !== "100") seen.add(value);
      await page.waitForTimeout(100);
    }
    assert.ok(seen.size >= 2, `the progress moved while replicating: ${[...seen].join(", ")}`);
    assert.match((await eastus.locator("td").nth(3).textContent()) ?? "", /\/s$/, "throughput shown");
    assert.match((await eastus.locator("td").nth(4).textContent()) ?? "", /^\d+ s$/, "ETA shown");

    await eastus.locator("td.state", { hasText: "Completed" }).waitFor({ timeout: 30_000 });
    assert.equal(await progress.getAttribute("value"), "100");
    assert.equal(await page.locator("#replication-state").textContent(), "Overall: Completed");
    await page.locator("#latest tr", { hasText: "eastus" }).filter({ hasText: "1.0.0" }).waitFor();
  });

  it("shows a refused replica count next to its field, and saves a valid edit", async () => {
    const { page } = browser;
    await page.goto(`${server.connection.endpoint}/portal/#/r${versionId}`);
    const replicas = page.getByLabel("Replicas in region 2");
    await replicas.fill("200");
    await page.locator("#edit-version").getByRole("button", { name: "Save" }).click();
    const error = page.locator("#edit-version .field-error");
    await error.waitFor();
    assert.match((await error.textContent()) ?? "", /The value 200 of parameter 'regionalReplicaCount' is out of range/);
    assert.equal(await replicas.getAttribute("aria-invalid"), "true");
    assert.equal(await page.locator(":focus").getAttribute("aria-label"), "Replicas in region 2");

    await replicas.fill("2");
    await page.locator("#edit-version").getByRole("button", { name: "Save" }).click();
    await page.locator('#replication tr[data-region="eastus"] td', { hasText: "2 × Standard_LRS" }).waitFor();
  });
});
