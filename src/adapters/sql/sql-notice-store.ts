// Notices in SQLite or PostgreSQL (migration 0011): one row per key, its recipients, and the
// outbox of its deliveries. `add` is one transaction guarded by the key's primary key, so two
// replicas publishing one notice store it once.
import type { Kysely } from "kysely";
import type { NoticeStore, StoredNotice } from "../../core/ports/notice-store.js";
import type { Database } from "./schema.js";

type NoticeRow = Database["notices"];

const toNotice = (row: NoticeRow): StoredNotice => ({
  key: row.key,
  kind: row.kind,
  params: JSON.parse(row.params_json) as StoredNotice["params"],
  project: row.project,
  ...(row.instance !== null ? { instance: row.instance } : {}),
  ...(row.due !== null ? { due: row.due } : {}),
  ...(row.action !== null ? { action: row.action } : {}),
  createdAt: row.created_at,
});

export function createSqlNoticeStore(db: Kysely<Database>): NoticeStore {
  return {
    async add(notice, recipients, deliveries) {
      return db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto("notices")
          .values({
            key: notice.key,
            kind: notice.kind,
            params_json: JSON.stringify(notice.params),
            project: notice.project,
            instance: notice.instance ?? null,
            due: notice.due ?? null,
            action: notice.action ?? null,
            created_at: notice.createdAt,
          })
          .onConflict((conflict) => conflict.column("key").doNothing())
          .executeTakeFirst();
        if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) return false;
        const logins = [...new Set(recipients)];
        if (logins.length > 0)
          await trx
            .insertInto("notice_recipients")
            .values(logins.map((login) => ({ notice_key: notice.key, login, read_at: null })))
            .execute();
        if (deliveries.length > 0) {
          await trx
            .insertInto("notice_deliveries")
            .values(
              deliveries.map((delivery) => ({
                id: `${notice.key}|${delivery.channel}|${delivery.login}|${delivery.address}`,
                notice_key: notice.key,
                channel: delivery.channel,
                login: delivery.login,
                address: delivery.address,
                attempts: 0,
                next_at: notice.createdAt,
                delivered_at: null,
                last_error: null,
              })),
            )
            .onConflict((conflict) => conflict.column("id").doNothing())
            .execute();
        }
        return true;
      });
    },

    async listFor(login, limit) {
      const rows = await db
        .selectFrom("notice_recipients")
        .innerJoin("notices", "notices.key", "notice_recipients.notice_key")
        .selectAll("notices")
        .select("notice_recipients.read_at")
        .where("notice_recipients.login", "=", login)
        .orderBy("notices.created_at", "desc")
        .orderBy("notices.key")
        .limit(limit)
        .execute();
      return rows.map((row) => ({ ...toNotice(row), readAt: row.read_at }));
    },

    async markRead(login, keys, at) {
      if (keys.length === 0) return 0;
      const result = await db
        .updateTable("notice_recipients")
        .set({ read_at: at })
        .where("login", "=", login)
        .where("notice_key", "in", [...new Set(keys)])
        .where("read_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows);
    },

    async dueDeliveries(now, limit) {
      const rows = await db
        .selectFrom("notice_deliveries")
        .innerJoin("notices", "notices.key", "notice_deliveries.notice_key")
        .selectAll("notices")
        .select(["notice_deliveries.id", "notice_deliveries.channel", "notice_deliveries.login", "notice_deliveries.address", "notice_deliveries.attempts"])
        .where("notice_deliveries.delivered_at", "is", null)
        .where("notice_deliveries.next_at", "is not", null)
        .where("notice_deliveries.next_at", "<=", now)
        .orderBy("notice_deliveries.next_at")
        .orderBy("notice_deliveries.id")
        .limit(limit)
        .execute();
      return rows.map((row) => ({
        id: row.id,
        key: row.key,
        channel: row.channel,
        login: row.login,
        address: row.address,
        attempts: Number(row.attempts),
        notice: toNotice(row),
      }));
    },

    async delivered(id, at) {
      await db.updateTable("notice_deliveries").set({ delivered_at: at, next_at: null }).where("id", "=", id).execute();
    },

    async failed(id, error, nextAt) {
      await db
        .updateTable("notice_deliveries")
        .set((eb) => ({ attempts: eb("attempts", "+", 1), next_at: nextAt, last_error: error.slice(0, 2000) }))
        .where("id", "=", id)
        .execute();
    },
  };
}
