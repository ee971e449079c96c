// Leases on background work. A claim is one upsert, atomic in both dialects: it inserts the lease,
// or takes over a row that has expired or that the claimant already holds; a row held by someone
// else until later is left alone and the claim returns nothing.

import type { Kysely } from "kysely";
import type { Database } from "./database.js";

export async function claimLease(db: Kysely<Database>, name: string, owner: string, now: string, expiresAt: string): Promise<boolean> {
  const row = await db
    .insertInto("leases")
    .values({ name, owner, expires_at: expiresAt })
    .onConflict((conflict) =>
      conflict
        .column("name")
        .doUpdateSet({ owner, expires_at: expiresAt })
        .where((eb) => eb.or([eb("leases.expires_at", "<=", now), eb("leases.owner", "=", owner)])),
    )
    .returning("name")
    .executeTakeFirst();
  return row !== undefined;
}

export async function renewLease(db: Kysely<Database>, name: string, owner: string, expiresAt: string): Promise<boolean> {
  const result = await db.updateTable("leases").set({ expires_at: expiresAt }).where("name", "=", name).where("owner", "=", owner).executeTakeFirst();
  return result.numUpdatedRows > 0n;
}

export async function releaseLease(db: Kysely<Database>, name: string, owner: string): Promise<void> {
  await db.deleteFrom("leases").where("name", "=", name).where("owner", "=", owner).execute();
}
