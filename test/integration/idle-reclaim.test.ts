// Idle reclaim end to end (ADR 28), on a real VictoriaMetrics loaded with a small synthetic
// fleet, a real SMTP server and a real HTTP server as the chat webhook, and a fake clock: the
// dry run says what the sweep then does; each step is one commit with its reason; activity and
// *keep* cancel; a crash between a commit and its notice loses nothing and doubles nothing;
// people of another project see none of it.
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createPrometheusMetricsSource } from "../../src/adapters/metrics/prometheus-api.js";
import { createMemoryNoticeStore } from "../../src/adapters/memory/memory-notice-store.js";
import { createChatWebhookChannel } from "../../src/adapters/notify/chat-webhook.js";
import { createSmtpChannel } from "../../src/adapters/notify/smtp.js";
import { API_VERSION, type PlatformDocument } from "../../src/core/model.js";
import type { NoticeStore } from "../../src/core/ports/notice-store.js";
import type { Reclaim } from "../../src/core/reclaim/service.js";
import { createFakeClock } from "../../src/core/testing/fake-clock.js";
import { reportLines } from "../../src/cli/reclaim-commands.js";
import { memoryApp } from "../support/app.js";
import { idleSeries } from "../support/idle-series.js";
import { startSmtpServer } from "../support/smtp.js";
import { startVictoriaMetrics } from "../support/victoria-metrics.js";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
// In the past of the machine's clock, within VictoriaMetrics' retention: it serves it as history.
const T0 = Date.now() - 5 * DAY - ((Date.now() - 5 * DAY) % HOUR);
const at = (hours: number) => new Date(T0 + hours * HOUR).toISOString();
const utc = (iso: string) => `${iso.slice(0, 16).replace("T", " ")} UTC`;

const started = await startVictoriaMetrics();

