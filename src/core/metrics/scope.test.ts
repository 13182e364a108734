import { parser } from "@prometheus-io/lezer-promql";
import { describe, expect, it } from "vitest";
import { InputError, NotAllowedError } from "../errors.js";
import { promqlString, QUERY_MAX_LENGTH, scopeFilters, scopeMatcher, scopeQuery, scopeSelectors, type MetricsScope } from "./scope.js";

const A: MetricsScope = { kind: "projects", projects: ["a"] };
const AB: MetricsScope = { kind: "projects", projects: ["b", "a"] };
const ALL: MetricsScope = { kind: "all" };
const ns = 'namespace="a"';

/** The matchers of every vector selector of a query, as the grammar reads them. */
function selectorsOf(query: string): string[] {
  const found: string[] = [];
  parser.parse(query).iterate({
    enter(node) {
      if (node.name === "VectorSelector") found.push(query.slice(node.from, node.to));
      return undefined;
    },
  });
  return found;
}

function refusal(run: () => unknown): InputError {
  try {
    run();
  } catch (error) {
    if (error instanceof InputError) return error;
    throw error;
  }
  throw new Error("not refused");
}

describe("scopeMatcher", () => {
  it("is an equality for one project and an anchored alternation for several, sorted, none for all", () => {
    expect(scopeMatcher(A, "namespace")).toBe('namespace="a"');
    expect(scopeMatcher(AB, "kube_namespace")).toBe('kube_namespace=~"^(?:a|b)$"');
    expect(scopeMatcher(ALL, "namespace")).toBeUndefined();
    expect(scopeFilters(AB, "namespace")).toEqual(['{namespace=~"^(?:a|b)$"}']);
    expect(scopeFilters(ALL, "namespace")).toEqual([]);
  });
  it("refuses an empty scope, a name that is not a project's and a label that is not a label name", () => {
    expect(() => scopeMatcher({ kind: "projects", projects: [] }, "namespace")).toThrow(NotAllowedError);
    expect(() => scopeMatcher({ kind: "projects", projects: ['a"} or up{x="'] }, "namespace")).toThrow(/invariant/);
    expect(() => scopeMatcher(A, 'namespace="x",y')).toThrow(/invariant/);
  });
  it("writes string literals with their escapes", () => {
    expect(promqlString('a\\b"c\nd')).toBe('"a\\\\b\\"c\\nd"');
  });
});

