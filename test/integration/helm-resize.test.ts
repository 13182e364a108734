// A Helm chart resized: its `resources.requests` in its values, one commit through the writer,
// checked as a launch is (the real Helm renders it, the preflight runs, what its pods ask is
// recorded again); the same sizes again commit nothing.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHelmTemplateRenderer } from "../../src/adapters/helm/helm-template.js";
import { parseHelmCatalogConfig } from "../../src/core/helm/catalog-config.js";
import { parseInstance, parsePlatform } from "../../src/core/model.js";
import { instancePath } from "../../src/core/repository/layout.js";
import { startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { helmUnavailable, TEST_HELM } from "../support/helm.js";
import { helmPlateau } from "../support/helm-plateau.js";
import { alice } from "../support/plateau.js";

const plmvshift = parsePlatform(
  readFileSync(join(import.meta.dirname, "..", "..", "examples", "community", "platforms", "plmvshift.yaml"), "utf8"),
  "platforms/plmvshift.yaml",
);
const viewer = { login: "alice", groups: ["lab:imb"], labs: ["imb"], operator: false };
const skip = helmUnavailable();
let repository: ChartRepositoryServer;
const renderer = createHelmTemplateRenderer({ command: TEST_HELM });
beforeAll(async () => {
  repository = await startChartRepository();
});
afterAll(async () => {
  await repository.close();
  await renderer.close();
});

describe.skipIf(skip)("a Helm chart resized", () => {
  it("gets resources.requests in its values in one commit, rendered and checked again; the same again commits nothing", async () => {
    const composed = await helmPlateau([parseHelmCatalogConfig({ id: "ide", location: repository.location, name: "IDE" })], [plmvshift], renderer);
    await composed.plateau.services.projects.create({ name: "demo", lab: "imb" }, alice);
    await composed.plateau.services.projects.setQuota("demo", { cpu: 64, memoryGiB: 256, gpu: 2, instances: 20, storageGiB: 500 }, alice);
    const { instances } = composed.plateau.services;
    await instances.launch({ template: "ide/jupyter-python", project: "demo", name: "notebook", platform: "plmvshift", viewer }, alice);
    const before = await composed.repo.head();

    const resized = await instances.resize("demo", "notebook", { cpuMillicores: 250, memoryMiB: 1536 }, alice, undefined, "Following the advice.");
    expect(resized.commit).not.toBeNull();
    const head = (await composed.repo.head()) ?? "";
    expect(head).not.toBe(before);
    const intent = parseInstance((await composed.repo.readFile(head, instancePath("demo", "notebook"))) ?? "", "intent");
    // In the chart's units: its memory slider takes whole GiB (rounded up).
    expect(intent.spec.values).toMatchObject({ resources: { requests: { cpu: "250m", memory: "2Gi" } } });
    // What its pods ask, recorded again from the new rendering.
    expect(intent.spec.rendered?.largestPod).toMatchObject({ cpu: 0.25, memoryGiB: 2 });
    const history = await instances.history({ project: "demo", instance: "notebook" }, 2);
    expect(history.map((entry) => entry.action)).toEqual(["resize", "launch"]);

    expect((await instances.resize("demo", "notebook", { cpuMillicores: 250, memoryMiB: 1536 }, alice)).commit).toBeNull();
    expect(await composed.repo.head()).toBe(head);
  });
});
