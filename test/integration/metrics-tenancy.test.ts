// Tenancy of metrics on a real VictoriaMetrics (ADR 25): people try to read the series of
// projects they are not in, through Plateau's Prometheus-compatible API, and never do. Each
// project's values have their own magnitude, so that a value tells whose series it came from.
// Each attack is first run raw against the source, to show it would read others' series; then
// through the rewrite alone and through Plateau (rewrite and `extra_filters[]`).
import type { InjectOptions } from "fastify";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrometheusMetricsSource } from "../../src/adapters/metrics/prometheus-api.js";
import { scopeQuery } from "../../src/core/metrics/scope.js";
import type { PlatformDocument } from "../../src/core/model.js";
import { localPlatformDocument } from "../../src/core/platforms/service.js";
import type { QueryData } from "../../src/core/ports/metrics-source.js";
import type { MetricsSources } from "../../src/core/ports/metrics-sources.js";
import { createMetricsSources } from "../../src/main/metrics-sources.js";
import { memoryApp, type Person } from "../support/app.js";
import { startVictoriaMetrics, type ImportedSeries, type VictoriaMetricsServer } from "../support/victoria-metrics.js";

const started = await startVictoriaMetrics();

/** Each project's gauge values: a magnitude of its own (demo < genome < maths < no project). */
const MAGNITUDE: Record<string, number> = { demo: 100, genome: 10_000, maths: 1_000_000, "": 100_000_000 };
const LAB_OF: Record<string, string> = { demo: "imb", genome: "imb", maths: "lmbp" };
const END = Math.floor(Date.now() / 1000) - 60;
const START = END - 3600;
const minutes = Array.from({ length: 61 }, (_, i) => (START + i * 60) * 1000);

function fleet(): ImportedSeries[] {
  const series: ImportedSeries[] = [];
  for (const namespace of ["demo", "genome", "maths"]) {
    const base = MAGNITUDE[namespace] as number;
    for (const pod of ["web-0", "web-1"]) {
      const labels = { namespace, pod: `${namespace}-${pod}`, container: "main" };
      series.push({ metric: { __name__: "container_memory_working_set_bytes", ...labels }, values: minutes.map(() => base), timestamps: minutes });
      series.push({ metric: { __name__: "container_cpu_usage_seconds_total", ...labels }, values: minutes.map((_, i) => base + i), timestamps: minutes });
      series.push({
        metric: { __name__: "kube_pod_labels", namespace, pod: labels.pod, label_app_kubernetes_io_instance: pod.slice(0, 3) },
        values: minutes.map(() => 1),
        timestamps: minutes,
      });
    }
  }
  // The machine's own series: no namespace label at all.
  const machine = MAGNITUDE[""] as number;
  series.push({ metric: { __name__: "container_memory_working_set_bytes", id: "/" }, values: minutes.map(() => machine), timestamps: minutes });
  series.push({ metric: { __name__: "node_load1", instance: "node-1" }, values: minutes.map(() => machine), timestamps: minutes });
  // A label value with a quote, a backslash and an accent, in demo.
  series.push({ metric: { __name__: "plateau_note", namespace: "demo", note: 'é"\\x' }, values: minutes.map(() => 100), timestamps: minutes });
  return series;
}

const metricsPlatform: PlatformDocument = {
  ...localPlatformDocument("apps.example.org"),
  metadata: { name: "plmapps" },
};

interface Series {
  readonly metric: Record<string, string>;
  readonly value?: [number, string];
  readonly values?: [number, string][];
}
const seriesOf = (data: QueryData): Series[] => (data.resultType === "vector" || data.resultType === "matrix" ? (data.result as unknown as Series[]) : []);

/** Whose series a value comes from, by its magnitude (sums of a few pods stay within it); undefined for small values (counts, rates, constants). */
function ownerOf(value: number): string | undefined {
  const owners = Object.entries(MAGNITUDE).filter(([, magnitude]) => Math.abs(value) >= magnitude && Math.abs(value) < magnitude * 100);
  return owners[0]?.[0];
}

/**
 * What a caller of `projects` must not see in an answer: a series labelled with another
 * namespace, or a value of another project's magnitude (what label_replace cannot hide).
 */
