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
    // Tenancy: projects belong to labs and have members and quotas (indexed from git).
    "0002_tenancy": {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable("projects").addColumn("lab", "text").execute();
        await db.schema.alterTable("projects").addColumn("personal", "text").execute();
        await db.schema
          .alterTable("projects")
          .addColumn("members_json", "text", (c) => c.notNull().defaultTo("[]"))
          .execute();
        await db.schema
          .alterTable("projects")
          .addColumn("quota_json", "text", (c) => c.notNull().defaultTo("{}"))
          .execute();
        await db.schema.createIndex("projects_lab").on("projects").column("lab").execute();
      },
    },
    // Sign-in: people, sessions, tokens, one-time secrets, the audit log. Secrets are hashed.
    "0003_access": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("users")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("issuer", "text", (c) => c.notNull())
          .addColumn("subject", "text", (c) => c.notNull())
          .addColumn("login", "text", (c) => c.notNull().unique())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("email", "text", (c) => c.notNull())
          .addColumn("groups_json", "text", (c) => c.notNull())
          .addColumn("labs_json", "text", (c) => c.notNull())
          .addColumn("lab_admin_json", "text", (c) => c.notNull())
          .addColumn("operator", "integer", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("last_sign_in_at", "text", (c) => c.notNull())
          .addUniqueConstraint("users_identity", ["issuer", "subject"])
          .execute();
        await db.schema
          .createTable("sessions")
          .addColumn("id_hash", "text", (c) => c.primaryKey())
          .addColumn("user_id", "text", (c) => c.notNull())
          .addColumn("csrf_token", "text", (c) => c.notNull())
          .addColumn("provider", "text", (c) => c.notNull())
          .addColumn("id_token", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("last_seen_at", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .addColumn("parent_hash", "text")
          .execute();
        await db.schema
          .createTable("one_time")
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("key_hash", "text", (c) => c.notNull())
          .addColumn("payload", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("one_time_pk", ["kind", "key_hash"])
          .execute();
        await db.schema
          .createTable("tokens")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("user_id", "text", (c) => c.notNull())
          .addColumn("name", "text", (c) => c.notNull())
          .addColumn("hash", "text", (c) => c.notNull().unique())
          .addColumn("prefix", "text", (c) => c.notNull())
          .addColumn("projects_json", "text")
          .addColumn("write", "integer", (c) => c.notNull())
          .addColumn("created_at", "text", (c) => c.notNull())
          .addColumn("expires_at", "text", (c) => c.notNull())
          .addColumn("last_used_at", "text")
          .addColumn("revoked_at", "text")
          .execute();
        await db.schema.createIndex("tokens_user").on("tokens").column("user_id").execute();
        await db.schema
          .createTable("audit")
          .addColumn("id", dialect === "postgres" ? "bigserial" : "integer", (c) => (dialect === "postgres" ? c.primaryKey() : c.primaryKey().autoIncrement()))
          .addColumn("at", "text", (c) => c.notNull())
          .addColumn("actor", "text")
          .addColumn("action", "text", (c) => c.notNull())
          .addColumn("target", "text", (c) => c.notNull())
          .addColumn("outcome", "text", (c) => c.notNull())
          .addColumn("project", "text")
          // ",imb,lmbp,": a lab admin's query is one LIKE, in SQLite and PostgreSQL alike.
          .addColumn("labs", "text", (c) => c.notNull())
          .addColumn("ip", "text", (c) => c.notNull())
          .addColumn("detail", "text", (c) => c.notNull())
          .execute();
      },
    },
    // Instances expire: the intent's spec.expiresAt, indexed. The index is a projection of git:
    // forgetting the commit it reflects makes the next start rebuild it, expiries included.
    "0004_instance_expiry": {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable("instances").addColumn("expires_at", "text").execute();
        await sql`delete from meta where key = 'indexed_commit'`.execute(db);
      },
    },
    // Sessions say which kind they are: a browser session of Plateau (null), or a session of
    // one instance host, accepted there only (ADR 0012). Instance sessions made before could
    // not be told apart: they end, and their browsers pass through the bounce again.
    "0005_session_instance_host": {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable("sessions").addColumn("instance_host", "text").execute();
        await sql`delete from sessions where parent_hash is not null`.execute(db);
      },
    },
    // A project's allowed platform tiers (spec.tiers), indexed: the project's view shows them.
    // Forgetting the commit the index reflects makes the next start rebuild it from git.
    "0006_project_tiers": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable("projects")
          .addColumn("tiers_json", "text", (c) => c.notNull().defaultTo('["experimental"]'))
          .execute();
        await sql`delete from meta where key = 'indexed_commit'`.execute(db);
      },
    },
    // Events say what happened as a code and its values, beside the English message (ADR 0018).
    // Events recorded before are "other" (their message is all there is), but for the two
    // whose message is a word of the reconciler: the portal's timeline marks its steps by them.
    "0007_event_kinds": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable("events")
          .addColumn("kind", "text", (c) => c.notNull().defaultTo("other"))
          .execute();
        await db.schema
          .alterTable("events")
          .addColumn("params_json", "text", (c) => c.notNull().defaultTo("{}"))
          .execute();
        await sql`update events set kind = message where message in ('running', 'stopped')`.execute(db);
      },
    },
    "0008_status_reason_codes": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .alterTable("statuses")
          .addColumn("reason_code", "text", (c) => c.notNull().defaultTo("reported"))
          .execute();
        await db.schema
          .alterTable("statuses")
          .addColumn("reason_params_json", "text", (c) => c.notNull().defaultTo("{}"))
          .execute();
        // Statuses written before: what the platform reported, in the words they hold (one row per instance, written as JSON here).
        const rows = await sql<{ project: string; instance: string; reason: string }>`select project, instance, reason from statuses`.execute(db);
        for (const row of rows.rows)
          await sql`update statuses set reason_params_json = ${JSON.stringify({ reason: row.reason })} where project = ${row.project} and instance = ${row.instance}`.execute(
            db,
          );
      },
    },
    // What an instance's rendered objects ask and its address (spec.rendered, ADR 0023), indexed:
    // quotas count it without rendering. Forgetting the indexed commit rebuilds the index from git.
    "0009_instance_rendered": {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable("instances").addColumn("rendered_json", "text").execute();
        await sql`delete from meta where key = 'indexed_commit'`.execute(db);
      },
    },
    // How an instance's intent says it stops (spec.stop.by, ADR 24), indexed: views say whether its
    // expiry stops it or removes it (data and all) without reading git. Null: as before (it stops).
    // Forgetting the indexed commit rebuilds the index from git, so instances launched already say it too.
    "0010_instance_stop_by": {
      async up(db: Kysely<unknown>) {
        await db.schema.alterTable("instances").addColumn("stop_by", "text").execute();
        await sql`delete from meta where key = 'indexed_commit'`.execute(db);
      },
    },
    // Notices (ADR 28): each once per key, who receives it, and the outbox of its deliveries.
    "0011_notices": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("notices")
          .addColumn("key", "text", (c) => c.primaryKey())
          .addColumn("kind", "text", (c) => c.notNull())
          .addColumn("params_json", "text", (c) => c.notNull())
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("instance", "text")
          .addColumn("due", "text")
          .addColumn("action", "text")
          .addColumn("created_at", "text", (c) => c.notNull())
          .execute();
        await db.schema
          .createTable("notice_recipients")
          .addColumn("notice_key", "text", (c) => c.notNull().references("notices.key").onDelete("cascade"))
          .addColumn("login", "text", (c) => c.notNull())
          .addColumn("read_at", "text")
          .addPrimaryKeyConstraint("notice_recipients_pk", ["notice_key", "login"])
          .execute();
        await db.schema.createIndex("notice_recipients_login").on("notice_recipients").column("login").execute();
        await db.schema
          .createTable("notice_deliveries")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("notice_key", "text", (c) => c.notNull().references("notices.key").onDelete("cascade"))
          .addColumn("channel", "text", (c) => c.notNull())
          .addColumn("login", "text", (c) => c.notNull())
          .addColumn("address", "text", (c) => c.notNull())
          .addColumn("attempts", "integer", (c) => c.notNull())
          .addColumn("next_at", "text")
          .addColumn("delivered_at", "text")
          .addColumn("last_error", "text")
          .execute();
        await db.schema.createIndex("notice_deliveries_next").on("notice_deliveries").column("next_at").execute();
      },
    },
    // Drills' reports (ADR 0034): one row per report, and one per project it drilled (a project's latest drill, the overdue check).
    "0012_recovery_drills": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("recovery_drills")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("platform", "text", (c) => c.notNull())
          .addColumn("started_at", "text", (c) => c.notNull())
          .addColumn("report_json", "text", (c) => c.notNull())
          .execute();
        await db.schema.createIndex("recovery_drills_started").on("recovery_drills").columns(["platform", "started_at"]).execute();
        await db.schema
          .createTable("recovery_drill_projects")
          .addColumn("drill_id", "text", (c) => c.notNull().references("recovery_drills.id").onDelete("cascade"))
          .addColumn("project", "text", (c) => c.notNull())
          .addColumn("started_at", "text", (c) => c.notNull())
          .addPrimaryKeyConstraint("recovery_drill_projects_pk", ["drill_id", "project"])
          .execute();
        await db.schema.createIndex("recovery_drill_projects_latest").on("recovery_drill_projects").columns(["project", "started_at"]).execute();
      },
    },
    // Who leads the replicas (ADR 0040): one row, moved by the replica that takes the leader lock.
    "0013_replication_leader": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("replication_leader")
          .addColumn("id", "text", (c) => c.primaryKey())
          .addColumn("replica_id", "text", (c) => c.notNull())
          .addColumn("epoch", "integer", (c) => c.notNull())
          .addColumn("since", "text", (c) => c.notNull())
          .execute();
      },
    },
    // Rate-limit buckets shared by the replicas (ADR 0043): one row per limit and key, taken from by
    // one upsert. Times are milliseconds since the epoch (a double holds them exactly, and both
    // dialects return it as a number); a row whose bucket is full again (full_at_ms) is purged.
    // On PostgreSQL the table is UNLOGGED: a take writes no WAL and its commit waits for no disk;
    // a crash of the server (or a failover to a standby) empties it, and buckets start full again.
    "0014_rate_limits": {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable("rate_limits")
          .$call((table) => (dialect === "postgres" ? table.modifyFront(sql`unlogged`) : table))
          .addColumn("scope", "text", (c) => c.notNull())
          .addColumn("key", "text", (c) => c.notNull())
          .addColumn("tokens", "double precision", (c) => c.notNull())
          .addColumn("at_ms", "double precision", (c) => c.notNull())
          .addColumn("full_at_ms", "double precision", (c) => c.notNull())
          .addColumn("allowed", "integer", (c) => c.notNull())
          .addPrimaryKeyConstraint("rate_limits_pk", ["scope", "key"])
          .execute();
        await db.schema.createIndex("rate_limits_full_at").on("rate_limits").column("full_at_ms").execute();
      },
    },
  };
  return { getMigrations: async () => all };
}
