// Opening the database: SQLite (the default, one file) or PostgreSQL (at scale), one code
// path through Kysely.
import SQLite from "better-sqlite3";
import { Kysely, Migrator, PostgresDialect, SqliteDialect, type SqliteDatabase } from "kysely";
import pg from "pg";
import { migrations, type Dialect } from "./migrations.js";
import type { Database } from "./schema.js";

export interface OpenDatabase {
  readonly db: Kysely<Database>;
  readonly dialect: Dialect;
  close(): Promise<void>;
}

/**
 * SQLite in WAL mode with `synchronous=FULL` set explicitly: a commit of the index is on
 * disk when the call returns, so a crash right after loses nothing.
 */
export async function openSqlite(path: string): Promise<OpenDatabase> {
  const sqlite = new SQLite(path);
  sqlite.pragma("journal_mode = WAL");
  sqlite.pragma("synchronous = FULL");
  sqlite.pragma("foreign_keys = ON");
  sqlite.pragma("busy_timeout = 5000");
  const db = new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(sqlite) }) });
  await migrate(db, "sqlite");
  return { db, dialect: "sqlite", close: () => db.destroy() };
}

const STATEMENTS_KEPT = 500;

/**
 * Kysely's SQLite driver prepares every statement anew; preparing costs more than running a
 * point query. Statements are kept by their SQL text (a bounded set: queries are built from
 * code, values are parameters) and reused, which better-sqlite3 allows as calls are synchronous.
 */
function withStatementCache(sqlite: SQLite.Database): SqliteDatabase {
  const statements = new Map<string, SQLite.Statement>();
  return {
    close: () => sqlite.close(),
    prepare(sql: string) {
      let statement = statements.get(sql);
      if (!statement) {
        statement = sqlite.prepare(sql);
        if (statements.size >= STATEMENTS_KEPT) statements.clear();
        statements.set(sql, statement);
      }
      return statement;
    },
  };
}

export async function openPostgres(connectionString: string): Promise<OpenDatabase> {
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString, max: 10 }) }) });
  await migrate(db, "postgres");
  return { db, dialect: "postgres", close: () => db.destroy() };
}

export async function openDatabase(url: string): Promise<OpenDatabase> {
  if (url.startsWith("postgres://") || url.startsWith("postgresql://")) return openPostgres(url);
  return openSqlite(url.startsWith("sqlite:") ? url.slice("sqlite:".length) : url);
}

async function migrate(db: Kysely<Database>, dialect: Dialect): Promise<void> {
  const migrator = new Migrator({ db, provider: migrations(dialect) });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((result) => result.status === "Error");
  if (error || failed) throw new Error(`database migration ${failed?.migrationName ?? ""} failed: ${String((error as Error | undefined)?.message ?? error)}`);
}
