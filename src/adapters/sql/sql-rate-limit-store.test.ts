import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "kysely";
import { afterAll, describe, expect, inject, it } from "vitest";
import { describeRateLimitStoreContract } from "../../core/ports/rate-limit-store.contract.js";
import { createTestDatabase } from "../../../test/support/postgres.js";
import { openPostgres, openSqlite, type OpenDatabase } from "./database.js";
import { createSqlRateLimitStore } from "./sql-rate-limit-store.js";

const opened: OpenDatabase[] = [];
const dirs: string[] = [];

afterAll(async () => {
  for (const database of opened) await database.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

async function sqliteFile(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "plateau-rate-"));
  dirs.push(dir);
  return join(dir, "plateau.db");
}

const open = async (opening: Promise<OpenDatabase>): Promise<OpenDatabase> => {
  const database = await opening;
  opened.push(database);
  return database;
};

// SQLite: the replicas are separate connections to one file (one host; what a single replica with a restart sees too).
describeRateLimitStoreContract(
  "sqlite",
  async (clock) => createSqlRateLimitStore((await open(openSqlite(await sqliteFile()))).db, clock),
  async (clock, count) => {
    const file = await sqliteFile();
    const stores = [];
    for (let i = 0; i < count; i++) stores.push(createSqlRateLimitStore((await open(openSqlite(file))).db, clock));
    return stores;
  },
);

const postgresUrl = inject("postgresUrl");
if (postgresUrl) {
  // PostgreSQL: each replica its own pool of connections, as each replica's process has.
  describeRateLimitStoreContract(
    "postgres",
    async (clock) => createSqlRateLimitStore((await open(openPostgres(await createTestDatabase(postgresUrl)))).db, clock),
    async (clock, count) => {
      const url = await createTestDatabase(postgresUrl);
      const stores = [];
      for (let i = 0; i < count; i++) stores.push(createSqlRateLimitStore((await open(openPostgres(url))).db, clock));
      return stores;
    },
  );
  describe("rate limits on PostgreSQL", () => {
    it("keeps its buckets in an UNLOGGED table: a take writes no WAL (ADR 0043)", async () => {
      const database = await open(openPostgres(await createTestDatabase(postgresUrl)));
      const { rows } = await sql<{ relpersistence: string }>`select relpersistence from pg_class where relname = 'rate_limits'`.execute(database.db);
      expect(rows).toEqual([{ relpersistence: "u" }]);
    });
  });
} else {
  describe.skip(`RateLimitStore contract: postgres (${inject("postgresSkipped")})`, () => {
    it("needs a PostgreSQL server", () => {});
  });
}
