import Fastify, { type FastifyInstance } from "fastify";
import { describe, expect, it } from "vitest";
import {
  createProxyRequestCounter,
  createTenantSeriesGatherer,
  escapeLabelValue,
  isScrapeToken,
  prometheusText,
  registerTenantMetrics,
} from "./tenant-metrics.js";
import type { TenantSample, TenantSeriesCollector } from "../core/ports/tenant-series.js";

const sample = (labels: Record<string, string>, value = 1, name = "kube_pod_labels"): TenantSample => ({ name, help: "help", type: "gauge", labels, value });

describe("the text format of per-tenant series", () => {
  it("escapes backslashes, double quotes and line feeds in label values, and HELP text", () => {
    expect(escapeLabelValue('a\\b"c\nd')).toBe('a\\\\b\\"c\\nd');
    const text = prometheusText([{ name: "m", help: "one\\two\nthree", type: "counter", labels: { v: 'x"}\n{y="1' }, value: 2 }]);
    expect(text).toBe('# HELP m one\\\\two\\nthree\n# TYPE m counter\nm{v="x\\"}\\n{y=\\"1"} 2\n');
  });

  it("orders metrics by name, series by labels sorted by name, whatever the order given", () => {
    const a = [sample({ pod: "b", namespace: "x" }), sample({ namespace: "x", pod: "a" }, 1, "a_metric"), sample({ pod: "a", namespace: "x" })];
    const text = prometheusText(a);
    expect(text).toBe(
      [
        "# HELP a_metric help",
        "# TYPE a_metric gauge",
        'a_metric{namespace="x",pod="a"} 1',
        "# HELP kube_pod_labels help",
        "# TYPE kube_pod_labels gauge",
        'kube_pod_labels{namespace="x",pod="a"} 1',
        'kube_pod_labels{namespace="x",pod="b"} 1',
        "",
      ].join("\n"),
    );
    expect(prometheusText([...a].reverse())).toBe(text);
  });

  it("leaves out invalid names and second samples of a series, and writes special values", () => {
    const text = prometheusText([
      sample({ "bad-label": "x" }),
      sample({ __name__: "x" }),
      sample({}, 1, "bad name"),
      sample({ a: "1" }, 5),
      sample({ a: "1" }, 6),
      sample({ a: "2" }, Number.NaN),
      sample({ a: "3" }, Number.POSITIVE_INFINITY),
      sample({}, 0.25, "no_labels"),
    ]);
    expect(text).toContain('kube_pod_labels{a="1"} 5\n');
    expect(text).not.toContain("} 6");
    expect(text).toContain('kube_pod_labels{a="2"} NaN\n');
    expect(text).toContain('kube_pod_labels{a="3"} +Inf\n');
    expect(text).toContain("no_labels 0.25\n");
    expect(text).not.toMatch(/bad|__name__/);
    expect(prometheusText([])).toBe("");
  });
});

describe("the scrape token", () => {
  it("is compared whole: another token, a prefix, nothing or an empty configured token are refused", () => {
    expect(isScrapeToken("s3cret-token", "s3cret-token")).toBe(true);
    expect(isScrapeToken("s3cret-toke", "s3cret-token")).toBe(false);
    expect(isScrapeToken("s3cret-token ", "s3cret-token")).toBe(false);
    expect(isScrapeToken(undefined, "s3cret-token")).toBe(false);
    expect(isScrapeToken("", "")).toBe(false);
  });
});

describe("collectors", () => {
  it("a failing collector leaves out its own series only, and is logged once until it answers again", async () => {
    let fail = true;
    const warnings: string[] = [];
    const logger = { info() {}, debug() {}, error() {}, warn: (_fields: object, message: string) => void warnings.push(message) };
    const flaky: TenantSeriesCollector = { collect: async () => (fail ? Promise.reject(new Error("podman is gone")) : [sample({ a: "flaky" })]) };
    const steady: TenantSeriesCollector = { collect: async () => [sample({ a: "steady" })] };
    const gather = createTenantSeriesGatherer([flaky, steady], logger);
    expect((await gather()).map((one) => one.labels.a)).toEqual(["steady"]);
    expect((await gather()).map((one) => one.labels.a)).toEqual(["steady"]);
    expect(warnings).toHaveLength(1);
    fail = false;
    expect((await gather()).map((one) => one.labels.a)).toEqual(["flaky", "steady"]);
    fail = true;
    await gather();
    expect(warnings).toHaveLength(2);
  });

  it("the proxy's counter counts per project and instance", async () => {
    const counter = createProxyRequestCounter();
    for (let i = 0; i < 3; i++) counter.count("demo", "site");
    counter.count("demo", "other");
    counter.count("physics", "site");
    const text = prometheusText(await counter.collect());
    expect(text).toContain('plateau_proxy_requests_total{instance="site",namespace="demo"} 3\n');
    expect(text).toContain('plateau_proxy_requests_total{instance="other",namespace="demo"} 1\n');
    expect(text).toContain('plateau_proxy_requests_total{instance="site",namespace="physics"} 1\n');
    expect(text).toContain("# TYPE plateau_proxy_requests_total counter\n");
  });
});

describe("GET /metrics/tenants", () => {
  const app = async (): Promise<FastifyInstance> => {
    const fastify = Fastify();
    registerTenantMetrics(fastify, { token: "the-scrape-token", collectors: [{ collect: async () => [sample({ namespace: "demo", pod: "p" })] }] });
    await fastify.ready();
    return fastify;
  };

  it("answers 401 without the token, with another token or another scheme; the series with it", async () => {
    const fastify = await app();
    for (const authorization of [undefined, "Bearer wrong", "Bearer the-scrape-token-and-more", "Basic the-scrape-token", "the-scrape-token"]) {
      const answer = await fastify.inject({ method: "GET", url: "/metrics/tenants", headers: authorization ? { authorization } : {} });
      expect(answer.statusCode, String(authorization)).toBe(401);
      expect(answer.body).not.toContain("demo");
      expect(answer.headers["www-authenticate"]).toContain("Bearer");
    }
    const answer = await fastify.inject({ method: "GET", url: "/metrics/tenants", headers: { authorization: "Bearer the-scrape-token" } });
    expect(answer.statusCode).toBe(200);
    expect(answer.headers["content-type"]).toContain("text/plain; version=0.0.4");
    expect(answer.body).toContain('kube_pod_labels{namespace="demo",pod="p"} 1');
  });
});
