// A cluster platform end to end, short of a cluster: Plateau commits, its reconciler asks the
// Argo CD engine, the engine reads Applications from an Argo CD API (a fake whose every
// request and answer is checked against Argo CD's real API description) and the instance's
// status follows what Argo CD reports for the revision Plateau committed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryRepository } from "../../src/adapters/memory/memory-repository.js";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { systemClock } from "../../src/adapters/system/system.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { renderedInstanceDir } from "../../src/core/repository/layout.js";
import { createClusterEngines } from "../../src/main/cluster-engines.js";
import { fakeApplication, startFakeArgoCd, type FakeArgoCd } from "../support/fake-argocd.js";
import { alice, clusterPlatform, memoryPlateau } from "../support/plateau.js";

let argo: FakeArgoCd;
beforeAll(async () => {
  argo = await startFakeArgoCd({ token: "plateau-argocd-token" });
});
afterAll(async () => argo.close());

const cluster = () =>
  clusterPlatform({
    title: "PLMshift",
    argocd: { url: argo.url, namespace: "argocd", repoURL: "https://git.example.org/plateau/desired-state.git", tokenEnv: "PLMSHIFT_ARGOCD_TOKEN" },
  });

async function plateau(env: NodeJS.ProcessEnv) {
  const repo = createMemoryRepository({ clock: systemClock });
  const clusters = createClusterEngines({ env, repo, logger: silentLogger });
  const composed = await memoryPlateau({ repo, engines: new Map([["podman", createMemoryEngine()]]), engineFor: clusters.engineFor }, [cluster()]);
  await composed.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
  return composed;
}

describe("a cluster platform through Argo CD", () => {
  it("shows the platform available through Argo CD's API, and says which variable to set without a token", async () => {
    const { plateau: p } = await plateau({ PLMSHIFT_ARGOCD_TOKEN: "plateau-argocd-token" });
    const [view] = (await p.services.platforms.list()).filter((platform) => platform.name === "plmshift");
    expect(view).toMatchObject({ available: true, version: expect.stringContaining("Argo CD") });
    const { plateau: without } = await plateau({});
    const [unavailable] = (await without.services.platforms.list()).filter((platform) => platform.name === "plmshift");
    expect(unavailable?.available).toBe(false);
    expect(`${unavailable?.reason} ${unavailable?.hint}`).toContain("PLMSHIFT_ARGOCD_TOKEN");
  });

  it("follows Argo CD: starting while it syncs the committed revision, running once synced and healthy, failed with its message", async () => {
    const { plateau: p, repo } = await plateau({ PLMSHIFT_ARGOCD_TOKEN: "plateau-argocd-token" });
    const launched = await p.services.instances.launch({ template: "static-site", project: "demo", name: "site", platform: "plmshift" }, alice);
    const reconciler = p.reconcilers.get("plmshift");
    if (!reconciler) throw new Error("no reconciler for the cluster platform");
    const revision = launched.commit ?? "";
    const path = renderedInstanceDir("plmshift", "demo", "site");

    // Argo CD has not generated the Application yet.
    await reconciler.reconcileOnce();
    expect((await p.services.instances.get("demo", "site")).phase).toBe("starting");

    // It syncs the revision Plateau committed…
    argo.setApplications([
      fakeApplication({
        platform: "plmshift",
        project: "demo",
        instance: "site",
        path,
        revision,
        sync: "OutOfSync",
        health: "Progressing",
        operation: { phase: "Running" },
      }),
    ]);
    await reconciler.reconcileOnce();
    const syncing = await p.services.instances.get("demo", "site");
    expect(syncing.phase).toBe("starting");

    // …and it is synced and healthy: running, at the URL Argo CD lists.
    argo.setApplications([
      fakeApplication({
        platform: "plmshift",
        project: "demo",
        instance: "site",
        path,
        revision,
        sync: "Synced",
        health: "Healthy",
        externalURLs: ["https://site.demo.apps.math.example.org"],
      }),
    ]);
    await reconciler.reconcileOnce();
    expect((await p.services.instances.get("demo", "site")).phase).toBe("running");

    // The workload degrades: failed, with Argo CD's message.
    argo.setApplications([
      fakeApplication({
        platform: "plmshift",
        project: "demo",
        instance: "site",
        path,
        revision,
        sync: "Synced",
        health: "Degraded",
        healthMessage: "Deployment exceeded its progress deadline",
      }),
    ]);
    await reconciler.reconcileOnce();
    const degraded = await p.services.instances.get("demo", "site");
    expect(degraded.phase).toBe("failed");
    expect(degraded.reason).toContain("progress deadline");
    expect(await repo.head()).toBe(revision);
    // Every request Plateau made was one Argo CD's API describes, with its token.
    expect(argo.violations).toEqual([]);
  });
});
