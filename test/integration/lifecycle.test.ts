import { describe, expect, it } from "vitest";
import { ConflictError, InputError, NotFoundError } from "../../src/core/errors.js";
import { MAX_PATCH_BYTES, truncatePatch } from "../../src/core/instances/service.js";
import { parseInstance, serialize } from "../../src/core/model.js";
import type { LifecycleSettings } from "../../src/core/instances/expiry.js";
import type { DesiredStateRepository } from "../../src/core/ports/desired-state-repository.js";
import { createMemoryRepository } from "../../src/adapters/memory/memory-repository.js";
import { alice, memoryPlateau } from "../support/plateau.js";
import { createTestClock, DAY_MS } from "../support/clock.js";

describe("instance lifecycle (core + in-memory adapters)", () => {
  it("launches: one commit holding intent and rendered manifests, then the engine runs it", async () => {
    const { plateau, repo, reconciler, engine } = await memoryPlateau();
    const before = await repo.head();
    const result = await plateau.services.instances.launch(
      { template: "static-site", project: "demo", name: "hello", values: { image: "localhost/plateau-test-site:1" } },
      alice,
    );
    expect(result.commit).toBeTruthy();
    expect(result.instance).toMatchObject({
      project: "demo",
      name: "hello",
      template: "static-site",
      platform: "local",
      state: "running",
      phase: "pending",
      url: "http://hello.demo.localhost:8080/",
    });
    expect(result.placement.platform).toBe("local");

    const commits = await repo.log({ until: before });
    expect(commits).toHaveLength(1);
    expect(commits[0]).toMatchObject({
      subject: "launch demo/hello (static-site 1.0.0) on local",
      author: { name: "alice", email: "alice@users.plateau.invalid" },
    });
    const head = (await repo.head()) as string;
    const intent = parseInstance((await repo.readFile(head, "projects/demo/instances/hello.yaml")) as string, "intent");
    expect(intent.spec.values).toMatchObject({ image: "localhost/plateau-test-site:1", size: "small" });
    expect((await repo.listDirectory(head, "rendered/local/demo/hello")).map((e) => e.name)).toEqual([
      "deployment-hello.yaml",
      "ingress-hello.yaml",
      "service-hello.yaml",
    ]);
    expect(await repo.readFile(head, "rendered/local/demo/namespace.yaml")).toContain("kind: Namespace");
    expect(await repo.readFile(head, "projects/demo/project.yaml")).toContain("createdBy: alice");

    await reconciler.reconcileOnce();
    const running = await plateau.services.instances.get("demo", "hello");
    expect(running.phase).toBe("running");
    expect(engine.applied()).toBe(1);
    await reconciler.reconcileOnce();
    expect(engine.applied()).toBe(1); // idempotent: nothing changed, nothing applied
  });

  it("stops and starts with one commit each, and no commit when nothing changes", async () => {
    const { plateau, repo, reconciler } = await memoryPlateau();
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "hello" }, alice);
    await reconciler.reconcileOnce();
    const start = await repo.head();
    const stopped = await plateau.services.instances.stop("demo", "hello", alice);
    expect(stopped.commit).toBeTruthy();
    expect((await plateau.services.instances.stop("demo", "hello", alice)).commit).toBeNull();
    const head = (await repo.head()) as string;
    expect(await repo.readFile(head, "rendered/local/demo/hello/deployment-hello.yaml")).toContain("replicas: 0");
    await reconciler.reconcileOnce();
    expect((await plateau.services.instances.get("demo", "hello")).phase).toBe("stopped");
    await plateau.services.instances.start("demo", "hello", alice);
    await reconciler.reconcileOnce();
    expect((await plateau.services.instances.get("demo", "hello")).phase).toBe("running");
    expect((await repo.log({ until: start })).map((c) => c.subject)).toEqual(["start demo/hello", "stop demo/hello"]);
  });

  it("removes the instance, its workload, its status and its secrets", async () => {
    const { plateau, repo, reconciler, engine, adapters } = await memoryPlateau();
    await plateau.services.instances.launch({ template: "test-web", project: "demo", name: "web" }, alice);
    await reconciler.reconcileOnce();
    expect(await adapters.secrets.owners()).toEqual([{ project: "demo", instance: "web" }]);
    await plateau.services.instances.remove("demo", "web", alice);
    await reconciler.reconcileOnce();
    expect(await engine.observe()).toEqual([]);
    expect(await adapters.secrets.owners()).toEqual([]);
    await expect(plateau.services.instances.get("demo", "web")).rejects.toBeInstanceOf(NotFoundError);
    expect((await repo.log({ limit: 1 }))[0]?.subject).toBe("remove demo/web");
  });

  it("refuses bad input with the field and the rule, and writes nothing", async () => {
    const { plateau, repo } = await memoryPlateau();
    const head = await repo.head();
    const launch = (request: Record<string, unknown>) => plateau.services.instances.launch({ template: "static-site", project: "demo", ...request }, alice);
    await expect(launch({ values: { size: "huge" } })).rejects.toMatchObject({ issues: [expect.objectContaining({ pointer: "/values/size", rule: "enum" })] });
    await expect(launch({ values: { nope: 1 } })).rejects.toMatchObject({
      issues: [expect.objectContaining({ pointer: "/values/nope", rule: "additionalProperties" })],
    });
    await expect(launch({ name: "Hello_World" })).rejects.toMatchObject({ issues: [expect.objectContaining({ pointer: "/name", rule: "dns-label" })] });
    await expect(launch({ project: "Demo" })).rejects.toBeInstanceOf(InputError);
    await expect(launch({ project: "kube-system" })).rejects.toMatchObject({ issues: [expect.objectContaining({ rule: "reserved" })] });
    await expect(launch({ template: "nope" })).rejects.toBeInstanceOf(NotFoundError);
    await expect(launch({ platform: "mars" })).rejects.toBeInstanceOf(NotFoundError);
    expect(await repo.head()).toBe(head);
    expect(await plateau.services.instances.list({})).toEqual([]);
  });

  it("refuses a name already used in the project (409), writing nothing", async () => {
    const { plateau, repo } = await memoryPlateau();
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "hello" }, alice);
    const head = await repo.head();
    await expect(plateau.services.instances.launch({ template: "static-site", project: "demo", name: "hello" }, alice)).rejects.toBeInstanceOf(ConflictError);
    expect(await repo.head()).toBe(head);
  });

  it("generates readable unique names", async () => {
    const { plateau } = await memoryPlateau();
    const names = new Set<string>();
    for (let i = 0; i < 5; i++) names.add((await plateau.services.instances.launch({ template: "static-site", project: "demo" }, alice)).instance.name);
    expect(names.size).toBe(5);
    for (const name of names) expect(name).toMatch(/^[a-z]+-[a-z]+-[a-z0-9]{3}$/);
  });

  it("answers a retried request with its first result instead of committing twice", async () => {
    const { plateau, repo } = await memoryPlateau();
    const first = await plateau.services.instances.launch({ template: "static-site", project: "demo", requestId: "req-1" }, alice);
    const head = await repo.head();
    const retry = await plateau.services.instances.launch({ template: "static-site", project: "demo", requestId: "req-1" }, alice);
    expect(retry.replayed).toBe(true);
    expect(retry.instance.name).toBe(first.instance.name);
    expect(await repo.head()).toBe(head);
  });

  it("lists history of an instance, newest first", async () => {
    const { plateau } = await memoryPlateau();
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "hello" }, alice);
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "other" }, alice);
    await plateau.services.instances.stop("demo", "hello", alice);
    const history = await plateau.services.instances.history({ project: "demo", instance: "hello" });
    expect(history.map((entry) => [entry.action, entry.author])).toEqual([
      ["stop", "alice"],
      ["launch", "alice"],
    ]);
    expect((await plateau.services.instances.history({})).length).toBeGreaterThanOrEqual(4); // with the bootstrap commit
  });

  it("shows what one commit of an instance's history changed of it, and only of it", async () => {
    const { plateau } = await memoryPlateau();
    const instances = plateau.services.instances;
    const launched = await instances.launch({ template: "static-site", project: "demo", name: "hello" }, alice);
    const other = await instances.launch({ template: "static-site", project: "demo", name: "other" }, alice);
    const stopped = await instances.stop("demo", "hello", alice);
    const launch = await instances.diff("demo", "hello", launched.commit ?? "");
    expect(launch).toMatchObject({ commit: launched.commit, action: "launch", author: "alice", truncated: false });
    expect(launch.subject).toContain("launch demo/hello");
    expect(launch.patch).toContain("+++ b/projects/demo/instances/hello.yaml\n");
    expect(launch.patch).toMatch(/^\+\+\+ b\/rendered\/local\/demo\/hello\//m);
    // The launch also wrote the project's namespace: not a file of this instance.
    expect(launch.patch).not.toContain("namespace.yaml");
    const stop = await instances.diff("demo", "hello", stopped.commit ?? "");
    expect(stop).toMatchObject({ action: "stop" });
    // A stop records when (idle reclaim counts a stopped instance's days from it, ADR 28).
    expect(stop.patch).toMatch(/- {2}state: running\n\+ {2}idle:\n\+ {4}stoppedAt: \S+\n\+ {2}state: stopped\n/);
    expect(stop.patch).toContain("-  replicas: 1\n+  replicas: 0\n");
    // A commit of another instance, or none at all: not found, naming the instance as asked.
    await expect(instances.diff("demo", "hello", other.commit ?? "")).rejects.toThrow(NotFoundError);
    await expect(instances.diff("demo", "hello", "f".repeat(40))).rejects.toThrow(
      'change of instance "demo/hello@ffffffffffffffffffffffffffffffffffffffff" not found',
    );
    await expect(instances.diff("demo", "hello", "HEAD")).rejects.toThrow(InputError);
    await expect(instances.diff("demo", "Hello", launched.commit ?? "")).rejects.toThrow(InputError);
    // The history outlives the instance, and so do its changes.
    await instances.remove("demo", "hello", alice);
    expect((await instances.diff("demo", "hello", launched.commit ?? "")).patch).toContain("hello.yaml");
  });

  it("cuts a patch too large to read after a whole line, and says so", () => {
    expect(truncatePatch("+a\n+b\n", 100)).toEqual({ patch: "+a\n+b\n", truncated: false });
    expect(truncatePatch("+a\n+bcd\n", 6)).toEqual({ patch: "+a\n", truncated: true });
    // Bytes, not characters: "é" is two.
    expect(truncatePatch("+é\n+é\n", 6)).toEqual({ patch: "+é\n", truncated: true });
    expect(truncatePatch("+".repeat(10), 5)).toEqual({ patch: "", truncated: true });
    expect(MAX_PATCH_BYTES).toBe(262_144);
  });

  it("commits but does not run while the platform is unavailable, then runs when it is back", async () => {
    const { plateau, reconciler, engine } = await memoryPlateau();
    engine.setAvailability({ available: false, reason: "podman is not installed", hint: "apt-get install podman" });
    const result = await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "hello" }, alice);
    expect(result.placement.reason).toContain("podman is not installed");
    await reconciler.reconcileOnce();
    const pending = await plateau.services.instances.get("demo", "hello");
    expect(pending.phase).toBe("pending");
    expect(pending.reason).toContain("podman is not installed");
    expect((await plateau.services.platforms.get("local")).available).toBe(false);
    engine.setAvailability({ available: true });
    await reconciler.reconcileOnce();
    expect((await plateau.services.instances.get("demo", "hello")).phase).toBe("running");
  });

  it("keeps one instance's failure from blocking the others, and retries with backoff", async () => {
    const { plateau, reconciler, engine } = await memoryPlateau();
    engine.failNext("broken", "image nope:1 could not be pulled: not found");
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "broken" }, alice);
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "fine" }, alice);
    await reconciler.reconcileOnce();
    expect((await plateau.services.instances.get("demo", "fine")).phase).toBe("running");
    const broken = await plateau.services.instances.get("demo", "broken");
    expect(broken.phase).toBe("failed");
    expect(broken.reason).toContain("could not be pulled");
    await reconciler.reconcileOnce(); // within the backoff: no new attempt
    expect((await plateau.services.instances.get("demo", "broken")).reason).toMatch(/next attempt in/);
    const events = await plateau.services.instances.events("demo", "broken");
    expect(events.map((e) => e.message).join("\n")).toContain("apply failed");
  });

  it("removes an instance that never ran without leaving its status behind", async () => {
    const { plateau, reconciler, engine } = await memoryPlateau();
    engine.failNext("never", "image nope:1 could not be pulled");
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "never" }, alice);
    await reconciler.reconcileOnce();
    expect((await plateau.services.instances.observed("demo", "never")).phase).toBe("failed");
    await plateau.services.instances.remove("demo", "never", alice);
    await reconciler.reconcileOnce();
    await expect(plateau.services.instances.observed("demo", "never")).rejects.toBeInstanceOf(NotFoundError);
  });

  it("notices a crashed workload and applies it again", async () => {
    const { plateau, reconciler, engine } = await memoryPlateau();
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "hello" }, alice);
    await reconciler.reconcileOnce();
    engine.crash("demo", "hello", "segfault");
    await reconciler.reconcileOnce();
    expect((await plateau.services.instances.get("demo", "hello")).phase).toBe("running");
    expect(engine.applied()).toBe(2);
  });

  it("picks up a commit made by someone else and converges to it", async () => {
    const { plateau, repo, reconciler, engine } = await memoryPlateau();
    await plateau.services.instances.launch({ template: "static-site", project: "demo", name: "hello" }, alice);
    await reconciler.reconcileOnce();
    // An operator removes the instance by a commit of their own.
    const head = await repo.head();
    await repo.commit({
      parent: head,
      author: { name: "Operator", email: "op@example.org" },
      message: "remove demo/hello by hand",
      trailers: {},
      changes: [
        { path: "projects/demo/instances/hello.yaml", remove: true },
        { path: "rendered/local/demo/hello", remove: true },
      ],
    });
    await plateau.refresh();
    await reconciler.reconcileOnce();
    expect(await plateau.services.instances.list({})).toEqual([]);
    expect(await engine.observe()).toEqual([]);
  });
});

