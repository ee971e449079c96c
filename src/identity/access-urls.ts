// Signed access URLs for disk data, in the spirit of Azure Storage's SAS: the query carries the
// grant (access, expiry, grant id) and an HMAC-SHA256 over it and the disk's key, made with a key
// kept in the metadata store (shared by every server). A URL cannot be moved to another disk or
// widened without breaking the signature; expiry and revocation are checked by the disk service.

import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import type { AccessGrant, AccessSigner } from "../ports/access-signer.js";
import type { MetadataStore } from "../ports/metadata-store.js";

const KEY_SETTING = "access-url-key";
export const DATA_PATH_PREFIX = "/blob/disks/";

export class HmacAccessSigner implements AccessSigner {
  private constructor(
    private readonly key: Buffer,
    private readonly publicUrl: () => string,
  ) {}

  static async open(store: MetadataStore, publicUrl: () => string): Promise<HmacAccessSigner> {
    const key = await store.initSetting(KEY_SETTING, randomBytes(32).toString("base64"));
    return new HmacAccessSigner(Buffer.from(key, "base64"), publicUrl);
  }

  urlFor(grant: AccessGrant): string {
    const query = new URLSearchParams({
      sv: "2024-08-04",
      sr: "b",
      sp: grant.access === "Write" ? "w" : "r",
      se: grant.expiresAt.toISOString(),
      sg: grant.grantId,
      sig: this.sign(grant),
    });
    return `${this.publicUrl()}${DATA_PATH_PREFIX}${Buffer.from(grant.resourceKey).toString("base64url")}/abcd?${query.toString()}`;
  }

  verify(path: string, query: Record<string, string | undefined>): AccessGrant | undefined {
    if (!path.startsWith(DATA_PATH_PREFIX)) return undefined;
    const encodedKey = path.slice(DATA_PATH_PREFIX.length).split("/")[0] ?? "";
    const access = query.sp === "w" ? "Write" : query.sp === "r" ? "Read" : undefined;
    const expiresAt = new Date(query.se ?? "");
    if (!access || Number.isNaN(expiresAt.getTime()) || !query.sg || !query.sig) return undefined;
    const grant: AccessGrant = { grantId: query.sg, resourceKey: Buffer.from(encodedKey, "base64url").toString(), access, expiresAt };
    const expected = Buffer.from(this.sign(grant));
    const actual = Buffer.from(query.sig);
    return expected.length === actual.length && timingSafeEqual(expected, actual) ? grant : undefined;
  }

  private sign(grant: AccessGrant): string {
    const text = [grant.grantId, grant.resourceKey, grant.access, grant.expiresAt.toISOString()].join("\n");
    return createHmac("sha256", this.key).update(text).digest("base64url");
  }
}
