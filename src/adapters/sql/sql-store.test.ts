import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, inject, it } from "vitest";
import { describeStoreContract, emptyDelta } from "../../core/ports/store.contract.js";
import { createTestDatabase } from "../../../test/support/postgres.js";
import { openPostgres, openSqlite, type OpenDatabase } from "./database.js";
import { createSqlStore } from "./sql-store.js";
import { describeNoticeStoreContract } from "../../core/ports/notice-store.contract.js";
import { createSqlNoticeStore } from "./sql-notice-store.js";
import { describeDrillReportsContract } from "../../core/ports/drill-reports.contract.js";
import { createSqlDrillReports } from "./sql-drill-reports.js";

const opened: OpenDatabase[] = [];
const dirs: string[] = [];
const clock = { now: () => new Date() };

afterAll(async () => {
  for (const database of opened) await database.close();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** The columns each migration added: a database as the version before migration N left it lacks those of N and of every later one. */
const ADDED_COLUMNS: readonly (readonly [migration: string, table: string, column: string])[] = [
  ["0004", "instances", "expires_at"],
  ["0005", "sessions", "instance_host"],
  ["0006", "projects", "tiers_json"],
  ["0007", "events", "kind"],
  ["0007", "events", "params_json"],
  ["0008", "statuses", "reason_code"],
  ["0008", "statuses", "reason_params_json"],
  ["0009", "instances", "rendered_json"],
  ["0010", "instances", "stop_by"],
];

/** The tables each migration created, in the order they are dropped (those that refer to others first). */
const ADDED_TABLES: readonly (readonly [migration: string, table: string])[] = [
  ["0014", "rate_limits"],
  ["0013", "replication_leader"],
  ["0012", "recovery_drill_projects"],
  ["0012", "recovery_drills"],
  ["0011", "notice_deliveries"],
  ["0011", "notice_recipients"],
  ["0011", "notices"],
];

/** Makes a database look as the version before `migration` left it: the columns and tables it and the later ones added dropped, and them not run. */
async function undoMigrationsFrom(db: OpenDatabase["db"], migration: string): Promise<void> {
  const { sql } = await import("kysely");
  for (const [added, table] of ADDED_TABLES) {
    if (added >= migration) await sql`drop table ${sql.table(table)}`.execute(db);
  }
  for (const [added, table, column] of ADDED_COLUMNS) {
    if (added >= migration) await sql`alter table ${sql.table(table)} drop column ${sql.ref(column)}`.execute(db);
  }
  await sql`delete from kysely_migration where name >= ${migration}`.execute(db);
}

/** Records that the index reflects a commit (an empty delta). */
async function indexedAt(db: OpenDatabase["db"], commit: string): Promise<void> {
  await createSqlStore(db, clock).index.apply(emptyDelta(commit));
}

async function sqlite(): Promise<OpenDatabase> {
  const dir = await mkdtemp(join(tmpdir(), "plateau-sql-"));
  dirs.push(dir);
  const database = await openSqlite(join(dir, "plateau.db"));
  opened.push(database);
  return database;
}

describeStoreContract("sqlite", async () => createSqlStore((await sqlite()).db, clock));
describeNoticeStoreContract("sqlite", async () => createSqlNoticeStore((await sqlite()).db));
describeDrillReportsContract("sqlite", async () => createSqlDrillReports((await sqlite()).db));

const postgresUrl = inject("postgresUrl");
if (postgresUrl) {
  describeStoreContract("postgres", async () => {
    const database = await openPostgres(await createTestDatabase(postgresUrl));
    opened.push(database);
    return createSqlStore(database.db, clock);
  });
  describeNoticeStoreContract("postgres", async () => {
    const database = await openPostgres(await createTestDatabase(postgresUrl));
    opened.push(database);
    return createSqlNoticeStore(database.db);
  });
  describeDrillReportsContract("postgres", async () => {
    const database = await openPostgres(await createTestDatabase(postgresUrl));
    opened.push(database);
    return createSqlDrillReports(database.db);
  });
} else {
  describe.skip(`StateIndex contract: postgres (${inject("postgresSkipped")})`, () => {
    it("needs a PostgreSQL server", () => {});
  });
}

describe("sqlite settings", () => {
  it("runs in WAL mode with synchronous=FULL, and migrates once", async () => {
    const database = await sqlite();
    const { sql } = await import("kysely");
    const mode = await sql<{ journal_mode: string }>`pragma journal_mode`.execute(database.db);
    const sync = await sql<{ synchronous: number }>`pragma synchronous`.execute(database.db);
    expect(mode.rows[0]?.journal_mode).toBe("wal");
    expect(sync.rows[0]?.synchronous).toBe(2); // FULL
  });
});

describe("migrations", () => {
  // A column the index is a projection of: the database of the version before lacks it, and the
  // index must be rebuilt from git (rows indexed before it do not have it).
  it.each([
    ["0004", "instances' expiry", "expires_at"],
    ["0009", "what instances' renderings recorded", "rendered_json"],
    ["0010", "how instances stop (what their expiry does)", "stop_by"],
  ])("%s adds %s and makes the index rebuild from git", async (migration, _what, column) => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-sql-"));
    dirs.push(dir);
    const file = join(dir, "plateau.db");
    const { sql } = await import("kysely");
    const before = await openSqlite(file);
    await indexedAt(before.db, "c1");
    // As a database of the version before: without the column, and without the migration run (nor the later ones).
    await undoMigrationsFrom(before.db, migration);
    await before.close();

    const after = await openSqlite(file);
    opened.push(after);
    expect(await createSqlStore(after.db, clock).index.indexedCommit()).toBeNull();
    const columns = await sql<{ name: string }>`pragma table_info(instances)`.execute(after.db);
    expect(columns.rows.map((row) => row.name)).toContain(column);
  });

  it("0005 gives sessions their kind, and ends the instance hosts' sessions made before (they had none)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-sql-"));
    dirs.push(dir);
    const file = join(dir, "plateau.db");
    const { sql } = await import("kysely");
    const before = await openSqlite(file);
    // As a database of the version before: sessions without the column, 0005 not run.
    await undoMigrationsFrom(before.db, "0005");
    const row = (idHash: string, parentHash: string | null) =>
      sql`insert into sessions (id_hash, user_id, csrf_token, provider, id_token, created_at, last_seen_at, expires_at, parent_hash)
          values (${idHash}, 'u', 'c', 'p', null, 't', 't', '2999-01-01T00:00:00.000Z', ${parentHash})`.execute(before.db);
    await row("browser", null);
    await row("instance", "browser");
    await before.close();

    const after = await openSqlite(file);
    opened.push(after);
    const access = createSqlStore(after.db, clock).access;
    expect(await access.getSession("browser")).toMatchObject({ parentHash: null, instanceHost: null });
    expect(await access.getSession("instance")).toBeUndefined();
  });

  it("0006 adds projects' tiers and makes the index rebuild from git (rows indexed before it lack their tiers)", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-sql-"));
    dirs.push(dir);
    const file = join(dir, "plateau.db");
    const { sql } = await import("kysely");
    const before = await openSqlite(file);
    await indexedAt(before.db, "c1");
    // As a database of the version before: projects without the column, 0006 not run.
    await undoMigrationsFrom(before.db, "0006");
    await sql`insert into projects (name, title, created_at, created_by) values ('old', 'Old', 't', 'alice')`.execute(before.db);
    await before.close();

    const after = await openSqlite(file);
    opened.push(after);
    const index = createSqlStore(after.db, clock).index;
    expect(await index.indexedCommit()).toBeNull();
    expect((await index.getProject("old"))?.tiers).toEqual(["experimental"]);
  });

  it("0007 gives events their kind: those recorded before are 'other', but the reconciler's 'running' and 'stopped'", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-sql-"));
    dirs.push(dir);
    const file = join(dir, "plateau.db");
    const { sql } = await import("kysely");
    const before = await openSqlite(file);
    // As a database of the version before: events without the columns, 0007 not run.
    await undoMigrationsFrom(before.db, "0007");
    for (const [at, message] of [
      ["t1", "applying revision abc1234 on local"],
      ["t2", "running"],
      ["t3", "stopped"],
    ])
      await sql`insert into events (project, instance, at, message) values ('demo', 'a', ${at}, ${message})`.execute(before.db);
    await before.close();

    const after = await openSqlite(file);
    opened.push(after);
    expect(await createSqlStore(after.db, clock).statuses.listEvents("demo", "a", 10)).toEqual([
      { project: "demo", instance: "a", at: "t1", kind: "other", params: {}, message: "applying revision abc1234 on local" },
      { project: "demo", instance: "a", at: "t2", kind: "running", params: {}, message: "running" },
      { project: "demo", instance: "a", at: "t3", kind: "stopped", params: {}, message: "stopped" },
    ]);
  });

  it("0008 gives statuses their reason code: those written before are what the platform reported, in their words", async () => {
    const dir = await mkdtemp(join(tmpdir(), "plateau-sql-"));
    dirs.push(dir);
    const file = join(dir, "plateau.db");
    const { sql } = await import("kysely");
    const before = await openSqlite(file);
    // As a database of the version before: statuses without the columns, 0008 not run.
    await undoMigrationsFrom(before.db, "0008");
    await sql`insert into statuses (project, instance, platform, phase, reason, applied_hash, endpoint, updated_at)
              values ('demo', 'a', 'local', 'failed', 'exit code 1 "oops"', null, null, 't')`.execute(before.db);
    await before.close();

    const after = await openSqlite(file);
    opened.push(after);
    expect(await createSqlStore(after.db, clock).statuses.getStatus("demo", "a")).toMatchObject({
      reason: 'exit code 1 "oops"',
      reasonCode: "reported",
      reasonParams: { reason: 'exit code 1 "oops"' },
    });
  });
});
