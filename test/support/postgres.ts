// Databases of their own for tests on the machine's PostgreSQL server (VITRINE_TEST_PG_URL names
// another): made with a unique name for a run and dropped afterwards.

import { randomBytes } from "node:crypto";
import pg from "pg";

const serverUrl = process.env.VITRINE_TEST_PG_URL ?? "postgres://postgres@127.0.0.1:5432/";

export function databaseUrl(database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export async function withAdmin<T>(work: (admin: pg.Client) => Promise<T>): Promise<T> {
  const admin = new pg.Client({ connectionString: databaseUrl("postgres") });
  await admin.connect();
  try {
    return await work(admin);
  } finally {
    await admin.end();
  }
}

/** Databases made for one test file: `create()` each, `dropAll()` in its `after`. */
export function temporaryDatabases(): { create(): Promise<string>; dropAll(): Promise<void> } {
  const names: string[] = [];
  return {
    /**
     * A new, empty database, collated en-US by ICU where the server can, so that its text order
     * differs from byte order as on many production servers; returns its URL.
     */
    async create() {
      const name = `vitrine_test_${randomBytes(6).toString("hex")}`;
      await withAdmin(async (admin) => {
        try {
          await admin.query(`create database ${name} template template0 locale_provider icu icu_locale 'en-US'`);
        } catch {
          await admin.query(`create database ${name}`);
        }
      });
      names.push(name);
      return databaseUrl(name);
    },
    async dropAll() {
      await withAdmin(async (admin) => {
        for (const name of names.splice(0)) await admin.query(`drop database if exists ${name} with (force)`);
      });
    },
  };
}
