import { describe, expect, it } from "vitest";
import { fromYaml } from "../core/yaml.js";
import { scrapeConfig } from "../adapters/metrics/victoria-metrics-process.js";
import { scrapeTarget } from "./local-metrics.js";

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
