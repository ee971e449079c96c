// The portal's other flows in Chromium: a refused sign-in, a gallery and a definition created
// through the forms, usage and the cost chart, a gallery shared with a user, and that user signed
// in with a password seeing it under "Shared with me".

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { raw } from "../support/clients.js";
import { startTestServer, type TestServer } from "../support/server.js";
import { chromiumSkip, openBrowser, signIn, type Browser } from "./browser.js";

describe("the portal's forms, usage and sharing", { skip: chromiumSkip }, () => {
  let server: TestServer;
  let browser: Browser;

  before(async () => {
    server = await startTestServer();
    browser = await openBrowser();
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it("shows why a sign-in was refused", async () => {
    const { page } = browser;
    await page.goto(`${server.connection.endpoint}/portal/`);
    await page.getByLabel("Tenant").fill(server.connection.tenantId);
    await page.getByLabel("Client (application) id").fill(server.connection.clientId);
    await page.getByLabel("Client secret").fill("wrong");
    await page.getByRole("button", { name: "Sign in" }).click();
    assert.match((await page.getByRole("alert").textContent()) ?? "", /invalid_client: AADSTS7000215/);
  });

  it("creates a gallery and an image definition through the forms", async () => {
    const { page } = browser;
    await signIn(page, server.connection);
    const create = page.locator("#create-gallery");
    await create.getByLabel("Resource group").fill("rg-forms");
    await create.getByLabel("Gallery name").fill("team");
    await create.getByLabel("Description").fill("The team's images");
    await create.getByRole("button", { name: "Create gallery" }).click();
    await page.getByRole("heading", { name: "Gallery team" }).waitFor();
    await page.locator("dd", { hasText: "The team's images" }).waitFor();

    const definition = page.locator("#create-definition");
    await definition.getByLabel("Definition name").fill("ubuntu");
    await definition.getByLabel("Publisher").fill("Contoso");
    await definition.getByLabel("Offer").fill("Ubuntu");
    await definition.getByLabel("SKU").fill("24.04");
    await definition.getByRole("button", { name: "Create definition" }).click();
    await page.getByRole("heading", { name: "Image definition ubuntu" }).waitFor();
    await page.locator("dd", { hasText: "Contoso / Ubuntu / 24.04" }).waitFor();
  });

  it("shows usage against limits and the cost report's chart", async () => {
    const { page } = browser;
    await page.goto(`${server.connection.endpoint}/portal/#/usage`);
    await page.getByRole("heading", { name: "Usage and cost" }).waitFor();
    const galleries = page.locator("tr", { hasText: "Galleries" }).filter({ hasText: "westus" });
    assert.match((await galleries.textContent()) ?? "", /1 of \d+/);
    assert.equal(await page.getByRole("img", { name: /Bytes billed as Azure would/ }).count(), 1);
  });

  it("shares the gallery with a user, who sees it under Shared with me after signing in", async () => {
    const { page } = browser;
    const user = await raw(server.connection, "POST", "/vitrine/admin/users", {
      body: { tenantId: server.connection.tenantId, userPrincipalName: "ada@example.test", displayName: "Ada", password: "correct horse battery" },
    });
    const objectId = (user.body as { objectId: string }).objectId;
    const galleryId = `/subscriptions/${server.connection.subscriptionId}/resourceGroups/rg-forms/providers/Microsoft.Compute/galleries/team`;
    await page.goto(`${server.connection.endpoint}/portal/#/r${galleryId}`);
    await page.getByLabel("Principal object id").fill(objectId);
    await page.getByLabel("Role", { exact: true }).selectOption({ label: "Reader" });
    await page.getByRole("button", { name: "Add role assignment" }).click();
    await page.getByRole("button", { name: `Remove Reader from ${objectId}` }).waitFor();

    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByLabel("Tenant").fill(server.connection.tenantId);
    await page.getByLabel("Sign in as").selectOption("user");
    await page.getByLabel("Client (application) id").fill(server.connection.clientId);
    await page.getByLabel("User name").fill("ada@example.test");
    await page.getByLabel("Password").fill("correct horse battery");
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "All resources" }).waitFor();
    assert.match((await page.getByTestId("whoami").textContent()) ?? "", /^ada@example\.test · object /);

    await page.getByRole("link", { name: "Shared with me" }).click();
    // The list the page showed before may still be there for a moment: wait for this view's heading.
    await page.getByRole("heading", { name: "Shared with me" }).waitFor();
    const row = page.locator("tr", { hasText: "Reader" }).filter({ hasText: "team" });
    await row.waitFor();
    await row.getByRole("link", { name: "team" }).click();
    await page.getByRole("heading", { name: "Gallery team" }).waitFor();
    await page.locator("#access tr", { hasText: objectId }).filter({ hasText: "Reader" }).waitFor();
  });
});