function leaks(data: QueryData, projects: readonly string[]): Series[] {
  return seriesOf(data).filter((series) => {
    const namespace = series.metric.namespace;
    const values = series.value ? [series.value] : (series.values ?? []);
    return (
      (namespace !== undefined && !projects.includes(namespace)) ||
      values.some(([, value]) => {
        const owner = ownerOf(Number(value));
        return owner !== undefined && !projects.includes(owner);
      })
    );
  });
}

/** Queries that read others' series when nothing scopes them. */
const ATTACKS: string[] = [
  'container_memory_working_set_bytes{namespace="demo"} or container_memory_working_set_bytes',
  'container_memory_working_set_bytes{namespace="demo"} or {__name__="container_memory_working_set_bytes"}',
  'container_memory_working_set_bytes{namespace="demo"} or on(pod) kube_pod_labels * 0 + 10000',
  "container_memory_working_set_bytes + ignoring(container) container_cpu_usage_seconds_total",
  "container_memory_working_set_bytes * on(namespace, pod) group_left(label_app_kubernetes_io_instance) kube_pod_labels",
  "max_over_time(container_memory_working_set_bytes[1h:5m])",
  "max_over_time(sum by (namespace) (container_memory_working_set_bytes)[1h:5m])",
  '{namespace=~".+"}',
  '{namespace!="demo"}',
  '{__name__=~".+"}',
  '{__name__=~"container_.*",namespace=""}',
  'label_replace(container_memory_working_set_bytes{namespace="genome"}, "namespace", "demo", "", "")',
  'label_replace({__name__=~"container_memory.*"}, "namespace", "demo", "namespace", ".*")',
  "count by (namespace) (container_memory_working_set_bytes)",
  "topk(100, container_memory_working_set_bytes)",
  "container_memory_working_set_bytes @ end()",
  "container_memory_working_set_bytes offset 5m",
  "sum(max by (namespace) (container_memory_working_set_bytes))",
  'container_memory_working_set_bytes{namespace="demo"} # a comment\n or container_memory_working_set_bytes{namespace="genome"}',
  '(((container_memory_working_set_bytes{namespace="demo"}))) or (((node_load1)))',
];

/** A small seeded generator (mulberry32): the same queries at every run. */
function generator(seed: number) {
  let state = seed;
  const next = () => {
    state = (state + 0x6d2b79f5) | 0;
    let t = Math.imul(state ^ (state >>> 15), 1 | state);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const pick = <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)] as T;
  const PIECES = ["demo", "genome", ".+", ".*", "\\", '\\"', "'", '"', "`", "#", "}", "{", " or x", "\n", "é", "\\u0062", "\\x62", "a|b"];
  /** A string literal in one of PromQL's three quotes, escaped right or, sometimes, not. */
  const literal = () => {
    const quote = pick(['"', "'", "`"]);
    const content = Array.from({ length: 1 + Math.floor(next() * 3) }, () => pick(PIECES)).join("");
    const escaped = next() < 0.8 && quote !== "`" ? content.replaceAll("\\", "\\\\").replaceAll(quote, `\\${quote}`) : content;
    return `${quote}${escaped}${quote}`;
  };
  const selector = () => {
    const metric = pick(["container_memory_working_set_bytes", "kube_pod_labels", "node_load1", ""]);
    const matchers = Array.from(
      { length: Math.floor(next() * 3) },
      () => `${pick(["namespace", "__name__", "pod"])}${pick(["=", "!=", "=~", "!~"])}${literal()}`,
    );
    return matchers.length > 0 || metric === "" ? `${metric}{${matchers.join(pick([",", ", ", " , "]))}}` : metric;
  };
  const comment = () => (next() < 0.15 ? ` # ${literal()} ${selector()}\n` : " ");
  const expression = (depth: number): string => {
    const choice = depth > 3 ? 0 : Math.floor(next() * 8);
    switch (choice) {
      case 0:
        return selector();
      case 1:
        return `${expression(depth + 1)}${comment()}${pick(["or", "and", "unless", "+"])}${pick(["", " on()", " ignoring(pod)", " on(namespace, pod) group_left"])} ${expression(depth + 1)}`;
      case 2:
        return `max_over_time(${expression(depth + 1)}[10m:1m])`;
      case 3:
        return `label_replace(${expression(depth + 1)}, "relabelled", ${literal()}, ${literal()}, ${literal()})`;
      case 4:
        return `sum by (namespace) (${expression(depth + 1)})`;
      case 5:
        return `topk(3, ${expression(depth + 1)})`;
      case 6:
        return `rate(${selector()}[5m] offset 1m)`;
      default:
        return `(${expression(depth + 1)})`;
    }
  };
  return () => expression(0);
}

