import { sql, type Kysely, type Migration, type MigrationProvider } from "kysely";

export type Dialect = "sqlite" | "postgres";

/** Migrations in code, ordered by name; each runs once, in a transaction where the dialect allows. */
export function migrations(dialect: Dialect): MigrationProvider {
  const all: Record<string, Migration> = {
    "0001_initial": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("meta")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("value", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("platforms")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("engine", "text", (c) => c.notNull())
          .addColumn("tier", "text", (c) => c.notNull())
          .addColumn("site", "text", (c) => c.notNull())
          .addColumn("infrastructure", "text", (c) => c.notNull())
          .addColumn("domain", "text", (c) => c.notNull())
          .addColumn("flavour", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("projects")
          .addColumn("name", "text", (c) => c.primaryKey())
          .addColumn("title", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("instances")
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("template", "text", (c) => c.notNull())
          .addColumn("template_version", "text", (c) => c.notNull())
          .addColumn("platform", "text", (c) => c.notNull())
          .addColumn("state", "text", (c) => c.notNull())
          .addColumn("values_json", "text", (c) => c.notNull())
          .addColumn("placement_reason", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("created_by", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("instances_pk", ["project", "name"])
          .execute();
        await db.schema.createIndex("instances_platform").on("instances").column("platform").execute();
        await db.schema
          .createTable("requests")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("commit_id", "text", (c) => c.notNull())
          .addColumn("target", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("statuses")
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("instance", "text", (c) => c.notNull())
          .addColumn("platform", "text", (c) => c.notNull())
          .addColumn("phase", "text", (c) => c.notNull())
          .addColumn("reason", "text", (c) => c.notNull())
          .addColumn("applied_hash", "text")
          .addColumn("endpoint", "text")
          .addColumn("updated_at", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("statuses_pk", ["project", "instance"])
          .execute();
        await db.schema
          .createTable("events")
          .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) => (dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("instance", "text", (c) => c.notNull())
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("message", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("events_instance").on("events").columns(["project", "instance", "id"]).execute();
        await db.schema
          .createTable("secrets")
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("instance", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("value", "text", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("secrets_pk", ["project", "instance", "name"])
          .execute();
        await sql`select 1`.execute(db);
      },
    },
  };
  return { getMigrations: async () => all };
}
