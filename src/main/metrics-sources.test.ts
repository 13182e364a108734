import { describe, expect, it } from "vitest";
import { createMemoryRepository } from "../adapters/memory/memory-repository.js";
import { systemClock } from "../adapters/system/system.js";
import type { PlatformDocument } from "../core/model.js";
import { localPlatformDocument } from "../core/platforms/service.js";
import { createMetricsSources } from "./metrics-sources.js";

const author = { login: "oscar", name: "oscar", email: "oscar@users.plateau.invalid" };
const platform = (name: string, metrics?: PlatformDocument["spec"]["metrics"]): PlatformDocument => {
  const document = localPlatformDocument("apps.example.org");
  return { ...document, metadata: { name }, spec: { ...document.spec, ...(metrics ? { metrics } : {}) } };
};

describe("createMetricsSources", () => {
  it("follows the platforms of the repository's head, and builds a source again only when its settings or token change", async () => {
    const repo = createMemoryRepository({ clock: systemClock });
    const env: Record<string, string> = { VM_TOKEN: "one" };
    const sources = createMetricsSources({ env, repo });
    expect(await sources.platforms()).toEqual([]);
    const write = async (...documents: PlatformDocument[]) =>
      repo.commit({
        parent: await repo.head(),
        author,
        message: "platforms",
        trailers: {},
        // JSON is YAML: the platform files as an operator would write them.
        changes: documents.map((document) => ({ path: `platforms/${document.metadata.name}.yaml`, content: JSON.stringify(document) })),
      });
    await write(platform("local"), platform("plmapps", { url: "http://127.0.0.1:1/select/0/prometheus", tokenEnv: "VM_TOKEN" }));
    const first = await sources.platforms();
    expect(first.map(({ name, metrics }) => [name, metrics?.namespaceLabel ?? null])).toEqual([
      ["local", null],
      ["plmapps", "namespace"],
    ]);
    const source = first[1]?.metrics?.source;
    expect((await sources.platforms())[1]?.metrics?.source).toBe(source);
    // A new token in the environment: a new source.
    env.VM_TOKEN = "two";
    expect((await sources.platforms())[1]?.metrics?.source).not.toBe(source);
    // An operator's merge adds a platform with its own namespace label.
    await write(platform("cirrus", { url: "https://vm.example.org", labels: { namespace: "kube_namespace" } }));
    expect((await sources.platforms()).map(({ name, metrics }) => [name, metrics?.namespaceLabel ?? null])).toEqual([
      ["cirrus", "kube_namespace"],
      ["local", null],
      ["plmapps", "namespace"],
    ]);
  });

  it("gives a platform without spec.metrics the source configuration sets for it (the local platform's)", async () => {
    const repo = createMemoryRepository({ clock: systemClock });
    const sources = createMetricsSources({ env: {}, repo, configured: { local: { url: "http://127.0.0.1:2" } } });
    await repo.commit({
      parent: null,
      author,
      message: "platforms",
      trailers: {},
      changes: [{ path: "platforms/local.yaml", content: JSON.stringify(platform("local")) }],
    });
    expect((await sources.platforms()).map(({ name, metrics }) => [name, metrics?.namespaceLabel ?? null])).toEqual([["local", "namespace"]]);
  });
});
