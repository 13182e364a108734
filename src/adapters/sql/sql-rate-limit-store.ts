// Rate-limit buckets in SQLite or PostgreSQL (migration 0014, ADR 0043), shared by every replica
// on the database. A take is ONE statement: an upsert that refills the stored bucket to now and
// takes from it, or refuses, and returns what it decided. PostgreSQL locks the row for the
// update (a concurrent take of the same bucket waits, then sees the tokens this one left); SQLite
// has one writer. No read-then-write: two replicas never both get a bucket's last token.
import { sql, type Kysely, type RawBuilder } from "kysely";
import type { Clock } from "../../core/ports/clock.js";
import type { RateLimitStore } from "../../core/ports/rate-limit-store.js";
import type { Database } from "./schema.js";

// As the memory buckets: floating-point noise must not turn an exact wait of n seconds into n + 1.
const EPSILON = 1e-9;

/** A number as SQL, typed: PostgreSQL cannot guess the type of a parameter in arithmetic. */
const real = (value: number): RawBuilder<number> => sql<number>`cast(${value} as double precision)`;
const larger = (a: RawBuilder<number>, b: RawBuilder<number>) => sql<number>`(case when ${a} > ${b} then ${a} else ${b} end)`;
const smaller = (a: RawBuilder<number>, b: RawBuilder<number>) => sql<number>`(case when ${a} < ${b} then ${a} else ${b} end)`;

export function createSqlRateLimitStore(db: Kysely<Database>, clock: Clock): RateLimitStore {
  return {
    async take(scope, key, rule, cost) {
      const now = clock.now().getTime();
      const capacity = real(rule.capacity);
      const taken = real(cost);
      // A bucket is full again at most capacity / refill after its last take: then its row can go.
      const fullSpan = real((rule.capacity * 60_000) / rule.refillPerMinute);
      const stored = { tokens: sql<number>`rate_limits.tokens`, at: sql<number>`rate_limits.at_ms` };
      // A clock that steps back (another replica's, a little behind) refills nothing.
      const elapsed = larger(sql<number>`${real(now)} - ${stored.at}`, real(0));
      const refilled = smaller(sql<number>`${stored.tokens} + ${elapsed} * ${real(rule.refillPerMinute)} / 60000.0`, capacity);
      const enough = sql<boolean>`${refilled} + ${real(EPSILON)} >= ${taken}`;
      const at = larger(real(now), stored.at);
      const { rows } = await sql<{ tokens: number; allowed: number }>`
        insert into rate_limits (scope, "key", tokens, at_ms, full_at_ms, allowed)
        values (${scope}, ${key}, ${real(rule.capacity - cost)}, ${real(now)}, ${real(now)} + ${fullSpan}, 1)
        on conflict (scope, "key") do update set
          tokens = case when ${enough} then ${larger(sql<number>`${refilled} - ${taken}`, real(0))} else ${refilled} end,
          allowed = case when ${enough} then 1 else 0 end,
          at_ms = ${at},
          full_at_ms = ${at} + ${fullSpan}
        returning tokens, allowed`.execute(db);
      const row = rows[0];
      if (!row) throw new Error("the rate-limit upsert returned no row");
      const tokens = Number(row.tokens);
      if (Number(row.allowed) === 1) return { allowed: true, remaining: Math.floor(tokens + EPSILON) };
      const seconds = ((cost - tokens) * 60) / rule.refillPerMinute;
      return { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil(seconds - EPSILON)) };
    },
    async reset(scope, key) {
      await db.deleteFrom("rate_limits").where("scope", "=", scope).where("key", "=", key).execute();
    },
    async purge() {
      const result = await db.deleteFrom("rate_limits").where("full_at_ms", "<=", clock.now().getTime()).executeTakeFirst();
      return Number(result.numDeletedRows);
    },
  };
}
