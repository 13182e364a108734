// A replica that freezes while it holds the write lock (a stopped process, a pause of its
// runtime) must not stop every other replica for ever, and must not commit when it wakes up;
// one that works slowly must keep its lock (ADR 0040). A real PostgreSQL, a real process
// stopped with SIGSTOP.
import { spawn, type ChildProcess } from "node:child_process";
import { once } from "node:events";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresCoordination } from "../../src/adapters/sql/pg-coordination.js";
import { openPostgres } from "../../src/adapters/sql/database.js";
import { UnavailableError } from "../../src/core/errors.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { systemClock } from "../../src/adapters/system/system.js";
import { createTestDatabase, startPostgres } from "../support/postgres.js";

const HOLDER = new URL("../support/lock-holder.mjs", import.meta.url).pathname;
const IDLE_MS = 1500;
const postgres = await startPostgres();
afterAll(async () => {
  if ("url" in postgres) await postgres.stop();
});
if ("skipped" in postgres && process.env.PLATEAU_REQUIRE_POSTGRES === "1") throw new Error(`PostgreSQL is required: ${postgres.skipped}`);
const unavailable = "skipped" in postgres ? postgres.skipped : undefined;

/** The holder's next line on stdout. */
function nextLine(child: ChildProcess): Promise<string> {
  return new Promise((resolve, reject) => {
    let buffer = "";
    const onData = (chunk: Buffer) => {
      buffer += chunk.toString();
      const end = buffer.indexOf("\n");
      if (end < 0) return;
      child.stdout?.off("data", onData);
      resolve(buffer.slice(0, end));
    };
    child.stdout?.on("data", onData);
    child.once("exit", (code) => reject(new Error(`the holder exited with ${code}`)));
  });
}

describe.skipIf(unavailable)("a replica holding the write lock", () => {
  const coordinationOn = (url: string, lockTimeoutMs: number) =>
    createPostgresCoordination({ url, replicaId: "other", lockTimeoutMs, idleTimeoutMs: IDLE_MS, clock: systemClock, logger: silentLogger });

  async function holder(url: string): Promise<ChildProcess> {
    const child = spawn(process.execPath, [HOLDER, url, String(IDLE_MS)], { stdio: ["pipe", "pipe", "inherit"] });
    expect(await nextLine(child)).toBe("held");
    return child;
  }

  it("frozen: loses the lock after the idle timeout, and its fence refuses when it wakes", { timeout: 60_000 }, async () => {
    const url = await createTestDatabase("url" in postgres ? postgres.url : "");
    await (await openPostgres(url)).close();
    const child = await holder(url);
    const other = coordinationOn(url, 20_000);
    try {
      child.kill("SIGSTOP");
      expect(await other.writeLock.run(async () => "written")).toBe("written");
      child.kill("SIGCONT");
      child.stdin?.write("check\n");
      expect(await nextLine(child)).toBe("fence lost write-lock-lost");
      child.stdin?.write("release\n");
      await once(child, "exit");
    } finally {
      child.kill("SIGKILL");
      await other.close();
    }
  });

  it("slow but alive: keeps the lock well past the idle timeout", { timeout: 60_000 }, async () => {
    const url = await createTestDatabase("url" in postgres ? postgres.url : "");
    await (await openPostgres(url)).close();
    const child = await holder(url);
    const other = coordinationOn(url, IDLE_MS * 3);
    try {
      const refused = await other.writeLock.run(async () => "written").catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(UnavailableError);
      expect((refused as UnavailableError).reason).toBe("write-lock-timeout");
      child.stdin?.write("check\n");
      expect(await nextLine(child)).toBe("fence ok");
      child.stdin?.write("release\n");
      await once(child, "exit");
      expect(await other.writeLock.run(async () => "written")).toBe("written");
    } finally {
      child.kill("SIGKILL");
      await other.close();
    }
  });
});

if (unavailable) describe.skip(`a replica holding the write lock (${unavailable})`, () => it("needs PostgreSQL", () => {}));
