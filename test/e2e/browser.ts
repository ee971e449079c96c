// Debian's Chromium driven by playwright-core, for the portal's tests. The browser is the
// machine's (`apt-get install chromium`, done by .ci/run); playwright-core downloads nothing.

import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type BrowserContext, type Page } from "playwright-core";
import type { ConnectionInfo } from "../../src/main.js";

const CHROMIUM = "/usr/bin/chromium";

export const chromiumSkip = existsSync(CHROMIUM) ? false : `Chromium is not installed (${CHROMIUM}, Debian package chromium): the portal's browser tests need it`;

export interface Browser {
  page: Page;
  context: BrowserContext;
  close(): Promise<void>;
}

/** A fresh profile each time; the test server's certificate comes from the test CA, trusted here only. */
export async function openBrowser(): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), "vitrine-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    ignoreHTTPSErrors: true,
    viewport: { width: 1366, height: 800 },
    args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--no-first-run", "--disable-sync"],
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Signs in as the server's administrator through the portal's form. */
export async function signIn(page: Page, connection: ConnectionInfo): Promise<void> {
  await page.goto(`${connection.endpoint}/portal/`);
  await page.getByLabel("Tenant").fill(connection.tenantId);
  await page.getByLabel("Client (application) id").fill(connection.clientId);
  await page.getByLabel("Client secret").fill(connection.clientSecret);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.getByRole("heading", { name: "All resources" }).waitFor();
}