describe.skipIf("skipped" in started)("idle reclaim on a real VictoriaMetrics", () => {
  if ("skipped" in started) return;
  const vm = started;
  const posts: { text: string }[] = [];
  let webhook: Server;
  let webhookUrl = "";
  let smtp: Awaited<ReturnType<typeof startSmtpServer>>;
  const clock = createFakeClock(new Date(T0 - 41 * DAY));
  let app: Awaited<ReturnType<typeof memoryApp>>;
  let reclaim: Reclaim;
  let failNextAdd = false;

  beforeAll(async () => {
    smtp = await startSmtpServer();
    webhook = createServer((request, response) => {
      let body = "";
      request.on("data", (chunk: Buffer) => (body += chunk.toString("utf8")));
      request.on("end", () => {
        posts.push(JSON.parse(body) as { text: string });
        response.writeHead(200).end("ok");
      });
    });
    await new Promise<void>((resolve) => webhook.listen(0, "127.0.0.1", resolve));
    const address = webhook.address();
    webhookUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}/hooks/abc`;

    // The synthetic fleet, hour by hour from 100 h before T0 to 40 h after.
    const end = T0 + 40 * HOUR;
    const before = (hoursBeforeT0: number) => (hoursBeforeEnd: number) => hoursBeforeEnd - 40 > hoursBeforeT0;
    await vm.importSeries(
      idleSeries(
        [
          { project: "demo", instance: "busy", fromHours: 140, busy: () => true },
          { project: "demo", instance: "sleepy", fromHours: 140, busy: before(50) },
          { project: "demo", instance: "lazy", fromHours: 140, busy: before(50) },
          // Its CPU is idle, but people visit it through Plateau's proxy: 55 h before T0, and 10 h after.
          { project: "demo", instance: "web", fromHours: 140, busy: () => false, requestsAt: [95, 30] },
          { project: "demo", instance: "young", fromHours: 50, busy: () => false },
          { project: "infra", instance: "wiki", fromHours: 140, busy: () => false },
        ],
        end,
      ),
    );

    const compute: PlatformDocument = {
      apiVersion: API_VERSION,
      kind: "Platform",
      metadata: { name: "compute" },
      spec: {
        title: "Compute",
        engine: "podman",
        infrastructure: { type: "local" },
        site: "local",
        tier: "experimental",
        flavour: "kubernetes",
        domain: "localhost",
        metrics: { url: vm.url, scrapeIntervalSeconds: 30 },
      },
    };
    const store = createMemoryNoticeStore();
    // A crash between a step's commit and its notice: the store fails once when asked to.
    const notices: NoticeStore = {
      ...store,
      add: (...args) => {
        if (failNextAdd) {
          failNextAdd = false;
          return Promise.reject(new Error("killed before the notice was kept"));
        }
        return store.add(...args);
      },
    };
    app = await memoryApp({
      clock,
      tenancy: {
        personalQuota: { cpu: 2, memoryGiB: 8, gpu: 0, instances: 5, storageGiB: 20 },
        projectQuota: { cpu: 64, memoryGiB: 256, gpu: 0, instances: 20, storageGiB: 200 },
        labQuota: { cpu: 64, memoryGiB: 256, gpu: 2, instances: 100, storageGiB: 1000 },
        labProjectLimit: 10,
      },
      platforms: [compute],
      adapters: {
        notices,
        noticeChannels: {
          email: createSmtpChannel({ host: "127.0.0.1", port: smtp.port, from: "plateau@example.org", security: "none" }),
          chat: createChatWebhookChannel(new Map([["default", webhookUrl]])),
        },
        metricsSourceFor: (platform) => (platform.spec.metrics ? createPrometheusMetricsSource({ url: platform.spec.metrics.url }) : undefined),
      },
      reclaim: {
        idleHours: 72,
        notifyHoursBefore: 24,
        stop: true,
        deleteAfterDaysStopped: 30,
        exempt: false,
        templates: {},
        exemptProjectTiers: ["institutional"],
        cpuThresholdCores: 0.01,
      },
      notifications: { links: { instancePage: (project, instance) => `https://plateau.example.org/projects/${project}/instances/${instance}` } },
    });
    const found = app.plateau.services.reclaim;
    if (!found) throw new Error("no reclaim service");
    reclaim = found;
    const { instances, projects } = app.plateau.services;
    const alice = { login: "alice", name: "alice", email: "alice@example.org" };
    const oscar = { login: "oscar", name: "oscar", email: "oscar@example.org" };
    await app.person("alice");
    await app.person("bob");
    // 41 days before T0: "old" is launched, and stopped a day later by its person.
    await instances.launch({ template: "static-site", project: "demo", name: "old", platform: "compute" }, alice);
    clock.set(new Date(T0 - 40 * DAY));
    await instances.stop("demo", "old", alice);
    clock.set(new Date(T0 - 100 * HOUR));
    for (const name of ["busy", "sleepy", "lazy", "web", "young"]) {
      await instances.launch({ template: "static-site", project: "demo", name, platform: "compute" }, alice);
    }
    await projects.create({ name: "infra", lab: "imb", title: "Institutional wiki" }, alice);
    await instances.launch({ template: "static-site", project: "infra", name: "wiki", platform: "compute" }, alice);
    await projects.setTiers("infra", ["institutional"], oscar);
    clock.set(new Date(T0));
  }, 60_000);

  afterAll(async () => {
    await smtp?.stop();
    await new Promise<void>((resolve) => (webhook ? webhook.close(() => resolve()) : resolve()));
    await vm.stop();
  });

  const history = async (name: string) =>
    (await app.repo.log({ paths: [`projects/demo/instances/${name}.yaml`], limit: 20 })).map((commit) => ({
      subject: commit.subject,
      action: commit.trailers["Plateau-Action"],
      reason: commit.trailers["Plateau-Reason"],
      author: commit.author.name,
    }));
  const steps = (report: Awaited<ReturnType<Reclaim["report"]>>) =>
    report.items.map((item) => `${item.project}/${item.instance} ${item.step} ${item.what} ${item.due}`);

  it("says today what it will do, then does exactly that: one commit per step with its reason; a crash before the notice loses nothing", async () => {
    const report = await reclaim.report();
    expect(steps(report)).toEqual([
      `demo/lazy notify stop ${at(24)}`,
      `demo/old notify remove ${at(24)}`,
      `demo/sleepy notify stop ${at(24)}`,
      `demo/web notify stop ${at(24)}`,
    ]);
    expect(report.items.find((item) => item.instance === "sleepy")).toMatchObject({ hoursIdle: 50, why: "idle 50 h", frees: { storageGiB: 0 } });
    expect(report.items.find((item) => item.instance === "sleepy")?.frees.cpu).toBeGreaterThan(0);
    expect(report.items.find((item) => item.instance === "old")).toMatchObject({ why: "stopped 40 d", frees: { cpu: 0 } });
    expect(report.exempt).toBe(1);
    expect(report.platformsWithoutMetrics).toEqual([]);
    expect(reportLines(report).join("\n")).toContain("announce stop");

    failNextAdd = true;
    const first = await reclaim.sweep();
    expect(first.committed.map((step) => `${step.instance} ${step.action}`)).toEqual(
      ["demo/sleepy notify", "demo/lazy notify", "demo/web notify", "demo/old notify"].sort(byOrderOf(first.committed)),
    );
    expect(first.failed).toHaveLength(1);
    expect(first.failed[0]?.reason).toContain("killed before the notice was kept");
    // Run again (a restart): no second commit, and the notice the crash lost is published now.
    const again = await reclaim.sweep();
    expect(again.committed).toEqual([]);
    expect(again.failed).toEqual([]);
    expect((await app.plateau.services.notifications?.list("alice"))?.map((notice) => notice.key).sort()).toEqual(
      ["lazy", "old", "sleepy", "web"].map((name) => `idle-${name === "old" ? "remove" : "stop"}:demo/${name}:${new Date(T0).toISOString()}`).sort(),
    );
    expect(await history("sleepy")).toEqual([
      { subject: `idle: stop demo/sleepy on ${utc(at(24))}`, action: "idle-notify", reason: "stop planned, idle 50 h", author: "Plateau" },
      { subject: expect.stringMatching(/^launch demo\/sleepy /), action: "launch", reason: undefined, author: "alice" },
    ]);
    expect((await app.plateau.services.instances.get("infra", "wiki")).state).toBe("running");
  });

  it("delivers each notice once, by e-mail to the project's owners and to the chat webhook: what, when, and the one action that prevents it", async () => {
    await app.plateau.deliverNotices();
    await app.plateau.deliverNotices();
    expect(smtp.mails).toHaveLength(4);
    for (const mail of smtp.mails) expect(mail.to).toEqual(["alice@example.org"]);
    const sleepy = smtp.mails.find((mail) => mail.subject.startsWith("demo/sleepy"));
    expect(sleepy?.subject).toBe(`demo/sleepy will be stopped on ${utc(at(24))} / demo/sleepy sera arrêtée le ${utc(at(24))}`);
    expect(sleepy?.text).toContain(`Plateau will stop it on ${utc(at(24))}`);
    expect(sleepy?.text).toContain("plateau keep demo/sleepy");
    expect(sleepy?.text).toContain("https://plateau.example.org/projects/demo/instances/sleepy");
    expect(sleepy?.text).toContain("Plateau l'arrêtera le");
    expect(smtp.mails.find((mail) => mail.subject.startsWith("demo/old"))?.text).toContain("its data with it");
    expect(posts).toHaveLength(4);
    expect(posts.find((post) => post.text.includes("demo/web"))?.text).toContain("plateau keep demo/web");
    // No other project's name in a notice: each names its own instance only.
    for (const mail of smtp.mails) expect(mail.text).not.toContain("infra");
  });

  it("lists a person's own notices only, behind sign-in; keep is for the project's people only", async () => {
    const alices = await app.inject({ url: "/api/v1/notifications" });
    expect(alices.statusCode).toBe(200);
    expect(alices.json().items).toHaveLength(4);
    expect(alices.json().items[0]).toMatchObject({ project: "demo", action: "keep", readAt: null });
    const bobs = await app.inject({ url: "/api/v1/notifications", headers: await app.as("bob") });
    expect(bobs.json().items).toEqual([]);
    const marked = await app.inject({
      method: "POST",
      url: "/api/v1/notifications/read",
      headers: await app.as("bob"),
      payload: { keys: alices.json().items.map((notice: { key: string }) => notice.key) },
    });
    expect(marked.json()).toEqual({ marked: 0 });
    expect((await app.app.inject({ url: "/api/v1/notifications" })).statusCode).toBe(401);
    expect((await app.inject({ method: "POST", url: "/api/v1/projects/demo/instances/lazy/keep", headers: await app.as("bob") })).statusCode).toBe(404);
    expect((await app.inject({ url: "/api/v1/reclaim/report", headers: await app.as("bob") })).statusCode).toBe(403);
    expect((await app.inject({ url: "/api/v1/reclaim/report" })).statusCode).toBe(403);
    expect((await app.inject({ url: "/api/v1/labs/imb/reclaim/report", headers: await app.as("bob") })).statusCode).toBe(403);
    expect((await app.inject({ url: "/api/v1/labs/imb/reclaim/report" })).statusCode).toBe(403);
    const ines = await app.inject({ url: "/api/v1/labs/imb/reclaim/report", headers: await app.as("ines") });
    expect(ines.statusCode).toBe(200);
    expect(ines.json().items.map((item: { instance: string }) => item.instance)).toEqual(["lazy", "old", "sleepy", "web"]);
    expect((await app.inject({ url: "/api/v1/labs/lmbp/reclaim/report", headers: await app.as("lea") })).json().items).toEqual([]);
    expect((await app.inject({ url: "/api/v1/reclaim/report", headers: await app.as("oscar") })).statusCode).toBe(200);

    // Alice keeps "lazy": one commit, the stop is cancelled, idleness counts from now.
    clock.set(new Date(T0 + HOUR));
    const kept = await app.inject({ method: "POST", url: "/api/v1/projects/demo/instances/lazy/keep" });
    expect(kept.statusCode).toBe(202);
    expect(kept.json().commit).toMatch(/^[0-9a-f]+$/);
    const twice = await app.inject({ method: "POST", url: "/api/v1/projects/demo/instances/lazy/keep" });
    expect(twice.json().commit).toBeNull();
    expect((await history("lazy"))[0]).toMatchObject({ action: "idle-keep", author: "alice" });
  });

  it("cancels a step when the instance is used again, stops what stayed idle, removes what stayed stopped", async () => {
    clock.set(new Date(T0 + 12 * HOUR));
    const midway = await reclaim.report();
    expect(steps(midway)).toEqual([`demo/old pending remove ${at(24)}`, `demo/sleepy pending stop ${at(24)}`, `demo/web cancel cancel ${at(12)}`]);
    expect((await reclaim.sweep()).committed.map((step) => `${step.instance} ${step.action}`)).toEqual(["demo/web cancel"]);
    expect((await history("web"))[0]).toMatchObject({ action: "idle-cancel", reason: "activity" });

    clock.set(new Date(T0 + 25 * HOUR));
    const due = await reclaim.report();
    expect(steps(due)).toEqual([`demo/old remove remove ${at(25)}`, `demo/sleepy stop stop ${at(25)}`]);
    const done = await reclaim.sweep();
    expect(done.committed.map((step) => `${step.instance} ${step.action}`).sort()).toEqual(["demo/old remove", "demo/sleepy stop"]);
    expect(await reclaim.sweep().then((outcome) => outcome.committed)).toEqual([]);
    expect((await app.plateau.services.instances.get("demo", "sleepy")).state).toBe("stopped");
    expect(await history("sleepy")).toMatchObject([
      { action: "idle-stop", reason: "idle 72 h", author: "Plateau" },
      { action: "idle-notify" },
      { action: "launch" },
    ]);
    expect((await history("old"))[0]).toMatchObject({ subject: "idle: remove demo/old", action: "idle-remove", reason: "stopped 41 d" });
    await expect(app.plateau.services.instances.get("demo", "old")).rejects.toThrow();
    for (const name of ["busy", "lazy", "young"]) expect((await app.plateau.services.instances.get("demo", name)).state).toBe("running");
    // Started again by its person, a stopped instance counts its idleness afresh.
    await app.plateau.services.instances.start("demo", "sleepy", { login: "alice", name: "alice", email: "alice@example.org" });
    expect((await reclaim.report()).items).toEqual([]);
  });
});

/** The order the sweep went in (the index's), for comparing sets of steps. */
function byOrderOf(committed: readonly { instance: string; action: string }[]) {
  const order = committed.map((step) => `${step.instance} ${step.action}`);
  return (a: string, b: string) => order.indexOf(a) - order.indexOf(b);
}
