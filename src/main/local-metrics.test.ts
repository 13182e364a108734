import { describe, expect, it } from "vitest";
import { fromYaml, toYaml } from "../core/yaml.js";
import { createMemoryRepository } from "../adapters/memory/memory-repository.js";
import { scrapeConfig } from "../adapters/metrics/victoria-metrics-process.js";
import { systemClock } from "../adapters/system/system.js";
import { claimCapacities, scrapeTarget } from "./local-metrics.js";

describe("what the local VictoriaMetrics scrapes", () => {
  it("reaches Plateau on loopback when it listens on every address", () => {
    expect(scrapeTarget("0.0.0.0", 8080)).toBe("127.0.0.1:8080");
    expect(scrapeTarget("::", 8080)).toBe("[::1]:8080");
    expect(scrapeTarget("127.0.0.1", 9000)).toBe("127.0.0.1:9000");
    expect(scrapeTarget("::1", 9000)).toBe("[::1]:9000");
  });

  it("scrapes /metrics/tenants with the token's file, keeping the series' own labels, and /metrics, at the interval", () => {
    const config = fromYaml(scrapeConfig({ target: "127.0.0.1:8080", intervalSeconds: 30, tokenFile: "/data/metrics/scrape-token" }), "scrape.yaml");
    expect(config).toEqual({
      global: { scrape_interval: "30s", scrape_timeout: "10s" },
      scrape_configs: [
        {
          job_name: "plateau-tenants",
          honor_labels: true,
          metrics_path: "/metrics/tenants",
          bearer_token_file: "/data/metrics/scrape-token",
          static_configs: [{ targets: ["127.0.0.1:8080"] }],
        },
        { job_name: "plateau", metrics_path: "/metrics", static_configs: [{ targets: ["127.0.0.1:8080"] }] },
      ],
    });
    expect((fromYaml(scrapeConfig({ target: "t:1", intervalSeconds: 2, tokenFile: "f" }), "s") as { global: unknown }).global).toEqual({
      scrape_interval: "2s",
      scrape_timeout: "2s",
    });
  });
});

describe("what a volume's claim asks", () => {
  it("is read from the rendered PersistentVolumeClaim at the head, again when the head moves", async () => {
    const repo = createMemoryRepository({ clock: systemClock });
    const author = { login: "alice", name: "alice", email: "alice@example.org" };
    const claim = (storage: string) =>
      toYaml({ apiVersion: "v1", kind: "PersistentVolumeClaim", metadata: { name: "nb-work" }, spec: { resources: { requests: { storage } } } });
    const path = "rendered/local/demo/nb/persistentvolumeclaim-nb-work.yaml";
    const capacityOf = claimCapacities(repo, "local");
    expect(await capacityOf("demo", "nb", "nb-work")).toBeUndefined();
    const first = await repo.commit({ parent: null, author, message: "launch", trailers: {}, changes: [{ path, content: claim("10Gi") }] });
    expect(await capacityOf("demo", "nb", "nb-work")).toBe(10 * 1024 ** 3);
    expect(await capacityOf("demo", "nb", "other")).toBeUndefined();
    await repo.commit({ parent: first, author, message: "resize", trailers: {}, changes: [{ path, content: claim("20Gi") }] });
    expect(await capacityOf("demo", "nb", "nb-work")).toBe(20 * 1024 ** 3);
  });
});
