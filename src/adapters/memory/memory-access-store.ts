// The access store in memory, for tests and throw-away runs; it passes the same contract
// suite as the SQL one.
import type { AccessStore, AuditRecord, OneTimeKind, SessionRecord, TokenRecord, UserRecord } from "../../core/ports/access-store.js";
import { uniqueLogin } from "../../core/access/logins.js";

export function createMemoryAccessStore(): AccessStore {
  const users = new Map<string, UserRecord>();
  const sessions = new Map<string, SessionRecord>();
  const once = new Map<string, { payload: string; expiresAt: string }>();
  const tokens = new Map<string, TokenRecord>();
  const audit: AuditRecord[] = [];
  let nextUser = 1;
  const onceKey = (kind: OneTimeKind, hash: string) => `${kind}:${hash}`;

  return {
    async upsertUser({ operatorLogins = [], ...identity }, now) {
      const operator = (login: string) => identity.operator || operatorLogins.includes(login);
      const existing = [...users.values()].find((user) => user.issuer === identity.issuer && user.subject === identity.subject);
      if (existing) {
        const updated: UserRecord = { ...existing, ...identity, login: existing.login, operator: operator(existing.login), lastSignInAt: now };
        users.set(existing.id, updated);
        return structuredClone(updated);
      }
      const taken = new Set([...users.values()].map((user) => user.login));
      const login = uniqueLogin(identity.login, (candidate) => taken.has(candidate));
      const user: UserRecord = { ...identity, login, operator: operator(login), id: `u${nextUser++}`, createdAt: now, lastSignInAt: now };
      users.set(user.id, user);
      return structuredClone(user);
    },
    async usersByLogin(logins) {
      const wanted = new Set(logins);
      return [...users.values()].filter((user) => wanted.has(user.login)).map((user) => structuredClone(user));
    },
    async getUser(id) {
      const user = users.get(id);
      return user && structuredClone(user);
    },
    async createSession(session) {
      sessions.set(session.idHash, { ...session });
    },
    async getSession(idHash) {
      const session = sessions.get(idHash);
      return session && { ...session };
    },
    async touchSession(idHash, lastSeenAt) {
      const session = sessions.get(idHash);
      if (session) sessions.set(idHash, { ...session, lastSeenAt });
    },
    async deleteSession(idHash) {
      sessions.delete(idHash);
    },
    async putOnce(kind, keyHash, payload, expiresAt) {
      once.set(onceKey(kind, keyHash), { payload, expiresAt });
    },
    async takeOnce(kind, keyHash, now) {
      const key = onceKey(kind, keyHash);
      const entry = once.get(key);
      once.delete(key);
      return entry && entry.expiresAt > now ? entry.payload : undefined;
    },
    async createToken(token) {
      tokens.set(token.id, structuredClone(token));
    },
    async listTokens(userId) {
      return [...tokens.values()]
        .filter((token) => token.userId === userId)
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : a.id < b.id ? 1 : -1))
        .map((token) => structuredClone(token));
    },
    async findToken(hash) {
      const token = [...tokens.values()].find((candidate) => candidate.hash === hash);
      return token && structuredClone(token);
    },
    async revokeToken(userId, id, at) {
      const token = tokens.get(id);
      if (!token || token.userId !== userId || token.revokedAt !== null) return false;
      tokens.set(id, { ...token, revokedAt: at });
      return true;
    },
    async touchToken(id, at) {
      const token = tokens.get(id);
      if (token) tokens.set(id, { ...token, lastUsedAt: at });
    },
    async appendAudit(entry) {
      audit.push({ ...entry, labs: [...entry.labs], id: audit.length + 1 });
    },
    async listAudit(query) {
      return audit
        .filter(
          (entry) => (query.before === undefined || entry.id < query.before) && (query.labs === null || entry.labs.some((lab) => query.labs?.includes(lab))),
        )
        .reverse()
        .slice(0, query.limit)
        .map((entry) => structuredClone(entry));
    },
    async purgeExpired(now) {
      for (const [key, session] of sessions) if (session.expiresAt <= now) sessions.delete(key);
      for (const [key, entry] of once) if (entry.expiresAt <= now) once.delete(key);
    },
  };
}
