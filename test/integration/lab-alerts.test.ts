// The labs' alerts end to end on the local platform: a real VictoriaMetrics holding imported
// series, a real vmalert evaluating the rules Plateau writes every second, posting to
// Plateau's receiver, which publishes notices; and the operators' series report of the same
// VictoriaMetrics.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrometheusMetricsSource } from "../../src/adapters/metrics/prometheus-api.js";
import { startVmalert, type VmalertProcess } from "../../src/adapters/metrics/vmalert-process.js";
import { createAlertsService } from "../../src/core/alerts/service.js";
import { vmalertRulesFile, type LabAlertsInput } from "../../src/core/alerts/vmrule.js";
import type { PlatformDocument } from "../../src/core/model.js";
import type { NoticeDraft } from "../../src/core/notify/notice.js";
import { localPlatformDocument } from "../../src/core/platforms/service.js";
import { memoryApp } from "../support/app.js";
import { runCli } from "../support/cli.js";
import { startVictoriaMetrics, VMALERT_BIN, victoriaMetricsRequired, type ImportedSeries, type VictoriaMetricsServer } from "../support/victoria-metrics.js";
import { existsSync } from "node:fs";

const started = await startVictoriaMetrics();
const vmalertMissing = !existsSync(VMALERT_BIN);
if (vmalertMissing && victoriaMetricsRequired()) throw new Error(`${VMALERT_BIN} is not installed`);

const PASSWORD = "s3cret-of-vmalert-for-this-test";
const NOW = Date.now();
/** Four samples over the last minute: what an instant query at now sees. */
const recent = (value: number): Pick<ImportedSeries, "values" | "timestamps"> => ({
  values: [value, value, value, value],
  timestamps: [NOW - 45_000, NOW - 30_000, NOW - 15_000, NOW],
});

/** Lab imb's project `demo` and lab lmbp's `lmbp-x` both have a pod not ready and a full volume; `kube-system` is no lab's. */
function fleet(): ImportedSeries[] {
  const troubled = (namespace: string, instance: string): ImportedSeries[] => [
    { metric: { __name__: "kube_pod_status_ready", namespace, pod: `${instance}-0`, condition: "true" }, ...recent(0) },
    { metric: { __name__: "kube_pod_labels", namespace, pod: `${instance}-0`, label_app_kubernetes_io_instance: instance }, ...recent(1) },
    { metric: { __name__: "kubelet_volume_stats_used_bytes", namespace, persistentvolumeclaim: `data-${instance}` }, ...recent(95) },
    { metric: { __name__: "kubelet_volume_stats_capacity_bytes", namespace, persistentvolumeclaim: `data-${instance}` }, ...recent(100) },
    {
      metric: {
        __name__: "kube_persistentvolumeclaim_labels",
        namespace,
        persistentvolumeclaim: `data-${instance}`,
        label_app_kubernetes_io_instance: instance,
      },
      ...recent(1),
    },
  ];
  return [
    ...troubled("demo", "notebook"),
    // demo's notebook also restarts in a loop, is about to expire, and demo has used 95 % of its CPU quota (Plateau's gauges).
    {
      metric: { __name__: "kube_pod_container_status_restarts_total", namespace: "demo", pod: "notebook-0", container: "main" },
      values: [0, 4, 8, 12],
      timestamps: recent(0).timestamps,
    },
    { metric: { __name__: "plateau_quota_used_ratio", namespace: "demo", quota: "project", resource: "cpu" }, ...recent(0.95) },
    { metric: { __name__: "plateau_instance_expiry_timestamp_seconds", namespace: "demo", instance: "notebook" }, ...recent(Math.round(NOW / 1000) + 3600) },
    // A job of demo that completed: not ready, and not down either.
    { metric: { __name__: "kube_pod_status_ready", namespace: "demo", pod: "batch-0", condition: "true" }, ...recent(0) },
    { metric: { __name__: "kube_pod_status_phase", namespace: "demo", pod: "batch-0", phase: "Succeeded" }, ...recent(1) },
    { metric: { __name__: "kube_pod_labels", namespace: "demo", pod: "batch-0", label_app_kubernetes_io_instance: "batch" }, ...recent(1) },
    // A healthy second pod of demo: ready, its volume half full.
    { metric: { __name__: "kube_pod_status_ready", namespace: "demo", pod: "site-0", condition: "true" }, ...recent(1) },
    { metric: { __name__: "kube_pod_labels", namespace: "demo", pod: "site-0", label_app_kubernetes_io_instance: "site" }, ...recent(1) },
    ...troubled("lmbp-x", "intruder"),
    { metric: { __name__: "kube_pod_status_ready", namespace: "kube-system", pod: "dns-0", condition: "true" }, ...recent(0) },
    { metric: { __name__: "kube_pod_labels", namespace: "kube-system", pod: "dns-0", label_app_kubernetes_io_instance: "dns" }, ...recent(1) },
  ];
}

