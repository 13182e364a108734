// The access store on SQLite or PostgreSQL (Kysely), beside the index in the same database.
import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import { uniqueLogin } from "../../core/access/logins.js";
import type { AccessStore, AuditOutcome, AuditRecord, SessionRecord, TokenRecord, UserRecord } from "../../core/ports/access-store.js";
import type { Database } from "./schema.js";

const toUser = (row: Database["users"]): UserRecord => ({
  id: row.id,
  issuer: row.issuer,
  subject: row.subject,
  login: row.login,
  name: row.name,
  email: row.email,
  groups: JSON.parse(row.groups_json) as string[],
  labs: JSON.parse(row.labs_json) as string[],
  labAdminOf: JSON.parse(row.lab_admin_json) as string[],
  operator: row.operator === 1,
  createdAt: row.created_at,
  lastSignInAt: row.last_sign_in_at,
});

const toSession = (row: Database["sessions"]): SessionRecord => ({
  idHash: row.id_hash,
  userId: row.user_id,
  csrfToken: row.csrf_token,
  provider: row.provider,
  idToken: row.id_token,
  createdAt: row.created_at,
  lastSeenAt: row.last_seen_at,
  expiresAt: row.expires_at,
  parentHash: row.parent_hash,
  instanceHost: row.instance_host,
});

const toToken = (row: Database["tokens"]): TokenRecord => ({
  id: row.id,
  userId: row.user_id,
  name: row.name,
  hash: row.hash,
  prefix: row.prefix,
  projects: row.projects_json === null ? null : (JSON.parse(row.projects_json) as string[]),
  write: row.write === 1,
  createdAt: row.created_at,
  expiresAt: row.expires_at,
  lastUsedAt: row.last_used_at,
  revokedAt: row.revoked_at,
});

const labsColumn = (labs: readonly string[]): string => (labs.length === 0 ? "" : `,${labs.join(",")},`);

