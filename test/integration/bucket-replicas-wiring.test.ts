// The wiring of replicas on another site (ADR 0033) in compose: a `replicate <platform>` task beside
// each platform's buckets' reconciler when `plateau up` gives the contents of providers, none
// otherwise; a run records the replica's status where the bucket's view reads it. The copying
// itself, against two real RGWs: bucket-replicas.test.ts.
import { describe, expect, it } from "vitest";
import { createMemoryObjectStorage } from "../../src/adapters/memory/memory-object-storage.js";
import { API_VERSION, serialize, type BucketDocument } from "../../src/core/model.js";
import type { BucketContents } from "../../src/core/ports/bucket-contents.js";
import { bucketPath } from "../../src/core/repository/layout.js";
import { alice, memoryPlateau } from "../support/plateau.js";

const replicated: BucketDocument = {
  apiVersion: API_VERSION,
  kind: "Bucket",
  metadata: { name: "demo-archive", project: "demo", createdAt: "2026-03-01T09:00:00Z", createdBy: "alice" },
  spec: { quota: { sizeGiB: 1 }, replica: { platform: "far" } },
  placement: { platform: "local", reason: "test" },
};

async function setUp(withContents: boolean) {
  const storage = createMemoryObjectStorage();
  const asked: string[] = [];
  const contentsOf = (): BucketContents => {
    asked.push("contents");
    throw new Error("no contents are read when a side has no object storage");
  };
  const composed = await memoryPlateau({
    objectStorages: { storageFor: async (platform) => (platform === "local" ? storage : undefined) },
    ...(withContents ? { bucketContentsOf: contentsOf } : {}),
  });
  const { plateau, repo } = composed;
  await plateau.services.projects.create({ name: "demo", lab: "imb", title: "Demo" }, alice);
  await repo.commit({
    parent: await repo.head(),
    author: alice,
    message: "test",
    trailers: {},
    changes: [{ path: bucketPath("demo", replicated.metadata.name), content: serialize(replicated) }],
  });
  await plateau.refresh();
  return { plateau, asked };
}

describe("replicas on another site, as composed", () => {
  it("adds a replicate task for each platform with a buckets' reconciler, whose run records the replica's status", async () => {
    const { plateau, asked } = await setUp(true);
    expect([...plateau.replicationTasks.keys()]).toEqual(["local"]);
    expect(plateau.replicationTasks.get("local")?.name).toBe("replicate local");
    await plateau.replicationTasks.get("local")?.trigger();
    const replica = plateau.bucketStatuses.get("local", "demo-archive")?.replica;
    expect(replica).toMatchObject({ platform: "far", state: "failed" });
    expect(replica?.message).toContain("platform far has no object storage Plateau drives");
    expect(asked).toEqual([]);
    await plateau.stop();
  });

  it("adds none without the contents of providers", async () => {
    const { plateau } = await setUp(false);
    expect(plateau.bucketReconcilers.has("local")).toBe(true);
    expect(plateau.replicationTasks.size).toBe(0);
    await plateau.stop();
  });
});