describe.skipIf("skipped" in started || vmalertMissing)("a lab's alerts on the local platform (VictoriaMetrics, vmalert, Plateau's receiver)", () => {
  const vm = started as VictoriaMetricsServer;
  const notices: NoticeDraft[] = [];
  let harness: Awaited<ReturnType<typeof memoryApp>>;
  let vmalert: VmalertProcess;
  let dir: string;
  let receiverBase: string;
  const platform: PlatformDocument = (() => {
    const local = localPlatformDocument("localhost");
    return { ...local, spec: { ...local.spec, metrics: { url: vm.url } } };
  })();
  // The rules' `for:` shortened to nothing (a lab may set it), so that one evaluation fires them.
  const labs: LabAlertsInput[] = [
    { name: "imb", projects: ["demo"], rules: { "instance-down": { forMinutes: 0 }, "volume-full": { forMinutes: 0 } }, seriesBudget: 5 },
    { name: "lmbp", projects: ["lmbp-x"], rules: { "instance-down": { forMinutes: 0 }, "volume-full": { forMinutes: 0 } } },
  ];

  beforeAll(async () => {
    await vm.importSeries(fleet());
    harness = await memoryApp({
      alerts: (composed) => ({
        receiverPassword: PASSWORD,
        service: createAlertsService({
          clock: { now: () => new Date() },
          publish: async (draft) => {
            notices.push(draft);
          },
          projectLab: async (project) => {
            const found = await composed.plateau.services.projects.find(project);
            return found ? found.lab : undefined;
          },
          labs: async () => labs,
          platform: async (name) => (name === "local" ? platform : undefined),
          metricsSourceOf: (document) => (document.spec.metrics ? createPrometheusMetricsSource({ url: document.spec.metrics.url }) : undefined),
          defaultSeriesBudget: 1000,
        }),
      }),
    });
    await harness.plateau.services.projects.create({ name: "lmbp-x", lab: "lmbp", title: "X" }, { login: "bob", name: "bob", email: "bob@example.org" });
    await harness.app.listen({ host: "127.0.0.1", port: 0 });
    receiverBase = `http://127.0.0.1:${(harness.app.server.address() as AddressInfo).port}/api/v1/alerts/hook`;
    dir = await mkdtemp(join(tmpdir(), "plateau-vmalert-"));
    const start = await startVmalert({
      dir,
      datasourceUrl: vm.url,
      notifierUrl: receiverBase,
      notifierPassword: PASSWORD,
      rules: vmalertRulesFile(labs, { namespace: "namespace", pod: "pod" }),
      evaluationInterval: "1s",
    });
    if ("skipped" in start) throw new Error(start.skipped);
    vmalert = start;
  }, 30_000);

  afterAll(async () => {
    await vmalert?.stop();
    await harness?.app.close();
    await vm.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** Polls until the notices hold what `done` wants (vmalert evaluates every second). */
  async function noticesUntil(done: (all: readonly NoticeDraft[]) => boolean): Promise<readonly NoticeDraft[]> {
    for (let attempt = 0; attempt < 200 && !done(notices); attempt++) await new Promise((resolve) => setTimeout(resolve, 100));
    return notices;
  }

  it("fires 'instance down' and 'volume > 90 %' for lab imb's instance, as notices naming it and the action", async () => {
    const all = await noticesUntil(
      (seen) =>
        seen.some((notice) => notice.kind === "alert-instance-down" && notice.project === "demo") &&
        seen.some((notice) => notice.kind === "alert-volume-full" && notice.project === "demo"),
    );
    const down = all.find((notice) => notice.kind === "alert-instance-down" && notice.project === "demo");
    expect(down).toMatchObject({
      project: "demo",
      instance: "notebook",
      action: "open-instance-logs",
      params: { lab: "imb", rule: "instance-down", command: "plateau logs demo/notebook", summary: expect.stringContaining("notebook") },
    });
    expect(down?.key).toMatch(/^alert:[0-9a-f]{16}:\d{4}-/);
    const full = all.find((notice) => notice.kind === "alert-volume-full" && notice.project === "demo");
    expect(full).toMatchObject({
      instance: "notebook",
      action: "free-volume",
      params: { persistentvolumeclaim: "data-notebook", command: "plateau status demo/notebook" },
    });
    const more = await noticesUntil((seen) =>
      ["alert-restart-loop", "alert-quota-nearly-used", "alert-expiring-soon"].every((kind) =>
        seen.some((notice) => notice.kind === kind && notice.project === "demo"),
      ),
    );
    expect(more.find((notice) => notice.kind === "alert-restart-loop")).toMatchObject({
      instance: "notebook",
      params: { command: "plateau logs demo/notebook" },
    });
    expect(more.find((notice) => notice.kind === "alert-quota-nearly-used")).toMatchObject({
      project: "demo",
      action: "raise-quota",
      params: { quota: "project", resource: "cpu", command: "plateau projects quota demo" },
    });
    expect(more.find((notice) => notice.kind === "alert-expiring-soon")).toMatchObject({
      instance: "notebook",
      action: "renew",
      params: { command: "plateau renew demo/notebook" },
    });
    // The healthy instance never fires; the same firing, resent every second, keeps one key.
    expect(all.some((notice) => notice.instance === "site" || notice.instance === "batch")).toBe(false);
    expect(new Set(all.filter((notice) => notice.kind === "alert-instance-down" && notice.project === "demo").map((notice) => notice.key)).size).toBe(1);
  });

  it("never gives lab imb a notice of another lab's series, nor of namespaces that are no lab's", async () => {
    const all = await noticesUntil((seen) => seen.some((notice) => notice.project === "lmbp-x"));
    for (const notice of all) {
      if (notice.params.lab === "imb") expect(notice.project).toBe("demo");
      if (notice.project === "lmbp-x") expect(notice.params.lab).toBe("lmbp");
      expect(notice.project).not.toBe("kube-system");
      expect(notice.instance).not.toBe("dns");
    }
    expect(all.some((notice) => notice.project === "lmbp-x" && notice.instance === "intruder")).toBe(true);
    // The rules themselves are scoped (not only the receiver's check of the project's lab): what vmalert has firing.
    const firing = (await (await fetch(`${vmalert.url}/api/v1/alerts`)).json()) as { data: { alerts: { labels: Record<string, string> }[] } };
    const imbAlerts = firing.data.alerts.filter((alert) => alert.labels.plateau_lab === "imb");
    expect(imbAlerts.length).toBeGreaterThanOrEqual(2);
    // The quota's alert is about the project, the others about its instance.
    expect(new Set(imbAlerts.map((alert) => `${alert.labels.project}/${alert.labels.instance ?? "-"}`))).toEqual(new Set(["demo/notebook", "demo/-"]));
    expect(firing.data.alerts.some((alert) => alert.labels.namespace === "kube-system" || alert.labels.project === "kube-system")).toBe(false);
  });

  it("reloads the rules when a lab changes them (a rule turned off is no longer evaluated)", async () => {
    const rulesOf = async () => {
      const body = (await (await fetch(`${vmalert.url}/api/v1/rules`)).json()) as { data: { groups: { name: string; rules: { name: string }[] }[] } };
      return body.data.groups.find((group) => group.name === "plateau-lab-imb")?.rules.map((rule) => rule.name) ?? [];
    };
    expect(await rulesOf()).toContain("PlateauRestartLoop");
    const changed = labs.map((lab) => (lab.name === "imb" ? { ...lab, rules: { ...lab.rules, "restart-loop": { enabled: false } } } : lab));
    await vmalert.updateRules(vmalertRulesFile(changed, { namespace: "namespace", pod: "pod" }));
    let names = await rulesOf();
    for (let attempt = 0; attempt < 100 && names.includes("PlateauRestartLoop"); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      names = await rulesOf();
    }
    expect(names).not.toContain("PlateauRestartLoop");
    expect(names).toContain("PlateauInstanceDown");
  });

  it("refuses posts without vmalert's secret (401) and publishes nothing of them", async () => {
    const before = notices.length;
    const forged = [
      {
        labels: { plateau_rule: "instance-down", plateau_lab: "lmbp", project: "lmbp-x", instance: "forged" },
        annotations: { summary: "forged" },
        startsAt: new Date().toISOString(),
      },
    ];
    const post = (authorization?: string) =>
      fetch(`${receiverBase}/api/v2/alerts`, {
        method: "POST",
        headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
        body: JSON.stringify(forged),
      });
    expect((await post()).status).toBe(401);
    expect((await post(`Basic ${Buffer.from("vmalert:wrong").toString("base64")}`)).status).toBe(401);
    expect((await post(`Bearer ${PASSWORD}`)).status).toBe(401);
    // Another lab's project named by a rule of the wrong lab is refused even with the secret.
    const crossed = await post(`Basic ${Buffer.from(`vmalert:${PASSWORD}`).toString("base64")}`);
    expect(crossed.status).toBe(200);
    expect(((await crossed.json()) as { published: number }).published).toBe(1);
    const mislabelled = await fetch(`${receiverBase}/api/v2/alerts`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Basic ${Buffer.from(`vmalert:${PASSWORD}`).toString("base64")}` },
      body: JSON.stringify([{ ...forged[0], labels: { ...forged[0]!.labels, plateau_lab: "imb", instance: "mislabelled" } }]),
    });
    expect(await mislabelled.json()).toEqual({ published: 0, ignored: 1 });
    expect(
      notices
        .slice(before)
        .filter((notice) => notice.instance === "forged" || notice.instance === "mislabelled")
        .map((notice) => notice.instance),
    ).toEqual(["forged"]);
  });

  it("reports the series the platform holds: per metric, the top producer, the lab over its budget (operators only)", async () => {
    const response = await harness.inject({ method: "GET", url: "/api/v1/platforms/local/metrics/report?top=3", headers: await harness.as("oscar") });
    expect(response.statusCode).toBe(200);
    const report = response.json() as {
      totalSeries: number;
      byMetric: { name: string; series: number }[];
      topProducers: { namespace: string; project: string | null; lab: string | null; series: number }[];
      labs: { lab: string; series: number; budget: number; over: boolean }[];
    };
    const imported = fleet();
    const count = (predicate: (series: ImportedSeries) => boolean) => imported.filter(predicate).length;
    expect(report.totalSeries).toBe(imported.length);
    expect(report.byMetric).toEqual([
      { name: "kube_pod_labels", series: count((series) => series.metric.__name__ === "kube_pod_labels") },
      { name: "kube_pod_status_ready", series: count((series) => series.metric.__name__ === "kube_pod_status_ready") },
      { name: "kube_persistentvolumeclaim_labels", series: 2 },
    ]);
    expect(report.topProducers[0]).toEqual({ namespace: "demo", project: "demo", lab: "imb", series: count((series) => series.metric.namespace === "demo") });
    expect(report.labs).toEqual([
      { lab: "imb", series: 13, budget: 5, over: true },
      { lab: "lmbp", series: 5, budget: 1000, over: false },
    ]);
    // The CLI prints the same report; its JSON is the API's.
    const server = receiverBase.slice(0, -"/api/v1/alerts/hook".length);
    const printed = await runCli(server, await harness.tokenOf("oscar"), "metrics", "report", "local", "--top", "3");
    expect(printed.code).toBe(0);
    expect(printed.stdout).toContain(`local: ${imported.length} series`);
    expect(printed.stdout).toMatch(/imb\s+13\s+5\s+over budget/);
    expect(JSON.parse((await runCli(server, await harness.tokenOf("oscar"), "metrics", "report", "local", "--top", "3", "--json")).stdout)).toEqual(report);
    expect((await runCli(server, await harness.tokenOf("alice"), "metrics", "report", "local")).code).not.toBe(0);
    // A lab member is no operator; a lab's rules are its members' and admins' to read, not another lab's.
    expect((await harness.inject({ method: "GET", url: "/api/v1/platforms/local/metrics/report" })).statusCode).toBe(403);
    expect((await harness.inject({ method: "GET", url: "/api/v1/labs/imb/alerts" })).json()).toMatchObject({ lab: "imb", projects: ["demo"] });
    expect((await harness.inject({ method: "GET", url: "/api/v1/labs/imb/alerts", headers: await harness.as("bob") })).statusCode).toBe(404);
  });
});
