// The Kysely store: one implementation of the index, observed status and secrets ports for
// SQLite and PostgreSQL alike.
import type { Kysely, Transaction } from "kysely";
import type { InstanceState, RenderedInstance } from "../../core/model.js";
import type { StopBy } from "../../core/instances/expiry.js";
import type { SecretStore } from "../../core/ports/secret-store.js";
import type { IndexedInstance, IndexedPlatform, IndexedProject, StateIndex } from "../../core/ports/state-index.js";
import type { CodeParams } from "../../contracts/codes.js";
import type { EventKind, InstanceEvent, ObservedStatus, Phase, StatusReason, StatusStore } from "../../core/ports/status-store.js";
import type { Database } from "./schema.js";
import type { AccessStore } from "../../core/ports/access-store.js";
import { createSqlAccessStore } from "./sql-access-store.js";

const INDEXED_COMMIT = "indexed_commit";
const EVENTS_KEPT = 200;

type InstanceRow = Database["instances"];
type StatusRow = Database["statuses"];

const toInstance = (row: InstanceRow): IndexedInstance => ({
  project: row.project,
  name: row.name,
  template: row.template,
  templateVersion: row.template_version,
  platform: row.platform,
  state: row.state as InstanceState,
  values: JSON.parse(row.values_json) as Record<string, unknown>,
  placementReason: row.placement_reason,
  createdAt: row.created_at,
  createdBy: row.created_by,
  expiresAt: row.expires_at,
  ...(row.rendered_json !== null ? { rendered: JSON.parse(row.rendered_json) as RenderedInstance } : {}),
  ...(row.stop_by !== null ? { stopBy: row.stop_by as StopBy } : {}),
});

const toInstanceRow = (instance: IndexedInstance): InstanceRow => ({
  project: instance.project,
  name: instance.name,
  template: instance.template,
  template_version: instance.templateVersion,
  platform: instance.platform,
  state: instance.state,
  values_json: JSON.stringify(instance.values),
  placement_reason: instance.placementReason,
  created_at: instance.createdAt,
  created_by: instance.createdBy,
  expires_at: instance.expiresAt,
  rendered_json: instance.rendered ? JSON.stringify(instance.rendered) : null,
  stop_by: instance.stopBy ?? null,
});

const toProject = (row: Database["projects"]): IndexedProject => ({
  name: row.name,
  title: row.title,
  createdAt: row.created_at,
  createdBy: row.created_by,
  lab: row.lab,
  personal: row.personal,
  members: JSON.parse(row.members_json) as IndexedProject["members"],
  quota: JSON.parse(row.quota_json) as IndexedProject["quota"],
  tiers: JSON.parse(row.tiers_json) as IndexedProject["tiers"],
});
const toProjectRow = (project: IndexedProject): Database["projects"] => ({
  name: project.name,
  title: project.title,
  created_at: project.createdAt,
  created_by: project.createdBy,
  lab: project.lab,
  personal: project.personal,
  members_json: JSON.stringify(project.members),
  quota_json: JSON.stringify(project.quota),
  tiers_json: JSON.stringify(project.tiers),
});
const toPlatform = (row: Database["platforms"]): IndexedPlatform => ({ ...row, engine: row.engine as IndexedPlatform["engine"] });

const toStatus = (row: StatusRow): ObservedStatus => ({
  project: row.project,
  instance: row.instance,
  platform: row.platform,
  phase: row.phase as Phase,
  reason: row.reason,
  reasonCode: row.reason_code as StatusReason,
  reasonParams: JSON.parse(row.reason_params_json) as CodeParams,
  appliedHash: row.applied_hash,
  endpoint: row.endpoint,
  updatedAt: row.updated_at,
});

export interface SqlStore {
  readonly index: StateIndex;
  readonly statuses: StatusStore;
  readonly secrets: SecretStore;
  readonly access: AccessStore;
}

