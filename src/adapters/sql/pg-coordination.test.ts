// PostgreSQL's advisory locks as the replicas' coordination (ADR 0040), on a real server.
import { describe, inject, it } from "vitest";
import { createTestDatabase } from "../../../test/support/postgres.js";
import { describeCoordinationContract } from "../../core/ports/coordination.contract.js";
import { silentLogger } from "../../core/ports/logger.js";
import { systemClock } from "../system/system.js";
import { openPostgres } from "./database.js";
import { createPostgresCoordination } from "./pg-coordination.js";

const postgresUrl = inject("postgresUrl");
if (postgresUrl) {
  describeCoordinationContract("postgres", async () => {
    const url = await createTestDatabase(postgresUrl);
    // The leader's row lives in a table of the migrations.
    const database = await openPostgres(url);
    const opened: { close(): Promise<void> }[] = [];
    return {
      async replica(id, options) {
        const coordination = createPostgresCoordination({
          url,
          replicaId: id,
          lockTimeoutMs: options?.lockTimeoutMs ?? 30_000,
          idleTimeoutMs: 60_000,
          clock: systemClock,
          logger: silentLogger,
        });
        opened.push(coordination);
        return { ...coordination, writeLock: coordination.writeLock, leadership: coordination.leadership };
      },
      async close() {
        await Promise.all(opened.map((coordination) => coordination.close()));
        await database.close();
      },
    };
  });
} else {
  describe.skip(`Coordination contract: postgres (${inject("postgresSkipped")})`, () => {
    it("needs a PostgreSQL server", () => {});
  });
}
