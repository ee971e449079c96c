// Signed, expiring access URLs for disk data (Azure's "SAS" of beginGetAccess): a grant names one
// disk and one access; the signature binds them so a URL works only for its disk.

export interface AccessGrant {
  /** Random id of this grant: revoking the disk's grant makes every URL of it stop working. */
  grantId: string;
  /** Key of the disk or snapshot. */
  resourceKey: string;
  access: "Read" | "Write";
  expiresAt: Date;
}

export interface AccessSigner {
  /** The full URL of the grant's data endpoint. */
  urlFor(grant: AccessGrant): string;
  /** The grant a data-plane request carries, if its signature is valid (expiry is checked by the caller). */
  verify(path: string, query: Record<string, string | undefined>): AccessGrant | undefined;
}