export function createSqlStore(db: Kysely<Database>, clock: { now(): Date }): SqlStore {
  async function upsert<T extends keyof Database & string>(trx: Transaction<Database>, table: T, row: Database[T], keys: (keyof Database[T] & string)[]) {
    // insert … on conflict do update works in SQLite and PostgreSQL alike.
    const updates = Object.fromEntries(Object.entries(row as object).filter(([key]) => !keys.includes(key as never)));
    await trx
      .insertInto(table)
      .values(row as never)
      .onConflict((conflict) => conflict.columns(keys as never).doUpdateSet(updates as never))
      .execute();
  }

  const index: StateIndex = {
    async indexedCommit() {
      const row = await db.selectFrom("meta").select("value").where("key", "=", INDEXED_COMMIT).executeTakeFirst();
      return row?.value ?? null;
    },

    async apply(delta) {
      await db.transaction().execute(async (trx) => {
        if (delta.reset) {
          await trx.deleteFrom("instances").execute();
          await trx.deleteFrom("projects").execute();
          await trx.deleteFrom("platforms").execute();
        }
        for (const name of delta.platforms.remove) await trx.deleteFrom("platforms").where("name", "=", name).execute();
        for (const platform of delta.platforms.upsert) await upsert(trx, "platforms", { ...platform }, ["name"]);
        for (const name of delta.projects.remove) await trx.deleteFrom("projects").where("name", "=", name).execute();
        for (const project of delta.projects.upsert) {
          await upsert(trx, "projects", toProjectRow(project), ["name"]);
        }
        for (const { project, name } of delta.instances.remove) {
          await trx.deleteFrom("instances").where("project", "=", project).where("name", "=", name).execute();
        }
        for (const instance of delta.instances.upsert) await upsert(trx, "instances", toInstanceRow(instance), ["project", "name"]);
        for (const request of delta.requests) await upsert(trx, "requests", { id: request.id, commit_id: request.commit, target: request.target }, ["id"]);
        await upsert(trx, "meta", { key: INDEXED_COMMIT, value: delta.commit }, ["key"]);
      });
    },

    async listPlatforms() {
      return (await db.selectFrom("platforms").selectAll().orderBy("name").execute()).map(toPlatform);
    },
    async getPlatform(name) {
      const row = await db.selectFrom("platforms").selectAll().where("name", "=", name).executeTakeFirst();
      return row ? toPlatform(row) : undefined;
    },
    async listProjects() {
      return (await db.selectFrom("projects").selectAll().orderBy("name").execute()).map(toProject);
    },
    async getProject(name) {
      const row = await db.selectFrom("projects").selectAll().where("name", "=", name).executeTakeFirst();
      return row ? toProject(row) : undefined;
    },
    async listInstances(filter) {
      let query = db.selectFrom("instances").selectAll();
      if (filter.project) query = query.where("project", "=", filter.project);
      if (filter.projects) {
        if (filter.projects.length === 0) return [];
        query = query.where("project", "in", [...filter.projects]);
      }
      if (filter.platform) query = query.where("platform", "=", filter.platform);
      return (await query.orderBy("project").orderBy("name").execute()).map(toInstance);
    },
    async getInstance(project, name) {
      const row = await db.selectFrom("instances").selectAll().where("project", "=", project).where("name", "=", name).executeTakeFirst();
      return row ? toInstance(row) : undefined;
    },
    async findRequest(id) {
      const row = await db.selectFrom("requests").selectAll().where("id", "=", id).executeTakeFirst();
      return row ? { id: row.id, commit: row.commit_id, target: row.target } : undefined;
    },
  };

  const statuses: StatusStore = {
    async setStatus(status) {
      const row: StatusRow = {
        project: status.project,
        instance: status.instance,
        platform: status.platform,
        phase: status.phase,
        reason: status.reason,
        reason_code: status.reasonCode,
        reason_params_json: JSON.stringify(status.reasonParams),
        applied_hash: status.appliedHash,
        endpoint: status.endpoint,
        updated_at: status.updatedAt,
      };
      await db.transaction().execute((trx) => upsert(trx, "statuses", row, ["project", "instance"]));
    },
    async getStatus(project, instance) {
      const row = await db.selectFrom("statuses").selectAll().where("project", "=", project).where("instance", "=", instance).executeTakeFirst();
      return row ? toStatus(row) : undefined;
    },
    async listStatuses(filter) {
      let query = db.selectFrom("statuses").selectAll();
      if (filter.project) query = query.where("project", "=", filter.project);
      if (filter.projects) {
        if (filter.projects.length === 0) return [];
        query = query.where("project", "in", [...filter.projects]);
      }
      if (filter.platform) query = query.where("platform", "=", filter.platform);
      return (await query.orderBy("project").orderBy("instance").execute()).map(toStatus);
    },
    async deleteStatus(project, instance) {
      await db.deleteFrom("statuses").where("project", "=", project).where("instance", "=", instance).execute();
      await db.deleteFrom("events").where("project", "=", project).where("instance", "=", instance).execute();
    },
    async addEvent(event: InstanceEvent) {
      await db
        .insertInto("events")
        .values({
          project: event.project,
          instance: event.instance,
          at: event.at,
          kind: event.kind,
          params_json: JSON.stringify(event.params),
          message: event.message,
        })
        .execute();
      // Keep the latest events of each instance only.
      const cutoff = await db
        .selectFrom("events")
        .select("id")
        .where("project", "=", event.project)
        .where("instance", "=", event.instance)
        .orderBy("id", "desc")
        .offset(EVENTS_KEPT)
        .limit(1)
        .executeTakeFirst();
      if (cutoff) {
        await db.deleteFrom("events").where("project", "=", event.project).where("instance", "=", event.instance).where("id", "<=", cutoff.id).execute();
      }
    },
    async listEvents(project, instance, limit) {
      const rows = await db
        .selectFrom("events")
        .selectAll()
        .where("project", "=", project)
        .where("instance", "=", instance)
        .orderBy("id", "desc")
        .limit(limit)
        .execute();
      return rows.reverse().map((row) => ({
        project: row.project,
        instance: row.instance,
        at: row.at,
        // The column holds only kinds written by this code, or "other" for older events.
        kind: row.kind as EventKind,
        params: JSON.parse(row.params_json) as CodeParams,
        message: row.message,
      }));
    },
  };

  const secrets: SecretStore = {
    async ensure(project, instance, names, generate) {
      if (names.length > 0) {
        const createdAt = clock.now().toISOString();
        await db
          .insertInto("secrets")
          .values(names.map((name) => ({ project, instance, name, value: generate(), created_at: createdAt })))
          .onConflict((conflict) => conflict.columns(["project", "instance", "name"]).doNothing())
          .execute();
      }
      const rows = await db.selectFrom("secrets").select(["name", "value"]).where("project", "=", project).where("instance", "=", instance).execute();
      return Object.fromEntries(rows.filter((row) => names.includes(row.name)).map((row) => [row.name, row.value]));
    },
    async put(project, instance, values) {
      const entries = Object.entries(values);
      if (entries.length === 0) return;
      const createdAt = clock.now().toISOString();
      await db
        .insertInto("secrets")
        .values(entries.map(([name, value]) => ({ project, instance, name, value, created_at: createdAt })))
        .onConflict((conflict) =>
          conflict.columns(["project", "instance", "name"]).doUpdateSet((excluded) => ({ value: excluded.ref("excluded.value"), created_at: createdAt })),
        )
        .execute();
    },
    async read(project, instance) {
      const rows = await db
        .selectFrom("secrets")
        .select(["name", "value"])
        .where("project", "=", project)
        .where("instance", "=", instance)
        .orderBy("name")
        .execute();
      return Object.fromEntries(rows.map((row) => [row.name, row.value]));
    },
    async remove(project, instance) {
      await db.deleteFrom("secrets").where("project", "=", project).where("instance", "=", instance).execute();
    },
    async owners() {
      return db.selectFrom("secrets").select(["project", "instance"]).distinct().orderBy("project").orderBy("instance").execute();
    },
  };

  return { index, statuses, secrets, access: createSqlAccessStore(db) };
}