describe.skipIf("skipped" in started)("metrics through Plateau, with tenancy, on VictoriaMetrics", () => {
  const vm = started as VictoriaMetricsServer;
  const raw = createPrometheusMetricsSource({ url: vm.url });
  let fixture: Awaited<ReturnType<typeof memoryApp>>;
  let sources: MetricsSources | undefined;
  const tokens = new Map<string, string>();

  beforeAll(async () => {
    const importing = vm.importSeries(fleet());
    metricsPlatform.spec.metrics = { url: vm.url };
    fixture = await memoryApp({
      platforms: [metricsPlatform],
      // Built from the repository's platforms, as `plateau up` builds them.
      server: { metricsSources: { platforms: () => (sources as MetricsSources).platforms() } },
    });
    sources = createMetricsSources({ env: {}, repo: fixture.repo });
    // demo is alice's (imb); genome is ines's lab's, without alice; maths is bob's (lmbp).
    const requester = (login: string) => ({ login, name: login, email: `${login}@users.plateau.invalid` });
    await fixture.plateau.services.projects.create({ name: "genome", lab: LAB_OF.genome as string, title: "Genome" }, requester("ines"));
    await fixture.plateau.services.projects.create({ name: "maths", lab: LAB_OF.maths as string, title: "Maths" }, requester("bob"));
    // zoe signed in once, and is a member of no project.
    const zoe = await fixture.adapters.access.upsertUser(
      {
        issuer: "https://idp.test",
        subject: "sub-zoe",
        login: "zoe",
        name: "zoe",
        email: "zoe@example.org",
        groups: [],
        labs: [],
        labAdminOf: [],
        operator: false,
      },
      new Date().toISOString(),
    );
    const zoePrincipal = {
      kind: "user",
      userId: zoe.id,
      login: "zoe",
      name: "zoe",
      groups: [],
      labs: [],
      labAdminOf: [],
      operator: false,
      via: "token",
      scope: { projects: null, write: true },
    } as const;
    tokens.set("zoe", (await fixture.plateau.services.access.createToken(zoePrincipal, { name: "grafana" })).token);
    await importing;
  }, 60_000);

  afterAll(async () => {
    await fixture?.app.close();
    await fixture?.plateau.stop();
    await vm.stop();
  });

  const tokenOf = async (who: Person | "zoe") => tokens.get(who) ?? (await fixture.tokenOf(who as Person));
  const send = async (who: Person | "zoe", options: InjectOptions) =>
    fixture.app.inject({ ...options, headers: { authorization: `Bearer ${await tokenOf(who)}`, ...(options.headers ?? {}) } });
  const form = (fields: Record<string, string | string[]>) =>
    new URLSearchParams(
      Object.entries(fields).flatMap(([name, value]): [string, string][] => (Array.isArray(value) ? value.map((one) => [name, one]) : [[name, value]])),
    ).toString();
  /** An instant query as Grafana sends it: POST, form-encoded, at the data source URL. */
  const query = (who: Person | "zoe", promql: string, path = "/api/v1/metrics/api/v1/query") =>
    send(who, {
      method: "POST",
      url: path,
      headers: { "content-type": "application/x-www-form-urlencoded" },
      payload: form({ query: promql, time: String(END) }),
    });
  const dataOf = (response: { statusCode: number; body: string; json(): unknown }) => {
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json() as { status: string; data: QueryData };
    expect(body.status).toBe("success");
    return body.data;
  };

  describe("each attack, as alice (a member of demo only)", () => {
    it.each(ATTACKS)("%s reads others' series raw, none through the rewrite nor through Plateau", async (attack) => {
      const exposed = leaks(await raw.query(attack, END), ["demo"]);
      expect(exposed.length, "the attack reads others' series when nothing scopes it").toBeGreaterThan(0);
      const rewritten = await raw.query(scopeQuery(attack, { kind: "projects", projects: ["demo"] }, "namespace"), END);
      expect(leaks(rewritten, ["demo"])).toEqual([]);
      const answered = dataOf(await query("alice", attack));
      expect(leaks(answered, ["demo"])).toEqual([]);
    });

    it.each([
      'container_memory_working_set_bytes{namespace="demo"} and on() kube_pod_labels{namespace="genome"}',
      'container_memory_working_set_bytes{namespace="demo"} unless on() absent(kube_pod_labels{namespace="genome"})',
      'container_memory_working_set_bytes{namespace="demo"} and on() count(container_memory_working_set_bytes) > 4',
    ])("%s says nothing of others' series: empty, where raw it answers whether they exist", async (oracle) => {
      expect(seriesOf(await raw.query(oracle, END)).length).toBeGreaterThan(0);
      expect(seriesOf(dataOf(await query("alice", oracle)))).toEqual([]);
    });

    it("scopes generated queries with every kind of quote, escape and comment so that VictoriaMetrics reads no others' series, through the rewrite alone", async () => {
      const next = generator(14);
      let sent = 0;
      let exposedRaw = 0;
      for (let i = 0; i < 400; i++) {
        const generated = next();
        let rewritten: string;
        try {
          rewritten = scopeQuery(generated, { kind: "projects", projects: ["demo"] }, "namespace");
        } catch {
          continue;
        }
        const answered = await raw.query(rewritten, END).catch(() => undefined);
        if (!answered) continue;
        sent += 1;
        const unscoped = await raw.query(generated, END).catch(() => undefined);
        if (unscoped && leaks(unscoped, ["demo"]).length > 0) exposedRaw += 1;
        expect(leaks(answered, ["demo"]), `${generated}\n→ ${rewritten}`).toEqual([]);
      }
      // Enough of them were read by both parsers, and would have read others' series unscoped.
      expect(sent).toBeGreaterThan(150);
      expect(exposedRaw).toBeGreaterThan(50);
    });

    it("still reads her own series, whole", async () => {
      const data = dataOf(await query("alice", "sum by (namespace) (container_memory_working_set_bytes)"));
      expect(seriesOf(data).map((series) => [series.metric, series.value?.[1]])).toEqual([[{ namespace: "demo" }, "200"]]);
      const note = dataOf(await query("alice", 'plateau_note{note="é\\"\\\\x"}'));
      expect(seriesOf(note).map((series) => series.metric.note)).toEqual(['é"\\x']);
    });

    it("absent() of another project's series says absent: the same answer as for a project that does not exist", async () => {
      const attack = 'absent(container_memory_working_set_bytes{namespace="genome"})';
      expect(seriesOf(await raw.query(attack, END))).toEqual([]);
      const answered = seriesOf(dataOf(await query("alice", attack)));
      const nowhere = seriesOf(dataOf(await query("alice", 'absent(container_memory_working_set_bytes{namespace="nowhere"})')));
      expect(answered.map((series) => series.value?.[1])).toEqual(["1"]);
      expect(nowhere.map((series) => series.value?.[1])).toEqual(["1"]);
    });

    it("answers constants and strings, which read no series", async () => {
      expect(seriesOf(dataOf(await query("alice", "vector(1)"))).map((series) => series.value?.[1])).toEqual(["1"]);
      const text = dataOf(await query("alice", '"container_memory_working_set_bytes{namespace=\\"genome\\"}"'));
      expect(seriesOf(text)).toEqual([]);
    });

    it("refuses what the grammar does not read or cannot be scoped, naming query, in the Prometheus API's words", async () => {
      for (const attack of [
        'container_memory_working_set_bytes{namespace="demo" or namespace="genome"}',
        "with (x = container_memory_working_set_bytes) x",
        'info(container_memory_working_set_bytes{namespace="demo"})',
        "container_memory_working_set_bytes\u00a0or node_load1",
        `${"(".repeat(4000)}node_load1${")".repeat(4000)}`,
        "node_load1 + ".repeat(1000) + "node_load1",
      ]) {
        const response = await query("alice", attack);
        expect(response.statusCode, attack.slice(0, 60)).toBe(400);
        expect(response.json()).toMatchObject({ status: "error", errorType: "bad_data", error: expect.stringMatching(/^\/query: /) });
      }
    });

    it("runs range queries scoped, and refuses more than 11,000 points per series naming step", async () => {
      const attack = "rate(container_cpu_usage_seconds_total[5m])";
      const url = `/api/v1/metrics/platforms/plmapps/api/v1/query_range?${form({ query: attack, start: String(START), end: String(END), step: "60" })}`;
      const rawRange = await raw.queryRange(attack, { start: START, end: END, step: 60 });
      expect(new Set(seriesOf(rawRange).map((series) => series.metric.namespace))).toEqual(new Set(["demo", "genome", "maths"]));
      const data = dataOf(await send("alice", { url }));
      expect(data.resultType).toBe("matrix");
      expect(new Set(seriesOf(data).map((series) => series.metric.namespace))).toEqual(new Set(["demo"]));
      const tooMany = await send("alice", { url: `/api/v1/metrics/query_range?${form({ query: attack, start: "0", end: String(END), step: "1" })}` });
      expect(tooMany.statusCode).toBe(400);
      expect(tooMany.json()).toMatchObject({ errorType: "bad_data", error: expect.stringContaining("/step") });
    });

    it("lists only her own series, labels and namespaces", async () => {
      const bounds = { start: String(START), end: String(END) };
      expect((await raw.labelValues("namespace", [], { start: START, end: END })).length).toBe(3);
      const namespaces = dataOf(await send("alice", { url: `/api/v1/metrics/label/namespace/values?${form(bounds)}` }));
      expect(namespaces).toEqual(["demo"]);
      const names = dataOf(await send("alice", { url: `/api/v1/metrics/api/v1/label/__name__/values?${form(bounds)}` })) as unknown as string[];
      expect(names).not.toContain("node_load1");
      expect(names).toContain("plateau_note");
      // The machine's series has an `id` label, no project's has: not listed.
      expect(await raw.labels([], { start: START, end: END })).toContain("id");
      const labels = dataOf(
        await send("alice", {
          method: "POST",
          url: "/api/v1/metrics/api/v1/labels",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: form(bounds),
        }),
      ) as unknown as string[];
      expect(labels).not.toContain("id");
      expect(labels).toContain("namespace");
      const series = dataOf(
        await send("alice", {
          method: "POST",
          url: "/api/v1/metrics/series",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: form({ ...bounds, "match[]": ['{__name__=~".+"}', '{namespace="genome"}', '{namespace=""}'] }),
        }),
      ) as unknown as Record<string, string>[];
      expect(series.length).toBeGreaterThan(0);
      expect(series.filter((labels) => labels.namespace !== "demo")).toEqual([]);
      const refused = await send("alice", { url: `/api/v1/metrics/series?${form({ "match[]": "up or node_load1" })}` });
      expect(refused.json()).toMatchObject({ errorType: "bad_data", error: expect.stringContaining("/match[]") });
    });

    it("refuses extra_filters[] and extra_label sent by the client, which would widen or replace the scope", async () => {
      const wide = '{namespace=~".+"}';
      // Raw, a second extra_filters[] is ORed with the first, and extra_label replaces matchers.
      const ored = await raw.query("container_memory_working_set_bytes", END, { extraFilters: ['{namespace="demo"}', wide] });
      expect(leaks(ored, ["demo"]).length).toBeGreaterThan(0);
      for (const [name, value] of [
        ["extra_filters[]", wide],
        ["extra_filters", wide],
        ["extra_label", "namespace=genome"],
        ["extra_label[]", "namespace=genome"],
      ] as const) {
        const response = await send("alice", {
          method: "POST",
          url: "/api/v1/metrics/api/v1/query",
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: form({ query: "container_memory_working_set_bytes", [name]: value }),
        });
        expect(response.statusCode, name).toBe(400);
        expect(response.json()).toMatchObject({ status: "error", errorType: "bad_data", error: expect.stringContaining(`/${name}`) });
        const inUrl = await send("alice", { url: `/api/v1/metrics/query?${form({ query: "container_memory_working_set_bytes", [name]: value })}` });
        expect(inUrl.statusCode, name).toBe(400);
      }
    });

    it("refuses a parameter given both in the URL and the body, or twice: no guess of which one is read", async () => {
      for (const url of [`/api/v1/metrics/query?${form({ query: "node_load1" })}`, `/api/v1/metrics/query?${form({ time: String(END) })}`]) {
        const response = await send("alice", {
          method: "POST",
          url,
          headers: { "content-type": "application/x-www-form-urlencoded" },
          payload: form({ query: "container_memory_working_set_bytes", time: String(END) }),
        });
        expect(response.statusCode).toBe(400);
        expect(response.json()).toMatchObject({ errorType: "bad_data", error: expect.stringContaining("both in the URL and in the body") });
      }
      const twice = await send("alice", { url: `/api/v1/metrics/query?query=node_load1&query=${encodeURIComponent("container_memory_working_set_bytes")}` });
      expect(twice.json()).toMatchObject({ errorType: "bad_data", error: expect.stringContaining("more than once") });
    });

    it("is refused a platform without metrics, naming platform and the choices", async () => {
      const response = await send("alice", { url: `/api/v1/metrics/query?${form({ query: "node_load1", platform: "local" })}` });
      expect(response.statusCode).toBe(400);
      expect(response.json()).toMatchObject({ errorType: "bad_data", error: expect.stringMatching(/^\/platform: .*choose among: plmapps/) });
      const path = await send("alice", { url: `/api/v1/metrics/platforms/local/api/v1/query?${form({ query: "node_load1" })}` });
      expect(path.statusCode).toBe(400);
    });
  });

  describe("a browser session of alice", () => {
    const session = () => fixture.browserSession("alice");

    it("reads the same scoped answers; a POST needs the session's CSRF header", async () => {
      const { cookie, csrf } = await session();
      for (const attack of ATTACKS) {
        const viaGet = await fixture.app.inject({ url: `/api/v1/metrics/query?${form({ query: attack, time: String(END) })}`, headers: { cookie } });
        expect(leaks(dataOf(viaGet), ["demo"]), attack).toEqual([]);
      }
      const attack = '{__name__=~".+"}';
      const post = (headers: Record<string, string>) =>
        fixture.app.inject({
          method: "POST",
          url: "/api/v1/metrics/query",
          headers: { cookie, "content-type": "application/x-www-form-urlencoded", ...headers },
          payload: form({ query: attack, time: String(END) }),
        });
      expect((await post({})).statusCode).toBe(403);
      expect(leaks(dataOf(await post({ "x-csrf-token": csrf })), ["demo"])).toEqual([]);
    });
  });

  describe("other people", () => {
    it("gives a lab admin her lab's projects and no other lab's", async () => {
      for (const attack of ATTACKS) {
        const answered = dataOf(await query("ines", attack));
        expect(leaks(answered, ["demo", "genome"]), attack).toEqual([]);
      }
      const namespaces = dataOf(await send("ines", { url: "/api/v1/metrics/label/namespace/values" }));
      expect(namespaces).toEqual(["demo", "genome"]);
    });

    it("gives an operator every series, and an operator's token limited to a project that project's", async () => {
      const all = seriesOf(dataOf(await query("oscar", "container_memory_working_set_bytes")));
      expect(new Set(all.map((series) => series.metric.namespace))).toEqual(new Set(["demo", "genome", "maths", undefined]));
      const oscar = await fixture.person("oscar");
      const { token } = await fixture.plateau.services.access.createToken(oscar, { name: "maths-only", projects: ["maths"] });
      const limited = await fixture.app.inject({
        url: `/api/v1/metrics/query?${form({ query: '{__name__=~".+"}', time: String(END) })}`,
        headers: { authorization: `Bearer ${token}` },
      });
      expect(leaks(dataOf(limited), ["maths"])).toEqual([]);
      expect(seriesOf(dataOf(limited)).length).toBeGreaterThan(0);
    });

    it("tells a person of no project so, on every route, and nobody signed in gets a 401", async () => {
      for (const url of [
        `/api/v1/metrics/query?${form({ query: "vector(1)" })}`,
        `/api/v1/metrics/api/v1/series?${form({ "match[]": "node_load1" })}`,
        "/api/v1/metrics/api/v1/labels",
        "/api/v1/metrics/label/namespace/values",
      ]) {
        const response = await send("zoe", { url });
        expect(response.statusCode, url).toBe(403);
        expect(response.json()).toMatchObject({ status: "error", errorType: "forbidden", error: expect.stringContaining("member of no project") });
      }
      const anonymous = await fixture.app.inject({ url: `/api/v1/metrics/query?${form({ query: "node_load1" })}` });
      expect(anonymous.statusCode).toBe(401);
      expect(anonymous.json()).toMatchObject({ error: { code: "unauthenticated" } });
    });

    it("answers Grafana's build information and empty metadata, to signed-in people only", async () => {
      const response = await send("alice", { url: "/api/v1/metrics/api/v1/status/buildinfo" });
      expect(response.json()).toMatchObject({ status: "success", data: { version: expect.any(String) } });
      expect((await send("alice", { url: "/api/v1/metrics/platforms/plmapps/api/v1/metadata" })).json()).toEqual({ status: "success", data: {} });
      expect((await fixture.app.inject({ url: "/api/v1/metrics/api/v1/metadata" })).statusCode).toBe(401);
    });
  });
});
