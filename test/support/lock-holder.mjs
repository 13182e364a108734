// A replica holding the write lock, in its own process, for test/integration/frozen-writer.test.ts:
// the real PostgreSQL coordination (the built dist/). It takes the lock, prints `held`, and
// answers each line `check` on its stdin with `fence ok` or `fence lost <reason>`; `release`
// ends the work (and the process).
//   node test/support/lock-holder.mjs <postgres url> <idle timeout ms>
import { createInterface } from "node:readline";
import { join } from "node:path";

const root = join(import.meta.dirname, "..", "..");
const { createPostgresCoordination } = await import(join(root, "dist", "adapters/sql/pg-coordination.js"));
const [url, idle] = process.argv.slice(2);
const silent = { info() {}, warn() {}, error() {}, debug() {} };
const coordination = createPostgresCoordination({
  url,
  replicaId: "holder",
  lockTimeoutMs: 10_000,
  idleTimeoutMs: Number(idle),
  clock: { now: () => new Date() },
  logger: silent,
});
const lines = createInterface({ input: process.stdin });
await coordination.writeLock.run(async (fence) => {
  process.stdout.write("held\n");
  for await (const line of lines) {
    if (line === "release") break;
    if (line === "check") {
      const answer = await fence.check().then(
        () => "fence ok",
        (error) => `fence lost ${error.reason}`,
      );
      process.stdout.write(`${answer}\n`);
    }
  }
});
await coordination.close();
process.exit(0);