export function createSqlAccessStore(db: Kysely<Database>): AccessStore {
  return {
    async upsertUser(identity, now) {
      const fields = {
        name: identity.name,
        email: identity.email,
        groups_json: JSON.stringify(identity.groups),
        labs_json: JSON.stringify(identity.labs),
        lab_admin_json: JSON.stringify(identity.labAdminOf),
        last_sign_in_at: now,
      };
      // A login makes an operator only when it is the login this user has (see UserIdentity).
      const operator = (login: string) => (identity.operator || (identity.operatorLogins ?? []).includes(login) ? 1 : 0);
      for (let attempt = 0; ; attempt++) {
        try {
          return await db.transaction().execute(async (trx) => {
            const existing = await trx
              .selectFrom("users")
              .selectAll()
              .where("issuer", "=", identity.issuer)
              .where("subject", "=", identity.subject)
              .executeTakeFirst();
            if (existing) {
              const updated = { ...fields, operator: operator(existing.login) };
              await trx.updateTable("users").set(updated).where("id", "=", existing.id).execute();
              return toUser({ ...existing, ...updated });
            }
            const similar = await trx
              .selectFrom("users")
              .select("login")
              .where("login", "like", `${identity.login.slice(0, 60)}%`)
              .execute();
            const taken = new Set(similar.map((row) => row.login));
            const login = uniqueLogin(identity.login, (candidate) => taken.has(candidate));
            const row: Database["users"] = {
              id: randomUUID(),
              issuer: identity.issuer,
              subject: identity.subject,
              login,
              created_at: now,
              ...fields,
              operator: operator(login),
            };
            await trx.insertInto("users").values(row).execute();
            return toUser(row);
          });
        } catch (error) {
          // Two first sign-ins racing for one login: the unique constraint decides, retry once.
          if (attempt === 0) continue;
          throw error;
        }
      }
    },
    async usersByLogin(logins) {
      if (logins.length === 0) return [];
      const rows = await db
        .selectFrom("users")
        .selectAll()
        .where("login", "in", [...logins])
        .orderBy("login")
        .execute();
      return rows.map(toUser);
    },

    async getUser(id) {
      const row = await db.selectFrom("users").selectAll().where("id", "=", id).executeTakeFirst();
      return row && toUser(row);
    },

    async createSession(session) {
      await db
        .insertInto("sessions")
        .values({
          id_hash: session.idHash,
          user_id: session.userId,
          csrf_token: session.csrfToken,
          provider: session.provider,
          id_token: session.idToken,
          created_at: session.createdAt,
          last_seen_at: session.lastSeenAt,
          expires_at: session.expiresAt,
          parent_hash: session.parentHash,
          instance_host: session.instanceHost,
        })
        .execute();
    },
    async getSession(idHash) {
      const row = await db.selectFrom("sessions").selectAll().where("id_hash", "=", idHash).executeTakeFirst();
      return row && toSession(row);
    },
    async touchSession(idHash, lastSeenAt) {
      await db.updateTable("sessions").set({ last_seen_at: lastSeenAt }).where("id_hash", "=", idHash).execute();
    },
    async deleteSession(idHash) {
      await db.deleteFrom("sessions").where("id_hash", "=", idHash).execute();
    },

    async putOnce(kind, keyHash, payload, expiresAt) {
      await db.insertInto("one_time").values({ kind, key_hash: keyHash, payload, expires_at: expiresAt }).execute();
    },
    async takeOnce(kind, keyHash, now) {
      // DELETE … RETURNING: two concurrent callbacks cannot both get it.
      const row = await db
        .deleteFrom("one_time")
        .where("kind", "=", kind)
        .where("key_hash", "=", keyHash)
        .returning(["payload", "expires_at"])
        .executeTakeFirst();
      return row && row.expires_at > now ? row.payload : undefined;
    },

    async createToken(token) {
      await db
        .insertInto("tokens")
        .values({
          id: token.id,
          user_id: token.userId,
          name: token.name,
          hash: token.hash,
          prefix: token.prefix,
          projects_json: token.projects === null ? null : JSON.stringify(token.projects),
          write: token.write ? 1 : 0,
          created_at: token.createdAt,
          expires_at: token.expiresAt,
          last_used_at: token.lastUsedAt,
          revoked_at: token.revokedAt,
        })
        .execute();
    },
    async listTokens(userId) {
      const rows = await db.selectFrom("tokens").selectAll().where("user_id", "=", userId).orderBy("created_at", "desc").orderBy("id", "desc").execute();
      return rows.map(toToken);
    },
    async findToken(hash) {
      const row = await db.selectFrom("tokens").selectAll().where("hash", "=", hash).executeTakeFirst();
      return row && toToken(row);
    },
    async revokeToken(userId, id, at) {
      const result = await db
        .updateTable("tokens")
        .set({ revoked_at: at })
        .where("id", "=", id)
        .where("user_id", "=", userId)
        .where("revoked_at", "is", null)
        .executeTakeFirst();
      return Number(result.numUpdatedRows) > 0;
    },
    async touchToken(id, at) {
      await db.updateTable("tokens").set({ last_used_at: at }).where("id", "=", id).execute();
    },

    async appendAudit(entry) {
      await db
        .insertInto("audit")
        .values({
          at: entry.at,
          actor: entry.actor,
          action: entry.action,
          target: entry.target,
          outcome: entry.outcome,
          project: entry.project,
          labs: labsColumn(entry.labs),
          ip: entry.ip,
          detail: entry.detail,
        })
        .execute();
    },
    async listAudit(query) {
      let select = db.selectFrom("audit").selectAll();
      if (query.before !== undefined) select = select.where("id", "<", query.before);
      if (query.labs !== null) {
        const labs = query.labs;
        if (labs.length === 0) return [];
        select = select.where((eb) => eb.or(labs.map((lab) => eb("labs", "like", `%,${lab},%`))));
      }
      const rows = await select.orderBy("id", "desc").limit(query.limit).execute();
      return rows.map((row): AuditRecord => ({
        id: Number(row.id),
        at: row.at,
        actor: row.actor,
        action: row.action,
        target: row.target,
        outcome: row.outcome as AuditOutcome,
        project: row.project,
        labs: row.labs.split(",").filter(Boolean),
        ip: row.ip,
        detail: row.detail,
      }));
    },

    async purgeExpired(now) {
      await db.deleteFrom("sessions").where("expires_at", "<=", now).execute();
      await db.deleteFrom("one_time").where("expires_at", "<=", now).execute();
    },
  };
}