describe("scopeQuery", () => {
  const cases: [string, string][] = [
    ["up", `up{${ns}}`],
    ['up{job="x"}', `up{${ns}, job="x"}`],
    ['up{job="x",}', `up{${ns}, job="x"}`],
    ['{__name__=~".+"}', `{${ns}, __name__=~".+"}`],
    ['{namespace=~".+"}', `{${ns}, namespace=~".+"}`],
    ['x{namespace!="a"}', `x{${ns}, namespace!="a"}`],
    ['x{namespace=""}', `x{${ns}, namespace=""}`],
    ["x or y", `x{${ns}} or y{${ns}}`],
    ["x and on(pod) y", `x{${ns}} and on(pod) y{${ns}}`],
    ["x * ignoring(namespace) group_left(pod) y", `x{${ns}} * ignoring(namespace) group_left(pod) y{${ns}}`],
    ["max_over_time(x[1h:5m])", `max_over_time(x{${ns}}[1h:5m])`],
    ["rate(x[5m] offset 1h @ end())", `rate(x{${ns}}[5m] offset 1h @ end())`],
    ['label_replace(x, "namespace", "b", "", "")', `label_replace(x{${ns}}, "namespace", "b", "", "")`],
    ["absent(x)", `absent(x{${ns}})`],
    ["count by (namespace) (x)", `count by (namespace) (x{${ns}})`],
    ["topk(3, sum by (pod) (rate(x[5m])))", `topk(3, sum by (pod) (rate(x{${ns}}[5m])))`],
    ["vector(1)", "vector(1)"],
    ['"x{namespace=\\"b\\"}"', '"x{namespace=\\"b\\"}"'],
    ['x # or y{namespace="b"}\n', `x{${ns}}  \n`],
    ['x{a=~"é\\\\.\\u00e9"}', `x{${ns}, a=~"é\\\\.\\u00e9"}`],
    ["x{a = # comment\n'b'}", `x{${ns}, a='b'}`],
    ["-x", `-x{${ns}}`],
    ["(x)[5m:] unless y @ 100", `(x{${ns}})[5m:] unless y{${ns}} @ 100`],
  ];
  it.each(cases)("scopes every selector of %j", (query, expected) => {
    const scoped = scopeQuery(query, A, "namespace");
    expect(scoped).toBe(expected);
    for (const selector of selectorsOf(scoped)) expect(selector).toContain(`{${ns}`);
  });

  it.each([
    'histogram_quantile(0.9, sum by (le) (rate(http_request_duration_seconds_bucket{job="api"}[5m])))',
    'count_values("version", build_info)',
    "quantile(0.95, sum by (pod) (rate(container_cpu_usage_seconds_total[2m])))",
    'sort_desc(sum by (namespace) (kube_pod_container_resource_requests{resource="cpu"}))',
    "clamp_min(1 - node_filesystem_avail_bytes / node_filesystem_size_bytes, 0) > bool 0.9",
    "increase(x[1h]) / on(pod) group_right sum without (container) (y)",
    "timestamp(up) - time() < -300",
    "x offset -5m",
    "x @ 1700000000",
    "predict_linear(kubelet_volume_stats_used_bytes[6h], 86400) > kubelet_volume_stats_capacity_bytes",
  ])("accepts what Grafana's dashboards write: %s", (query) => {
    const scoped = scopeQuery(query, A, "namespace");
    const selectors = selectorsOf(scoped);
    expect(selectors.length).toBeGreaterThan(0);
    for (const selector of selectors) expect(selector).toContain(`{${ns}`);
  });

  it("scopes several projects and another namespace label", () => {
    expect(scopeQuery("sum(x) or y", AB, "ns")).toBe('sum(x{ns=~"^(?:a|b)$"}) or y{ns=~"^(?:a|b)$"}');
  });

  it("leaves an operator's query as written, without its comments, and still validates it", () => {
    expect(scopeQuery("sum(x) # all\n", ALL, "namespace")).toBe("sum(x)  \n");
    expect(refusal(() => scopeQuery("sum(x", ALL, "namespace")).issues[0]).toMatchObject({ pointer: "/query", rule: "promql" });
  });

  it.each([
    ["sum(x", "is not valid PromQL"],
    ['x{a="b" or c="d"}', "is not valid PromQL"],
    ["with (f = x) f", "is not valid PromQL"],
    ["range_median(x)", "is not valid PromQL"],
    ['{"x"}', "cannot restrict"],
    ['x{"namespace"="b"}', "cannot restrict"],
    ["info(x)", "cannot restrict"],
    ["x\u00a0+ y", "does not read"],
    ["", "is empty"],
  ])("refuses %j", (query, message) => {
    const error = refusal(() => scopeQuery(query, A, "namespace"));
    expect(error.issues[0]).toMatchObject({ pointer: "/query", rule: "promql" });
    expect(error.message).toContain(message);
  });

  it("refuses a query longer than the limit, and scopes a deeply nested one without exhausting the stack", () => {
    expect(refusal(() => scopeQuery("x+".repeat(QUERY_MAX_LENGTH / 2) + "x", A, "namespace")).message).toContain("at most");
    const deep = "(".repeat(1000) + "x" + ")".repeat(1000);
    expect(scopeQuery(deep, A, "namespace")).toBe("(".repeat(1000) + `x{${ns}}` + ")".repeat(1000));
    // Deeper than the grammar's own bound: an error node, refused.
    expect(refusal(() => scopeQuery("(".repeat(4000) + "x" + ")".repeat(4000), A, "namespace")).message).toContain("not valid PromQL");
    const sums = "sum(".repeat(500) + "x" + ")".repeat(500);
    expect(selectorsOf(scopeQuery(sums, A, "namespace"))).toEqual([`x{${ns}}`]);
  });

  it("refuses a person of no project", () => {
    expect(() => scopeQuery("up", { kind: "projects", projects: [] }, "namespace")).toThrow(NotAllowedError);
  });
});

describe("scopeSelectors", () => {
  it("scopes each match[] selector and gives the scope's own when there is none", () => {
    expect(scopeSelectors(['up{job="x"}', '{__name__=~"container_.*"}'], AB, "namespace")).toEqual([
      'up{namespace=~"^(?:a|b)$", job="x"}',
      '{namespace=~"^(?:a|b)$", __name__=~"container_.*"}',
    ]);
    expect(scopeSelectors([], A, "namespace")).toEqual([`{${ns}}`]);
    expect(scopeSelectors([], ALL, "namespace")).toEqual([]);
    expect(scopeSelectors(["up"], ALL, "namespace")).toEqual(["up"]);
  });
  it.each(["up or x", "rate(up[5m])", "up[5m]", "1", "sum(up)"])("refuses %j, which is not one selector", (selector) => {
    expect(refusal(() => scopeSelectors([selector], A, "namespace")).issues[0]).toMatchObject({ pointer: "/match[]", rule: "promql" });
  });
});
