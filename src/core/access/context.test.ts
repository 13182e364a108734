import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
// eslint-disable-next-line no-restricted-imports -- the in-memory store (the contract suite covers the store itself)
import { createMemoryAccessStore } from "../../adapters/memory/memory-access-store.js";
import { recordingLogger } from "../testing/access.js";
import { createAccessContext, sha256 } from "./context.js";

const at = new Date("2025-03-01T08:00:00.000Z");
const entry = { actor: "alice", action: "sign-out", target: "a", outcome: "success", project: null, labs: [], ip: "192.0.2.1", detail: "" } as const;

describe("the access service's shared context", () => {
  it("keeps secrets as their SHA-256, in base64url", () => {
    expect(sha256("secret")).toBe(createHash("sha256").update("secret").digest("base64url"));
  });

  it("writes audit entries at the clock's time, and logs one it could not write instead of failing", async () => {
    const store = createMemoryAccessStore();
    const { lines, logger } = recordingLogger();
    const context = createAccessContext({ store, clock: { now: () => at }, random: { secret: () => "s", id: () => "i", int: () => 0 }, logger });
    await context.audit(entry);
    expect(await store.listAudit({ labs: null, limit: 5 })).toEqual([expect.objectContaining({ ...entry, at: at.toISOString() })]);
    const broken = { ...store, appendAudit: () => Promise.reject(new Error("disk full")) };
    const failing = createAccessContext({ store: broken, clock: { now: () => at }, random: { secret: () => "s", id: () => "i", int: () => 0 }, logger });
    await expect(failing.audit(entry)).resolves.toBeUndefined();
    expect(lines).toEqual([{ level: "error", fields: { error: "disk full", action: "sign-out" }, message: "audit entry lost" }]);
    expect(failing.later(60_000)).toBe("2025-03-01T08:01:00.000Z");
  });

  it("bounds a cache of principals: full, it starts again", () => {
    const context = createAccessContext({
      store: createMemoryAccessStore(),
      clock: { now: () => at },
      random: { secret: () => "s", id: () => "i", int: () => 0 },
      logger: recordingLogger().logger,
    });
    const cache = new Map<string, number>();
    for (let i = 0; i < 10_000; i++) context.remember(cache, `k${i}`, i);
    expect(cache.size).toBe(10_000);
    context.remember(cache, "one more", 0);
    expect([...cache.keys()]).toEqual(["one more"]);
  });
});
