// A reconciler over more instances than it keeps parsed manifests for (500): a pass after a
// commit that changed none of them reads none of their manifests again. Before, every pass over
// a large platform read and parsed every instance (B14: the leader at 6.7× a follower's CPU).
import { describe, expect, it } from "vitest";
import { createMemoryRepository } from "../../src/adapters/memory/memory-repository.js";
import { systemClock } from "../../src/adapters/system/system.js";
import type { DesiredStateRepository } from "../../src/core/ports/desired-state-repository.js";
import { memoryPlateau } from "../support/plateau.js";

const INSTANCES = 600;

const deployment = (name: string) =>
  [
    "apiVersion: apps/v1",
    "kind: Deployment",
    `metadata: {name: ${name}, namespace: many}`,
    "spec:",
    "  replicas: 1",
    `  selector: {matchLabels: {app: ${name}}}`,
    "  template:",
    `    metadata: {labels: {app: ${name}}}`,
    "    spec:",
    "      containers:",
    `        - {name: web, image: localhost/plateau-test-site:4}`,
    "",
  ].join("\n");

describe("a reconciler over many instances", () => {
  it(`reads none of ${INSTANCES} unchanged instances' manifests again after a commit`, { timeout: 120_000 }, async () => {
    const inner = createMemoryRepository({ clock: systemClock });
    let instanceReads = 0;
    // Reads of an instance's directory of manifests (rendered/local/<project>/<instance>).
    const repo: DesiredStateRepository = {
      ...inner,
      listDirectory: (commit, path) => {
        if (/^rendered\/local\/many\/i\d+$/.test(path)) instanceReads++;
        return inner.listDirectory(commit, path);
      },
    };
    const { plateau, reconciler, engine } = await memoryPlateau({ repo });
    const author = { name: "Test", email: "test@localhost" };
    await repo.commit({
      parent: await repo.head(),
      author,
      message: "many instances",
      trailers: {},
      changes: Array.from({ length: INSTANCES }, (_, i) => ({ path: `rendered/local/many/i${i}/deployment-i${i}.yaml`, content: deployment(`i${i}`) })),
    });
    reconciler.start();
    reconciler.wake();
    await reconciler.idle();
    expect(engine.applied()).toBe(INSTANCES);

    await repo.commit({ parent: await repo.head(), author, message: "something else", trailers: {}, changes: [{ path: "notes.md", content: "hello\n" }] });
    instanceReads = 0;
    reconciler.wake();
    await reconciler.idle();
    expect(engine.applied()).toBe(INSTANCES);
    expect(instanceReads).toBe(0);
    await plateau.stop();
  });
});
