// A key rotation restarts a running instance on a real podman (ADR 0030): the instance's
// reconciler replaces its pod although its revision did not change, and the new pod reads its
// generated Secret anew (what a rotated S3 key needs). Here the test template's generated
// `token` stands for the S3 keys, which templates reach the same way.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { createMemoryObjectStorage } from "../../src/adapters/memory/memory-object-storage.js";
import { createPodmanEngine } from "../../src/adapters/podman/podman-engine.js";
import { INSTANCE_S3_ACCESS_KEY_ID, INSTANCE_S3_SECRET_ACCESS_KEY, readProjectKey } from "../../src/core/buckets/key-store.js";
import { API_VERSION, serialize } from "../../src/core/model.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { bucketPath } from "../../src/core/repository/layout.js";
import { cleanPodmanProject, httpGet, podmanUnavailable } from "../support/podman.js";
import { alice, memoryPlateau } from "../support/plateau.js";

const unavailable = await podmanUnavailable();
const PROJECT = "keyrot";
const runtimeDir = await mkdtemp(join(tmpdir(), "plateau-keyrot-"));

afterAll(async () => {
  if (!unavailable) await cleanPodmanProject(PROJECT);
  await rm(runtimeDir, { recursive: true, force: true });
});

describe.skipIf(unavailable)("a key rotation on podman", () => {
  it("restarts the running instance that held the old key, and its new pod reads its Secret anew", async () => {
    await cleanPodmanProject(PROJECT);
    const engine = createPodmanEngine({ runtimeDir, installation: "keyrot01", stopTimeoutSeconds: 0, startupTimeoutMs: 30_000, logger: silentLogger });
    const storage = createMemoryObjectStorage();
    const { plateau, adapters, reconciler, repo } = await memoryPlateau({
      engines: new Map([["podman", engine]]),
      objectStorages: { storageFor: async (platform) => (platform === "local" ? storage : undefined) },
    });
    await plateau.services.projects.create({ name: PROJECT, lab: "imb", title: "Key rotation" }, alice);
    await repo.commit({
      parent: await repo.head(),
      author: alice,
      message: "a bucket",
      trailers: {},
      changes: [
        {
          path: bucketPath(PROJECT, "keyrot-data"),
          content: serialize({
            apiVersion: API_VERSION,
            kind: "Bucket",
            metadata: { name: "keyrot-data", project: PROJECT, createdAt: "2026-03-01T09:00:00Z", createdBy: "alice" },
            spec: { quota: { sizeGiB: 1 } },
            placement: { platform: "local", reason: "test" },
          }),
        },
      ],
    });
    await plateau.refresh();
    await plateau.bucketReconcilers.get("local")?.reconcileOnce();
    await plateau.services.instances.launch({ template: "test-web", project: PROJECT, name: "web" }, alice);
    await reconciler.reconcileOnce();
    const before = await adapters.statuses.getStatus(PROJECT, "web");
    expect(before?.phase).toBe("running");
    const generated = (await adapters.secrets.read(PROJECT, "web"))["token"];
    expect((await httpGet(before?.endpoint ?? "", "/secret.txt")).trim()).toBe(generated);

    // As injection keeps it: the project's key among the instance's generated secrets; and a value changed since the pod started.
    const old = await readProjectKey(adapters.secrets, "local", PROJECT);
    await adapters.secrets.put(PROJECT, "web", {
      token: "changed-since-start",
      [INSTANCE_S3_ACCESS_KEY_ID]: old?.accessKeyId ?? "",
      [INSTANCE_S3_SECRET_ACCESS_KEY]: old?.secretAccessKey ?? "",
    });
    const outcome = await plateau.services.bucketKeys?.rotateKey(PROJECT, "local");
    expect(outcome?.restarted).toEqual(["web"]);
    const after = await adapters.statuses.getStatus(PROJECT, "web");
    expect(after?.phase).toBe("running");
    expect((await httpGet(after?.endpoint ?? "", "/secret.txt")).trim()).toBe("changed-since-start");
    expect((await adapters.secrets.read(PROJECT, "web"))[INSTANCE_S3_ACCESS_KEY_ID]).toBe(outcome?.accessKeyId);
    expect(await storage.keys(PROJECT)).toEqual([outcome?.accessKeyId]);
    await plateau.stop();
  }, 120_000);
});