describe("how long instances run: expiry and renewal (core + in-memory adapters, a clock moved by hand)", () => {
  const START = "2026-03-01T09:00:00.000Z";
  const after = (days: number) => new Date(Date.parse(START) + days * DAY_MS).toISOString();
  const intentAt = async (repo: DesiredStateRepository, name = "hello") =>
    parseInstance((await repo.readFile((await repo.head()) as string, `projects/demo/instances/${name}.yaml`)) as string, "intent");
  async function setUp(lifecycle?: LifecycleSettings) {
    const clock = createTestClock(START);
    // The repository keeps each commit's whole message, for what `git log` would show.
    const memory = createMemoryRepository({ clock });
    const messages = new Map<string, string>();
    const recording: DesiredStateRepository = {
      ...memory,
      async commit(request) {
        const id = await memory.commit(request);
        messages.set(id, request.message);
        return id;
      },
    };
    const composed = await memoryPlateau({ clock, repo: recording }, [], lifecycle ? { lifecycle } : {});
    const instances = composed.plateau.services.instances;
    await instances.launch({ template: "static-site", project: "demo", name: "hello" }, alice);
    return { ...composed, clock, instances, messages };
  }

  it("gives a launch expiryDays (30) in its intent and its view", async () => {
    const { repo, instances } = await setUp();
    expect((await intentAt(repo)).spec.expiresAt).toBe(after(30));
    expect((await instances.get("demo", "hello")).expiresAt).toBe(after(30));
    expect((await instances.list({ project: "demo" }))[0]?.expiresAt).toBe(after(30));
  });

  it("renews by one commit: renewDays (or the days asked) past the current expiry, no further than maxDays from now", async () => {
    const { repo, instances, clock, messages } = await setUp();
    clock.advanceDays(10);
    const before = await repo.head();
    const renewed = await instances.renew("demo", "hello", {}, alice, "renew-1");
    expect(renewed.commit).toBeTruthy();
    expect(renewed.instance?.expiresAt).toBe(after(60));
    const [commit] = await repo.log({ until: before });
    expect(commit).toMatchObject({
      subject: "renew demo/hello until 2026-04-30 09:00 UTC",
      author: { name: "alice" },
      trailers: {
        "Plateau-Action": "renew",
        "Plateau-Instance": "demo/hello",
        "Plateau-Platform": "local",
        "Plateau-Request-Id": expect.stringMatching(/^[0-9a-f]{64}$/),
      },
    });
    // Only the intent changes: what runs is the same.
    const diff = await instances.diff("demo", "hello", renewed.commit as string);
    expect(diff.patch).toContain(`-  expiresAt: ${after(30)}\n+  expiresAt: ${after(60)}\n`);
    expect(diff.patch).not.toContain("rendered/");

    // A retry of the same request (its answer lost) commits nothing more.
    const head = await repo.head();
    expect(await instances.renew("demo", "hello", {}, alice, "renew-1")).toMatchObject({ commit: renewed.commit });
    expect(await repo.head()).toBe(head);

    expect((await instances.renew("demo", "hello", { days: 7 }, alice)).instance?.expiresAt).toBe(after(67));
    // 67 + 309 = 376 days from the start, 366 from now: one too many.
    await expect(instances.renew("demo", "hello", { days: 309 }, alice)).rejects.toMatchObject({
      name: "InputError",
      issues: [{ pointer: "/days", rule: "maximum", message: expect.stringContaining("renew by at most 308 days") }],
    });
    await expect(instances.renew("demo", "hello", { days: 0 }, alice)).rejects.toMatchObject({ issues: [{ pointer: "/days", rule: "minimum" }] });
    expect(await repo.head()).not.toBe(head);
    const latest = await repo.head();
    // The default renewal is shortened to the limit (day 10 + 365); at the limit, nothing is committed.
    expect((await instances.renew("demo", "hello", { days: 300 }, alice)).instance?.expiresAt).toBe(after(367));
    const capped = await instances.renew("demo", "hello", {}, alice);
    expect(capped.instance?.expiresAt).toBe(after(375));
    expect(messages.get(capped.commit as string)).toBe(
      "renew demo/hello until 2027-03-11 09:00 UTC\n\nRequested by alice. It was to expire on 2027-03-03 09:00 UTC (shortened to the limit: 365 days from now).",
    );
    expect(await instances.renew("demo", "hello", {}, alice)).toMatchObject({ commit: null, instance: { expiresAt: after(375) } });
    expect((await repo.log({ until: latest })).map((c) => c.subject)).toEqual([
      "renew demo/hello until 2027-03-11 09:00 UTC",
      "renew demo/hello until 2027-03-03 09:00 UTC",
    ]);
    await expect(instances.renew("demo", "ghost", {}, alice)).rejects.toBeInstanceOf(NotFoundError);
  });

  it("refuses to renew a stopped instance, saying that starting it gives it a fresh expiry", async () => {
    const { repo, instances } = await setUp();
    await instances.stop("demo", "hello", alice);
    const head = await repo.head();
    const refusal = instances.renew("demo", "hello", {}, alice);
    await expect(refusal).rejects.toBeInstanceOf(ConflictError);
    await expect(refusal).rejects.toThrow(
      "demo/hello is stopped: it does not expire while it does not run. Start it (plateau start demo/hello): it then runs for 30 days",
    );
    expect(await repo.head()).toBe(head);
  });

  it("stops an expired instance by one commit of Plateau saying when it expired and how to start it again; once", async () => {
    const { repo, instances, clock, reconciler, plateau } = await setUp();
    await instances.launch({ template: "static-site", project: "demo", name: "renewed" }, alice);
    await reconciler.reconcileOnce();
    clock.advanceDays(20);
    await instances.renew("demo", "renewed", {}, alice);
    expect((await plateau.expire()).expired).toEqual([]); // not yet
    clock.advanceDays(10);
    const before = await repo.head();
    const report = await plateau.expire();
    expect(report).toEqual({ expired: [{ instance: "demo/hello", commit: expect.any(String) }], failed: [] });
    const commits = await repo.log({ until: before });
    expect(commits).toHaveLength(1);
    expect(commits[0]).toMatchObject({
      subject: "expire demo/hello",
      author: { name: "Plateau", email: "plateau@localhost" },
      trailers: { "Plateau-Action": "expire", "Plateau-Instance": "demo/hello", "Plateau-Platform": "local" },
    });
    const diff = await instances.diff("demo", "hello", report.expired[0]?.commit as string);
    expect(diff.subject).toBe("expire demo/hello");
    const head = (await repo.head()) as string;
    expect(await repo.readFile(head, "rendered/local/demo/hello/deployment-hello.yaml")).toContain("replicas: 0");
    const intent = await intentAt(repo);
    expect(intent.spec).toMatchObject({ state: "stopped", expiresAt: after(30) }); // it says when it expired
    // The message tells a person what happened and what to do.
    const [entry] = await instances.history({ project: "demo", instance: "hello" }, 1);
    expect(entry).toMatchObject({ action: "expire", author: "Plateau" });
    await reconciler.reconcileOnce();
    expect(await instances.get("demo", "hello")).toMatchObject({ state: "stopped", phase: "stopped", expiresAt: after(30) });
    expect((await instances.get("demo", "renewed")).phase).toBe("running");

    // Again, and again later: nothing more to do.
    expect(await plateau.expire()).toEqual({ expired: [], failed: [] });
    expect(await repo.head()).toBe(head);

    // Started again, it gets a fresh expiry; the renewed one expires at its own time.
    clock.advanceDays(5);
    await instances.start("demo", "hello", alice);
    expect((await intentAt(repo)).spec.expiresAt).toBe(after(65));
    clock.advanceDays(26); // day 61: the renewed one (day 20 + 30 + 10 = 60) has expired
    expect((await plateau.expire()).expired.map((e) => e.instance)).toEqual(["demo/renewed"]);
  });

  it("says in the expiry commit's message when it expired and how to start it again", async () => {
    const { clock, plateau, messages } = await setUp();
    clock.advanceDays(31);
    const { expired } = await plateau.expire();
    expect(messages.get(expired[0]?.commit as string)).toBe(
      "expire demo/hello\n\n" +
        "It expired on 2026-03-31 09:00 UTC: Plateau stopped it; its data is kept.\n" +
        "Start it again with `plateau start demo/hello` or from the portal: it then runs for 30 more days (and `plateau renew demo/hello` keeps it running longer).",
    );
  });

  it("converges after a crash: a restart over the same repository commits nothing twice, and a stop made meanwhile is respected", async () => {
    const { repo, clock, plateau } = await setUp();
    clock.advanceDays(31);
    expect((await plateau.expire()).expired).toHaveLength(1);
    const head = await repo.head();
    // A new process over the same repository and a database that lost everything (kill -9 before indexing, at worst).
    const restarted = await memoryPlateau({ clock, repo }, []);
    expect(await restarted.plateau.expire()).toEqual({ expired: [], failed: [] });
    expect(await repo.head()).toBe(head);

    // An index behind the repository (someone stopped it by a commit of their own): the head decides.
    const second = await setUp();
    second.clock.advanceDays(31);
    const intent = await intentAt(second.repo);
    await second.repo.commit({
      parent: await second.repo.head(),
      author: { name: "oscar", email: "oscar@example.org" },
      message: "stop demo/hello by hand",
      trailers: {},
      changes: [{ path: "projects/demo/instances/hello.yaml", content: serialize({ ...intent, spec: { ...intent.spec, state: "stopped" } }) }],
    });
    const byHand = await second.repo.head();
    expect(await second.plateau.expire()).toEqual({ expired: [], failed: [] });
    expect(await second.repo.head()).toBe(byHand);
  });

  it("reads intents written before expiry existed: they never expire and have nothing to renew; starting one gives it an expiry", async () => {
    const { repo, clock, plateau, instances } = await setUp();
    const intent = await intentAt(repo);
    const { expiresAt: _, ...spec } = intent.spec;
    await repo.commit({
      parent: await repo.head(),
      author: { name: "oscar", email: "oscar@example.org" },
      message: "an intent of an older Plateau",
      trailers: {},
      changes: [{ path: "projects/demo/instances/hello.yaml", content: serialize({ ...intent, spec }) }],
    });
    await plateau.refresh();
    expect((await instances.get("demo", "hello")).expiresAt).toBeNull();
    clock.advanceDays(400);
    expect(await plateau.expire()).toEqual({ expired: [], failed: [] });
    const head = await repo.head();
    expect(await instances.renew("demo", "hello", {}, alice)).toMatchObject({ commit: null, instance: { expiresAt: null } });
    expect(await repo.head()).toBe(head);
    await instances.stop("demo", "hello", alice);
    await instances.start("demo", "hello", alice);
    expect((await instances.get("demo", "hello")).expiresAt).toBe(after(430));
  });

  it("with expiryDays null: no expiry at launch or start, none shown, none enforced, nothing to renew", async () => {
    const { repo, clock, plateau, instances } = await setUp({ expiryDays: null, renewDays: 30, maxDays: 365 });
    expect((await intentAt(repo)).spec.expiresAt).toBeUndefined();
    expect((await instances.get("demo", "hello")).expiresAt).toBeNull();
    clock.advanceDays(1000);
    expect(await plateau.expire()).toEqual({ expired: [], failed: [] });
    expect((await instances.renew("demo", "hello", {}, alice)).commit).toBeNull();
    expect((await instances.get("demo", "hello")).state).toBe("running");
  });

  it("refuses an intent whose expiry is no time, naming the field", () => {
    const text = (expiresAt: string) =>
      `apiVersion: plateau.io/v1\nkind: Instance\nmetadata: { name: x, project: demo, createdAt: t, createdBy: alice }\nspec: { template: static-site, templateVersion: 1.0.0, state: running, values: {}, expiresAt: "${expiresAt}" }\nplacement: { platform: local, reason: r }\n`;
    expect(parseInstance(text("2026-04-01T00:00:00Z"), "x.yaml").spec.expiresAt).toBe("2026-04-01T00:00:00Z");
    expect(() => parseInstance(text("2026-13-01T00:00:00Z"), "x.yaml")).toThrow("x.yaml: /spec/expiresAt is not a valid time");
    expect(() => parseInstance(text("2026-04-01T00:00:00"), "x.yaml")).toThrow(/\/spec\/expiresAt must match pattern/);
  });
});
