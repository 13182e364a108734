import { describe, expect, it } from "vitest";
import { ConflictError, InputError, NotFoundError } from "../../src/core/errors.js";
import { MAX_PATCH_BYTES, truncatePatch } from "../../src/core/instances/service.js";
import { parseInstance } from "../../src/core/model.js";
import { alice, memoryPlateau } from "../support/plateau.js";

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
    expect(stop.patch).toContain("-  state: running\n+  state: stopped\n");
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
