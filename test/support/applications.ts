// What the application-version tests share: a small real package (a gzipped tarball made with
// tar) and its configuration, served from Azurite as read SAS URLs, and a gallery application.

import { execFileSync } from "node:child_process";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { Azurite } from "./azurite.js";
import type { sdkClients } from "./clients.js";

const HOUR = 3_600_000;

export interface SamplePackage {
  tarball: string;
  config: string;
  /** Read SAS URLs of both, in Azurite. */
  mediaLink: string;
  configLink: string;
  tarballBytes: Buffer;
  configBytes: Buffer;
}

/** Makes `app.tar.gz` (an install script and a binary-ish file) and `config.json` in `dir`, and uploads both to Azurite's container `packages`. */
export async function makeSamplePackage(dir: string, azurite: Azurite): Promise<SamplePackage> {
  const content = join(dir, "content");
  await mkdir(content, { recursive: true });
  await writeFile(join(content, "install.sh"), "#!/bin/sh\necho installed > /tmp/vitrine-app\n", { mode: 0o755 });
  await writeFile(join(content, "data.bin"), Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251)));
  const tarball = join(dir, "app.tar.gz");
  execFileSync("tar", ["-czf", tarball, "-C", content, "."]);
  const config = join(dir, "config.json");
  await writeFile(config, JSON.stringify({ greeting: "hello", port: 8080 }));
  await azurite.createContainer("packages").catch(() => undefined);
  await azurite.uploadFile("packages", "app.tar.gz", tarball, "block");
  await azurite.uploadFile("packages", "config.json", config, "block");
  const expires = new Date(Date.now() + HOUR);
  return {
    tarball,
    config,
    mediaLink: azurite.readSasUrl("packages", "app.tar.gz", expires),
    configLink: azurite.readSasUrl("packages", "config.json", expires),
    tarballBytes: await readFile(tarball),
    configBytes: await readFile(config),
  };
}

/** Resource group `rg` with gallery `g` and application `app` of `osType`; the application's id. */
export async function makeApplication(clients: ReturnType<typeof sdkClients>, rg: string, osType: "Linux" | "Windows" = "Linux", location = "westus"): Promise<string> {
  await clients.resources.resourceGroups.createOrUpdate(rg, { location });
  await clients.compute.galleries.beginCreateOrUpdateAndWait(rg, "g", { location });
  const application = await clients.compute.galleryApplications.beginCreateOrUpdateAndWait(rg, "g", "app", { location, supportedOSType: osType });
  return application.id ?? "";
}

/** Polls `condition` (no sleeping on a fixed delay beyond a short poll interval) until it holds. */
export async function until(what: string, condition: () => Promise<boolean> | boolean): Promise<void> {
  for (let attempt = 0; attempt < 1500; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  throw new Error(`timed out waiting until ${what}`);
}
