// The portal in Chromium against a started server: signing in, the resource list and its filters,
// keyboard-only navigation, an edit the server refuses (the error next to its field), and adding
// and removing a role assignment.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { raw, sdkClients } from "../support/clients.js";
import { makeDefinition } from "../support/gallery-fixtures.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { chromiumSkip, openBrowser, signIn, type Browser } from "./browser.js";

describe("the portal", { skip: chromiumSkip }, () => {
  let server: TestServer;
  let browser: Browser;
  let definitionId: string;

  before(async () => {
    server = await startTestServer();
    const clients = sdkClients(server.connection);
    definitionId = await makeDefinition(clients, "rg-portal");
    await clients.resources.resourceGroups.createOrUpdate("rg-other", { location: "eastus" });
    await clients.compute.galleries.beginCreateOrUpdateAndWait("rg-other", "elsewhere", { location: "eastus" });
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it("signs in and shows who you are and the tenant", async () => {
    await signIn(browser.page, server.connection);
    const who = await browser.page.getByTestId("whoami").textContent();
    assert.match(who ?? "", new RegExp(`tenant ${server.connection.tenantId}`));
    assert.match(who ?? "", new RegExp(`app ${server.connection.clientId}`));
  });

  it("is served by the server itself, from nowhere else", async () => {
    const page = await fetch(`${server.connection.endpoint}/portal/`);
    assert.equal(page.status, 200);
    assert.match(page.headers.get("content-security-policy") ?? "", /default-src 'self'/);
    assert.doesNotMatch(await page.text(), /https?:\/\//, "no address outside the server");
    assert.equal((await fetch(`${server.connection.endpoint}/portal/js/app.js`)).headers.get("content-type"), "text/javascript; charset=utf-8");
    for (const path of ["/portal/js/%2e%2e/%2e%2e/package.json", "/portal/..%2fpackage.json", "/portal/.hidden.js"]) {
      assert.equal((await fetch(`${server.connection.endpoint}${path}`)).status, 404, path);
    }
  });

  it("lists the resources of every subscription and filters them", async () => {
    const { page } = browser;
    await page.goto(`${server.connection.endpoint}/portal/#/resources`);
    const rows = page.locator("#main tbody tr");
    const filters = page.getByRole("search");
    await page.getByText("3 of 3 resources").waitFor();
    assert.deepEqual((await rows.locator("td:first-child").allTextContents()).sort(), ["elsewhere", "g", "g / d"]);
    await filters.getByLabel("Location").selectOption("eastus");
    await page.getByText("1 of 3 resources").waitFor();
    assert.deepEqual(await rows.locator("td:first-child").allTextContents(), ["elsewhere"]);
    await filters.getByLabel("Location").selectOption("");
    await filters.getByLabel("Type").selectOption("Microsoft.Compute/galleries/images");
    assert.deepEqual(await rows.locator("td:first-child").allTextContents(), ["g / d"]);
    await filters.getByLabel("Type").selectOption("");
    await filters.getByLabel("Resource group").selectOption("rg-portal");
    await filters.getByLabel("Name contains").fill("d");
    assert.deepEqual(await rows.locator("td:first-child").allTextContents(), ["g / d"]);
  });

  it("shows the server's refusal of an edit next to the field it names", async () => {
    const { page } = browser;
    await page.goto(`${server.connection.endpoint}/portal/#/r${definitionId}`);
    await page.getByLabel("Recommended vCPUs, minimum").fill("8");
    await page.getByLabel("Recommended vCPUs, maximum").fill("2");
    await page.getByRole("button", { name: "Save" }).click();
    const error = page.locator("#edit-definition .field-error");
    await error.waitFor();
    assert.match((await error.textContent()) ?? "", /InvalidParameter: The minimum value of galleryImage\.properties\.recommended\.vCPUs/);
    const minimum = page.getByLabel("Recommended vCPUs, minimum");
    assert.equal(await minimum.getAttribute("aria-invalid"), "true");
    assert.equal(await minimum.getAttribute("aria-describedby"), await error.getAttribute("id"));
    assert.equal(await page.locator(":focus").getAttribute("name"), "properties.recommended.vCPUs.min", "the refused field has the focus");

    await page.getByLabel("Recommended vCPUs, maximum").fill("16");
    await page.getByLabel("Description").fill("Edited in the portal");
    await page.getByRole("button", { name: "Save" }).click();
    await page.locator("dd", { hasText: "Edited in the portal" }).waitFor();
    assert.equal(await page.locator("#edit-definition .field-error").count(), 0);
  });

  it("leaves the focus where the user is when the view's last lists arrive after an edit was refused", async () => {
    const { page } = browser;
    // The role definitions and assignments, the view's last lists, answer only once the edit has been refused.
    let release = () => {};
    const held = new Promise<void>((resolve) => (release = resolve));
    await page.route(/Microsoft\.Authorization\//, async (route) => {
      await held;
      await route.continue();
    });
    try {
      await page.goto(`${server.connection.endpoint}/portal/#/r${definitionId}`);
      await page.getByLabel("Recommended vCPUs, minimum").fill("8");
      await page.getByLabel("Recommended vCPUs, maximum").fill("2");
      await page.getByRole("button", { name: "Save" }).click();
      await page.locator("#edit-definition .field-error").waitFor();
      release();
      await page.locator("#access").waitFor();
      assert.equal(await page.locator(":focus").getAttribute("name"), "properties.recommended.vCPUs.min", "the refused field keeps the focus");
    } finally {
      release();
      await page.unroute(/Microsoft\.Authorization\//);
    }
  });

  it("adds and removes a role assignment at the definition's scope", async () => {
    const { page } = browser;
    const created = await raw(server.connection, "POST", "/vitrine/admin/servicePrincipals", { body: { tenantId: server.connection.tenantId, displayName: "portal-reader" } });
    const principal = (created.body as { objectId: string }).objectId;
    await page.goto(`${server.connection.endpoint}/portal/#/r${definitionId}`);
    await page.getByLabel("Principal object id").fill(principal);
    await page.getByLabel("Role", { exact: true }).selectOption({ label: "Compute Gallery Image Reader" });
    await page.getByRole("button", { name: "Add role assignment" }).click();
    const remove = page.getByRole("button", { name: `Remove Compute Gallery Image Reader from ${principal}` });
    await remove.waitFor();
    const response = await fetch(`${server.connection.endpoint}${definitionId}/providers/Microsoft.Authorization/roleAssignments?api-version=2022-04-01&$filter=atScope()`, {
      headers: { authorization: `Bearer ${(JSON.parse(await page.evaluate<string>("sessionStorage.getItem('vitrine.session')")) as { token: string }).token}` },
    });
    const listed = (await response.json()) as { value: Array<{ properties: { principalId: string } }> };
    assert.ok(listed.value.some((a) => a.properties.principalId === principal), "the server has it");
    await remove.click();
    await remove.waitFor({ state: "detached" });
    assert.equal(await page.locator("#access tbody tr", { hasText: principal }).count(), 0);
  });

  it("can be used with the keyboard alone: from the list to a gallery and on to a definition", async () => {
    const { page } = browser;
    await page.goto(`${server.connection.endpoint}/portal/#/resources`);
    await page.getByText("3 of 3 resources").waitFor();
    // Tab until the gallery's link has the focus, then follow it with Enter.
    for (let presses = 0; presses < 30; presses++) {
      await page.keyboard.press("Tab");
      if ((await page.locator(":focus").textContent()) === "g") break;
    }
    assert.equal(await page.locator(":focus").getAttribute("href"), `#/r${definitionId.split("/images/")[0]}`);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Gallery g" }).waitFor();
    assert.equal(await page.locator(":focus").textContent(), "Gallery g", "the new page's heading has the focus");
    for (let presses = 0; presses < 30; presses++) {
      await page.keyboard.press("Tab");
      if ((await page.locator(":focus").textContent()) === "d") break;
    }
    assert.equal(await page.locator(":focus").getAttribute("href"), `#/r${definitionId}`);
    await page.keyboard.press("Enter");
    await page.getByRole("heading", { name: "Image definition d" }).waitFor();
  });
});
