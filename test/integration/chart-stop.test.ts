// Stopping any chart (ADR 24) with the real Helm: a chart without global.suspend but with
// replica values is stopped by committing them at 0 (what `helm template` then renders runs
// no pod) and started with them as they were; a chart nothing scales to zero is refused
// `not-stoppable`, and its expiry, shown from its launch on, removes it. The catalog and the
// form say which. Charts: test/fixtures/stop-charts, served with the Onyxia fixture's.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHelmCatalogs } from "../../src/adapters/helm/helm-catalogs.js";
import { createHelmTemplateRenderer } from "../../src/adapters/helm/helm-template.js";
import { createMemoryEngine } from "../../src/adapters/memory/memory-engine.js";
import { ConflictError } from "../../src/core/errors.js";
import { parseHelmCatalogConfig } from "../../src/core/helm/catalog-config.js";
import { parseChartReference } from "../../src/core/helm/chart-reference.js";
import { parseInstance, parsePlatform } from "../../src/core/model.js";
import { silentLogger } from "../../src/core/ports/logger.js";
import { instancePath } from "../../src/core/repository/layout.js";
import { createFakeClock } from "../../src/core/testing/fake-clock.js";
import { FIXTURE_CHARTS, packFixtureChart, startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { helmUnavailable, TEST_HELM } from "../support/helm.js";
import { alice, memoryPlateau } from "../support/plateau.js";

const plmshift = parsePlatform(
  readFileSync(join(import.meta.dirname, "..", "..", "examples", "community", "platforms", "plmshift.yaml"), "utf8"),
  "platforms/plmshift.yaml",
);
const viewer = { login: "alice", groups: ["lab:imb"], labs: ["imb"], operator: false };

const skip = helmUnavailable();
let repository: ChartRepositoryServer;
const renderer = createHelmTemplateRenderer({ command: TEST_HELM });
beforeAll(async () => {
  repository = await startChartRepository({ charts: [...FIXTURE_CHARTS, "scaled-web", "fixed-web"] });
});
afterAll(async () => {
  await renderer.close();
  await repository.close();
});

async function plateau() {
  const clock = createFakeClock(new Date());
  const helmCatalogs = createHelmCatalogs({
    configs: [parseHelmCatalogConfig({ id: "ide", location: repository.location, name: "IDE" })],
    clock,
    logger: silentLogger,
  });
  const composed = await memoryPlateau(
    {
      engines: new Map([
        ["podman", createMemoryEngine()],
        ["argocd", createMemoryEngine()],
      ]),
      helmCatalogs,
      chartRenderer: renderer,
      clock,
    },
    [plmshift],
  );
  await composed.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
  return { ...composed, clock };
}

type Composed = Awaited<ReturnType<typeof plateau>>;
const intentOf = async ({ repo }: Composed, name: string) =>
  parseInstance((await repo.readFile((await repo.head()) as string, instancePath("demo", name))) ?? "", name);

/** The replicas of each Deployment `helm template` renders from the chart's archive and these values. */
async function renderedReplicas(chart: string, release: string, values: Record<string, unknown>) {
  const rendered = await renderer.render({ archive: await packFixtureChart(chart), releaseName: release, namespace: "demo", values });
  return Object.fromEntries(
    rendered.objects.filter((object) => object.kind === "Deployment").map((object) => [object.metadata.name, (object.spec as { replicas?: number }).replicas]),
  );
}

describe.skipIf(skip)("stopping any chart (ADR 24)", () => {
  it("says in the catalog and the form how each chart stops; Onyxia's charts keep global.suspend", async () => {
    const { plateau: p } = await plateau();
    const { charts } = await p.services.charts.list(viewer, { lang: "en" });
    const stops = Object.fromEntries(charts.map((chart) => [chart.chart, chart.stop]));
    expect(stops).toEqual({
      "fixed-web": "remove-on-expiry",
      "jupyter-python": "suspend",
      "jupyter-pytorch-gpu": "suspend",
      rstudio: "suspend",
      "scaled-web": "replicas",
      "vscode-python": "suspend",
    });
    const context = { login: "alice", project: "demo", lang: "fr", randomSubdomain: "preview" };
    expect((await p.services.charts.form(parseChartReference("ide/scaled-web"), viewer, context)).stop).toBe("replicas");
    expect((await p.services.charts.form(parseChartReference("ide/fixed-web"), viewer, context)).stop).toBe("remove-on-expiry");
  });

  it("stops a chart by committing its replica values at 0, and starts it with them as they were", async () => {
    const composed = await plateau();
    const instances = composed.plateau.services.instances;
    await instances.launch({ template: "ide/scaled-web", project: "demo", name: "web", viewer }, alice);
    const launched = await intentOf(composed, "web");
    expect(launched.spec.stop).toEqual({ by: "replicas", paths: [["replicaCount"], ["worker", "replicas"]] });
    expect(launched.spec.expiresAt).toBeDefined();
    expect(await renderedReplicas("scaled-web", "web", launched.spec.values)).toEqual({ "web-web": 2, "web-worker": 1 });

    const stopped = await instances.stop("demo", "web", alice);
    expect(stopped.commit).not.toBeNull();
    const intent = await intentOf(composed, "web");
    expect(intent.spec).toMatchObject({ state: "stopped", values: { replicaCount: 0, worker: { replicas: 0 } } });
    // The form's value is kept; the worker's, which the values did not hold, goes back to the chart's default.
    expect(intent.spec.stop).toEqual({
      by: "replicas",
      paths: [["replicaCount"], ["worker", "replicas"]],
      restore: [{ path: ["replicaCount"], value: 2 }, { path: ["worker"] }],
    });
    expect(await renderedReplicas("scaled-web", "web", intent.spec.values)).toEqual({ "web-web": 0, "web-worker": 0 });

    await instances.start("demo", "web", alice);
    const started = await intentOf(composed, "web");
    expect(started.spec.values).toEqual(launched.spec.values);
    expect(started.spec.stop).toEqual(launched.spec.stop);
    expect(await renderedReplicas("scaled-web", "web", started.spec.values)).toEqual({ "web-web": 2, "web-worker": 1 });
  });

  it("refuses to stop a chart nothing scales to zero, naming why; its expiry, shown from its launch on, removes it", async () => {
    const composed = await plateau();
    const instances = composed.plateau.services.instances;
    await instances.launch({ template: "ide/fixed-web", project: "demo", name: "fixed", viewer }, alice);
    const launched = await intentOf(composed, "fixed");
    expect(launched.spec.stop).toEqual({
      by: "remove-on-expiry",
      why: "no value of the chart scales its workloads (no replicaCount or replicas): Deployment/fixed-web still runs 1 pod",
    });
    // The notice: the expiry people see from the launch on (portal, plateau ls and status).
    const expiresAt = (await instances.get("demo", "fixed")).expiresAt;
    expect(expiresAt).not.toBeNull();

    const head = await composed.repo.head();
    const refused = await instances.stop("demo", "fixed", alice).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(ConflictError);
    expect(refused).toMatchObject({ reason: "not-stoppable", message: expect.stringContaining("Deployment/fixed-web still runs 1 pod") });
    expect(await composed.repo.head()).toBe(head);

    expect(await instances.expireDue()).toEqual({ expired: [], failed: [] });
    composed.clock.set(new Date(Date.parse(expiresAt as string) + 1000));
    const report = await instances.expireDue();
    expect(report).toMatchObject({ expired: [{ instance: "demo/fixed" }], failed: [] });
    expect(await composed.repo.readFile((await composed.repo.head()) as string, instancePath("demo", "fixed"))).toBeUndefined();
    const [entry] = await instances.history({ project: "demo", instance: "fixed" }, 1);
    expect(entry).toMatchObject({ action: "expire", author: "Plateau", subject: "expire demo/fixed" });
    expect(await instances.expireDue()).toEqual({ expired: [], failed: [] });
  });
});
