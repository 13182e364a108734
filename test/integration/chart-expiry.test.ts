// What an instance's expiry does, as the API, `plateau ls` and `plateau status` say it after
// the launch (ADR 24), with the real Helm: a chart nothing scales to zero (fixed-web) is
// removed by its expiry, its data with it, and Stop is refused; one its replica values scale
// to zero (scaled-web) and a built-in template are stopped by it. The view reads it from the
// index (spec.stop.by, indexed), not from the charts. Charts: test/fixtures/stop-charts.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createHelmTemplateRenderer } from "../../src/adapters/helm/helm-template.js";
import { parsePlatform } from "../../src/core/model.js";
import { helmAdapters, ideCatalog } from "../support/helm-plateau.js";
import { memoryApp } from "../support/app.js";
import { FIXTURE_CHARTS, startChartRepository, type ChartRepositoryServer } from "../support/chart-repository.js";
import { runCli } from "../support/cli.js";
import { helmUnavailable, TEST_HELM } from "../support/helm.js";

const plmshift = parsePlatform(
  readFileSync(join(import.meta.dirname, "..", "..", "examples", "community", "platforms", "plmshift.yaml"), "utf8"),
  "platforms/plmshift.yaml",
);

const skip = helmUnavailable();
let repository: ChartRepositoryServer;
let fixture: Awaited<ReturnType<typeof memoryApp>>;
let server: string;
let token: string;
const renderer = createHelmTemplateRenderer({ command: TEST_HELM });

beforeAll(async () => {
  if (skip) return;
  repository = await startChartRepository({ charts: [...FIXTURE_CHARTS, "scaled-web", "fixed-web"] });
  fixture = await memoryApp({
    adapters: helmAdapters([ideCatalog(repository.location)], { renderer }),
    platforms: [plmshift],
  });
  server = await fixture.app.listen({ host: "127.0.0.1", port: 0 });
  token = await fixture.tokenOf("alice");
}, 120_000);

afterAll(async () => {
  await fixture?.app.close();
  await fixture?.plateau.stop();
  await renderer.close();
  await repository?.close();
});

const send = async (options: InjectOptions) => fixture.app.inject({ ...options, headers: { ...(await fixture.as("alice")) } });
const launch = (template: string, name: string) =>
  send({
    method: "POST",
    url: "/api/v1/projects/demo/instances",
    payload: { template, name, ...(template === "static-site" ? {} : { platform: "plmshift" }) },
  });

describe.skipIf(skip)("what an instance's expiry does, after its launch (ADR 24)", () => {
  it("is said by the API, plateau ls and plateau status: removed with its data for a chart nothing scales to zero, and its Stop refused", async () => {
    for (const [template, name] of [
      ["ide/fixed-web", "fixed"],
      ["ide/scaled-web", "web"],
      ["static-site", "site"],
    ] as const)
      expect((await launch(template, name)).statusCode, name).toBe(202);

    const list = (await send({ url: "/api/v1/projects/demo/instances" })).json() as { items: { name: string; expiresAt: string | null; expiry?: string }[] };
    expect(list.items.map((item) => [item.name, item.expiry, typeof item.expiresAt])).toEqual([
      ["fixed", "remove", "string"],
      ["site", "stop", "string"],
      ["web", "stop", "string"],
    ]);
    expect((await send({ url: "/api/v1/projects/demo/instances/fixed" })).json()).toMatchObject({ expiry: "remove" });

    const refused = await send({ method: "POST", url: "/api/v1/projects/demo/instances/fixed/stop" });
    expect(refused.statusCode).toBe(409);
    expect(refused.json()).toMatchObject({ error: { reason: "not-stoppable" } });

    const ls = await runCli(server, token, "ls", "--project", "demo");
    expect(ls.stdout).toMatch(/^demo\/fixed\s.*\sremoved in 30 days$/m);
    expect(ls.stdout).toMatch(/^demo\/web\s.*\sin 30 days$/m);
    expect(ls.stdout).not.toMatch(/^demo\/web\s.*removed/m);
    const status = await runCli(server, token, "status", "demo/fixed");
    expect(status.stdout).toMatch(
      /^Expires {3}\d{4}-\d\d-\d\d \d\d:\d\d UTC \(in 30 days\): then removed, its data with it \(it cannot be stopped\); plateau renew demo\/fixed keeps it longer$/m,
    );
    expect((await runCli(server, token, "status", "demo/web")).stdout).toMatch(/^Expires {3}.*\(in 30 days\); plateau renew demo\/web keeps it longer$/m);
  });
});
