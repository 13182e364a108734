import { Ajv } from "ajv";
import { describe, expect, it } from "vitest";
import { memoryApp } from "../support/app.js";
import { createTestClock, DAY_MS } from "../support/clock.js";

const launch = (body: object, project = "demo", headers: Record<string, string> = {}) => ({
  method: "POST" as const,
  url: `/api/v1/projects/${project}/instances`,
  payload: body,
  headers,
});

describe("HTTP API", () => {
  it("lists and describes templates", async () => {
    const { inject } = await memoryApp();
    const list = await inject({ url: "/api/v1/templates" });
    expect(list.statusCode).toBe(200);
    const ids = (list.json() as { items: { id: string }[] }).items.map((t) => t.id);
    expect(ids).toContain("static-site");
    const detail = await inject({ url: "/api/v1/templates/static-site" });
    expect(detail.json()).toMatchObject({ id: "static-site", valuesSchema: { type: "object" }, sizes: ["small", "medium", "large"] });
    expect((await inject({ url: "/api/v1/templates/nope" })).statusCode).toBe(404);
  });

  it("launches (202 with placement), gets, lists, stops, starts and removes an instance", async () => {
    const { inject, reconciler } = await memoryApp();
    const launched = await inject(launch({ template: "static-site", name: "hello", values: { size: "medium" } }));
    expect(launched.statusCode).toBe(202);
    expect(launched.json()).toMatchObject({
      instance: { project: "demo", name: "hello", phase: "pending", values: { size: "medium" } },
      placement: { platform: "local" },
      replayed: false,
    });
    await reconciler.reconcileOnce();
    expect((await inject({ url: "/api/v1/projects/demo/instances/hello" })).json()).toMatchObject({
      phase: "running",
      url: "http://hello.demo.localhost:8080/",
    });
    expect((await inject({ url: "/api/v1/instances?project=demo" })).json().items).toHaveLength(1);
    expect((await inject({ url: "/api/v1/projects/demo/instances" })).json().items).toHaveLength(1);
    expect((await inject({ method: "POST", url: "/api/v1/projects/demo/instances/hello/stop" })).statusCode).toBe(202);
    const again = await inject({ method: "POST", url: "/api/v1/projects/demo/instances/hello/stop" });
    expect(again.json().commit).toBeNull();
    expect((await inject({ method: "POST", url: "/api/v1/projects/demo/instances/hello/start" })).json().commit).toMatch(/^[0-9a-f]+$/);
    expect((await inject({ method: "DELETE", url: "/api/v1/projects/demo/instances/hello" })).statusCode).toBe(202);
    expect((await inject({ url: "/api/v1/projects/demo/instances/hello" })).statusCode).toBe(404);
    await reconciler.reconcileOnce();
    expect((await inject({ url: "/api/v1/projects/demo/instances/hello/status" })).statusCode).toBe(404);
  });

  it("answers invalid values with 400 naming the field and the rule", async () => {
    const { inject } = await memoryApp();
    const response = await inject(launch({ template: "static-site", values: { size: "huge", storage: 3 } }));
    expect(response.statusCode).toBe(400);
    expect(response.json()).toEqual({
      error: {
        code: "input",
        message: expect.stringMatching(/^invalid values for static-site: \/values\/(size|storage) .* \(and 1 more\)$/),
        issues: expect.arrayContaining([
          { pointer: "/values/size", rule: "enum", message: 'must be one of "small", "medium", "large"' },
          expect.objectContaining({ pointer: "/values/storage", rule: "additionalProperties" }),
        ]),
      },
    });
  });

  it("maps each failure to its status: 404 template, 409 name taken, 400 bad names", async () => {
    const { inject } = await memoryApp();
    expect((await inject(launch({ template: "nope" }))).statusCode).toBe(404);
    expect((await inject(launch({ template: "static-site", name: "hello" }))).statusCode).toBe(202);
    const conflict = await inject(launch({ template: "static-site", name: "hello" }));
    expect(conflict.statusCode).toBe(409);
    expect(conflict.json().error.code).toBe("conflict");
    const badName = await inject(launch({ template: "static-site", name: "Hello!" }));
    expect(badName.statusCode).toBe(400);
    expect(badName.json().error.issues[0]).toMatchObject({ pointer: "/name", rule: "dns-label" });
    const badProject = await inject(launch({ template: "static-site" }, "Not_A_Label"));
    expect(badProject.statusCode).toBe(400);
    expect(badProject.json().error.issues[0]).toMatchObject({ pointer: "/project", rule: "dns-label" });
    expect((await inject({ url: "/api/v1/projects/demo/instances/nope" })).statusCode).toBe(404);
    expect((await inject({ url: "/api/v1/nowhere" })).json()).toEqual({ error: { code: "not-found", message: "no route GET /api/v1/nowhere" } });
  });

  it("refuses fields that are not part of a request (no mass assignment), changing nothing", async () => {
    const { inject, repo } = await memoryApp();
    const head = await repo.head();
    for (const extra of [{ project: "other" }, { state: "stopped" }, { createdBy: "mallory" }, { placement: { platform: "x" } }]) {
      const response = await inject(launch({ template: "static-site", ...extra }));
      expect(response.statusCode, JSON.stringify(extra)).toBe(400);
      expect(response.json().error.issues[0]).toMatchObject({ pointer: `/${Object.keys(extra)[0]}`, rule: "additionalProperties" });
    }
    expect(
      (await inject({ method: "POST", url: "/api/v1/projects/demo/instances", payload: "{not json", headers: { "content-type": "application/json" } }))
        .statusCode,
    ).toBe(400);
    expect(await repo.head()).toBe(head);
  });

  it("answers a retried change with the same result (Idempotency-Key)", async () => {
    const { inject, repo } = await memoryApp();
    const first = await inject(launch({ template: "static-site" }, "demo", { "idempotency-key": "abc-123" }));
    const head = await repo.head();
    const retry = await inject(launch({ template: "static-site" }, "demo", { "idempotency-key": "abc-123" }));
    expect(retry.statusCode).toBe(202);
    expect(retry.json()).toMatchObject({ replayed: true, instance: { name: first.json().instance.name } });
    expect(await repo.head()).toBe(head);
  });

  it("renews an instance (202, one commit, none again for a retry), refusing days beyond the limit (400 on /days) and a stopped instance (409)", async () => {
    const clock = createTestClock("2026-03-01T09:00:00.000Z");
    const { inject, repo, as } = await memoryApp({ clock });
    const day = (n: number) => new Date(Date.parse("2026-03-01T09:00:00.000Z") + n * DAY_MS).toISOString();
    const renew = (payload?: object, headers: Record<string, string> = {}) =>
      inject({ method: "POST", url: "/api/v1/projects/demo/instances/hello/renew", ...(payload ? { payload } : {}), headers });
    expect((await inject(launch({ template: "static-site", name: "hello" }))).json().instance.expiresAt).toBe(day(30));
    clock.advanceDays(25);

    const renewed = await renew({}, { "idempotency-key": "renew-once" });
    expect(renewed.statusCode).toBe(202);
    expect(renewed.json()).toMatchObject({
      commit: expect.stringMatching(/^[0-9a-f]{40}$/),
      instance: { name: "hello", state: "running", expiresAt: day(60) },
    });
    const head = await repo.head();
    const retried = await renew({}, { "idempotency-key": "renew-once" });
    expect(retried.json()).toMatchObject({ commit: renewed.json().commit, instance: { expiresAt: day(60) } });
    expect(await repo.head()).toBe(head);
    // No body renews by the default; days are counted from the current expiry.
    expect((await renew()).json().instance.expiresAt).toBe(day(90));
    expect((await renew({ days: 10 })).json().instance.expiresAt).toBe(day(100));
    expect((await inject({ url: "/api/v1/projects/demo/instances/hello" })).json().expiresAt).toBe(day(100));
    expect((await inject({ url: "/api/v1/instances?project=demo" })).json().items[0].expiresAt).toBe(day(100));
    const history = (await inject({ url: "/api/v1/projects/demo/instances/hello/history" })).json().items;
    expect(history.map((entry: { action: string }) => entry.action)).toEqual(["renew", "renew", "renew", "launch"]);

    const before = await repo.head();
    const tooFar = await renew({ days: 300 });
    expect(tooFar.statusCode).toBe(400);
    expect(tooFar.json().error).toMatchObject({
      code: "input",
      issues: [{ pointer: "/days", rule: "maximum", message: expect.stringMatching(/more than 365 days from now .*renew by at most 290 days$/) }],
    });
    for (const payload of [{ days: 0 }, { days: 1.5 }, { days: 4000 }, { until: "2027-01-01" }]) {
      const refused = await renew(payload);
      expect(refused.statusCode, JSON.stringify(payload)).toBe(400);
      expect(refused.json().error.issues[0].pointer, JSON.stringify(payload)).toMatch(/^\/(days|until)$/);
    }
    expect(await repo.head()).toBe(before);

    expect((await inject({ method: "POST", url: "/api/v1/projects/demo/instances/hello/stop" })).statusCode).toBe(202);
    const stopped = await renew();
    expect(stopped.statusCode).toBe(409);
    expect(stopped.json().error).toMatchObject({ code: "conflict", message: expect.stringContaining("plateau start demo/hello") });
    expect((await renew(undefined)).statusCode).toBe(409);
    expect((await inject({ method: "POST", url: "/api/v1/projects/demo/instances/ghost/renew", payload: {} })).statusCode).toBe(404);
    // Like stop and start: project editors; someone of another lab is told it does not exist.
    expect((await inject({ method: "POST", url: "/api/v1/projects/demo/instances/hello/renew", payload: {}, headers: await as("bob") })).statusCode).toBe(404);
    const audit = (await inject({ url: "/api/v1/audit", headers: await as("oscar") })).json().items as { actor: string; action: string; outcome: string }[];
    expect(audit).toContainEqual(expect.objectContaining({ actor: "alice", action: "renew", outcome: "success" }));
    expect(audit).toContainEqual(expect.objectContaining({ actor: "alice", action: "renew", outcome: "failure" }));
  });

  it("creates and lists projects and platforms", async () => {
    const { inject } = await memoryApp();
    expect((await inject({ method: "POST", url: "/api/v1/projects", payload: { name: "lab", lab: "imb", title: "The lab" } })).statusCode).toBe(201);
    expect((await inject({ method: "POST", url: "/api/v1/projects", payload: { name: "lab", lab: "imb" } })).statusCode).toBe(409);
    expect((await inject({ method: "POST", url: "/api/v1/projects", payload: { name: "kube-system", lab: "imb" } })).statusCode).toBe(400);
    expect((await inject({ method: "POST", url: "/api/v1/projects", payload: { name: "u-bob", lab: "imb" } })).json().error.issues[0]).toMatchObject({
      pointer: "/name",
      rule: "reserved",
    });
    expect((await inject({ url: "/api/v1/projects/lab" })).json()).toMatchObject({
      name: "lab",
      title: "The lab",
      instances: 0,
      createdBy: "alice",
      lab: "imb",
      personal: null,
      members: [{ login: "alice", role: "owner" }],
    });
    expect((await inject({ url: "/api/v1/projects" })).json().items.map((p: { name: string }) => p.name)).toEqual(["demo", "lab"]);
    expect((await inject({ url: "/api/v1/platforms" })).json().items).toEqual([
      expect.objectContaining({ name: "local", engine: "podman", available: true, instances: 0 }),
    ]);
    expect((await inject({ url: "/api/v1/platforms/local" })).statusCode).toBe(200);
    expect((await inject({ url: "/api/v1/platforms/mars" })).statusCode).toBe(404);
  });

  it("gives history and events", async () => {
    const { inject, reconciler } = await memoryApp();
    await inject(launch({ template: "static-site", name: "hello" }));
    await reconciler.reconcileOnce();
    const history = (await inject({ url: "/api/v1/projects/demo/instances/hello/history" })).json().items;
    expect(history).toEqual([expect.objectContaining({ action: "launch", author: "alice", subject: "launch demo/hello (static-site 1.0.0) on local" })]);
    // The project's creation, then the launch.
    expect((await inject({ url: "/api/v1/history?project=demo" })).json().items.map((e: { action: string }) => e.action)).toEqual(["launch", "create-project"]);
    const events = (await inject({ url: "/api/v1/projects/demo/instances/hello/events" })).json().items;
    expect(events.map((e: { message: string }) => e.message)).toContain("running");
    const logs = await inject({ url: "/api/v1/projects/demo/instances/hello/logs?tail=10" });
    expect(logs.statusCode).toBe(200);
    expect(logs.headers["content-type"]).toContain("text/plain");
    expect(logs.body).toContain("started");
  });

  it("gives the diff of one commit of an instance's history: 400 for what is not a commit id, 404 for another instance's", async () => {
    const { inject } = await memoryApp();
    await inject(launch({ template: "static-site", name: "hello" }));
    await inject(launch({ template: "static-site", name: "other" }));
    const [entry] = (await inject({ url: "/api/v1/projects/demo/instances/hello/history" })).json().items as { commit: string }[];
    const reply = await inject({ url: `/api/v1/projects/demo/instances/hello/history/${entry?.commit}` });
    expect(reply.statusCode, reply.body).toBe(200);
    expect(reply.json()).toMatchObject({ commit: entry?.commit, action: "launch", author: "alice", truncated: false });
    expect(reply.json().patch).toContain("+++ b/projects/demo/instances/hello.yaml\n");
    expect(Object.keys(reply.json()).sort()).toEqual(["action", "at", "author", "commit", "patch", "subject", "truncated"]);
    const [otherEntry] = (await inject({ url: "/api/v1/projects/demo/instances/other/history" })).json().items as { commit: string }[];
    const foreign = await inject({ url: `/api/v1/projects/demo/instances/hello/history/${otherEntry?.commit}` });
    expect(foreign.statusCode).toBe(404);
    expect(foreign.json().error.code).toBe("not-found");
    for (const commit of ["HEAD", "abc123", "0".repeat(41)]) {
      const bad = await inject({ url: `/api/v1/projects/demo/instances/hello/history/${commit}` });
      expect(bad.statusCode, commit).toBe(400);
    }
  });

  it("describes itself with a valid OpenAPI document covering every route", async () => {
    const { inject } = await memoryApp();
    const document = (await inject({ url: "/api/v1/openapi.json" })).json() as { openapi: string; paths: Record<string, Record<string, unknown>> };
    expect(document.openapi).toBe("3.1.0");
    for (const [path, method] of [
      ["/api/v1/templates", "get"],
      ["/api/v1/templates/{template}", "get"],
      ["/api/v1/projects", "post"],
      ["/api/v1/projects/{project}/instances", "post"],
      ["/api/v1/projects/{project}/instances/{instance}", "delete"],
      ["/api/v1/projects/{project}/instances/{instance}/stop", "post"],
      ["/api/v1/projects/{project}/instances/{instance}/start", "post"],
      ["/api/v1/projects/{project}/instances/{instance}/renew", "post"],
      ["/api/v1/projects/{project}/instances/{instance}/logs", "get"],
      ["/api/v1/platforms/{platform}", "get"],
    ] as const) {
      expect(document.paths[path]?.[method], `${method} ${path}`).toBeDefined();
    }
    // Every schema in it compiles (draft 2020-12 is OpenAPI 3.1's dialect; ajv's default keywords suffice here).
    const ajv = new Ajv({ strict: false });
    for (const operations of Object.values(document.paths)) {
      for (const operation of Object.values(operations) as { requestBody?: { content: Record<string, { schema: object }> } }[]) {
        for (const media of Object.values(operation.requestBody?.content ?? {})) expect(() => ajv.compile(media.schema)).not.toThrow();
      }
    }
  });

  it("serves health, readiness and Prometheus metrics", async () => {
    const { inject } = await memoryApp();
    expect((await inject({ url: "/healthz" })).json()).toEqual({ status: "ok" });
    expect((await inject({ url: "/readyz" })).json()).toEqual({ status: "ok", checks: { repository: "ok" } });
    await inject({ url: "/api/v1/templates" });
    await inject(launch({ template: "static-site" }));
    const metrics = (await inject({ url: "/metrics" })).body;
    expect(metrics).toMatch(/plateau_http_request_duration_seconds_count\{method="GET",route="\/api\/v1\/templates",status="200"\} 1/);
    expect(metrics).toContain("plateau_reconcile_duration_seconds");
    expect(metrics).toContain("plateau_pending_changes");
  });

  it("limits the rate of launches and of token creation per person: 429 with Retry-After, and nothing done", async () => {
    const { inject, as, repo } = await memoryApp({ limits: { signInPerMinute: 100, tokenCreationPerMinute: 2, launchPerMinute: 2 } });
    expect((await inject(launch({ template: "static-site" }))).statusCode).toBe(202);
    expect((await inject(launch({ template: "static-site" }))).statusCode).toBe(202);
    const head = await repo.head();
    const limited = await inject(launch({ template: "static-site" }));
    expect(limited.statusCode).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThanOrEqual(1);
    expect(limited.json().error.code).toBe("rate-limited");
    expect(await repo.head()).toBe(head);
    // Renewals are commits too, counted with launches.
    const name = (await inject({ url: "/api/v1/projects/demo/instances" })).json().items[0].name as string;
    expect((await inject({ method: "POST", url: `/api/v1/projects/demo/instances/${name}/renew`, payload: {} })).statusCode).toBe(429);
    expect(await repo.head()).toBe(head);
    // The limit is per person: ines (same lab, admin) still may launch into demo.
    expect((await inject({ ...launch({ template: "static-site" }), headers: await as("ines") })).statusCode).toBe(202);

    const token = (body: object) => inject({ method: "POST", url: "/api/v1/tokens", payload: body });
    expect((await token({ name: "one" })).statusCode).toBe(201);
    expect((await token({ name: "two" })).statusCode).toBe(201);
    const tooMany = await token({ name: "three" });
    expect(tooMany.statusCode).toBe(429);
    expect(tooMany.headers["retry-after"]).toBeDefined();
    expect((await inject({ url: "/api/v1/tokens" })).json().items.map((t: { name: string }) => t.name)).not.toContain("three");
  });

  it("audits every change, refused ones too (a body refused by its schema is a failure of nobody yet)", async () => {
    const { inject, as } = await memoryApp();
    expect((await inject(launch({ template: "static-site", name: "fine" }))).statusCode).toBe(202);
    expect((await inject(launch({ template: "static-site", role: "owner" }))).statusCode).toBe(400);
    expect((await inject({ method: "POST", url: "/api/v1/tokens", payload: { name: "demo" } })).statusCode).toBe(201);
    const audit = (await inject({ url: "/api/v1/audit", headers: await as("oscar") })).json().items as {
      actor: string | null;
      action: string;
      outcome: string;
      detail: string;
      project: string | null;
      target: string;
    }[];
    // A token's name is not a project, even when a project has that name.
    expect(audit).toContainEqual(expect.objectContaining({ actor: "alice", action: "token.create", project: null, target: "demo" }));
    expect(audit).toContainEqual(expect.objectContaining({ actor: "alice", action: "launch", outcome: "success" }));
    expect(audit).toContainEqual(expect.objectContaining({ actor: null, action: "launch", outcome: "failure", detail: "HTTP 400" }));
  });

  it("answers where a launch would go, with every platform's score, and commits nothing", async () => {
    const { inject, repo } = await memoryApp();
    const head = await repo.head();
    const answer = await inject({ method: "POST", url: "/api/v1/projects/demo/placement", payload: { template: "static-site" } });
    expect(answer.statusCode).toBe(200);
    expect(answer.json()).toMatchObject({ platform: "local", reason: "the only eligible platform", candidates: [{ platform: "local" }], excluded: [] });
    expect(await repo.head()).toBe(head);
    const bad = await inject({ method: "POST", url: "/api/v1/projects/demo/placement", payload: { template: "static-site", platform: "mars" } });
    expect(bad.statusCode).toBe(404);
  });

  it("says what a launch would count against quotas with its placement, and what each size preset reserves", async () => {
    const { inject } = await memoryApp();
    const placement = (values: object) => inject({ method: "POST", url: "/api/v1/projects/demo/placement", payload: { template: "static-site", values } });
    // static-site: 50m / 64Mi small, 200m / 128Mi medium; its volumes are scratch space, not storage.
    expect((await placement({})).json().asks).toEqual({ cpu: 0.05, memoryGiB: 0.0625, gpu: 0, instances: 1, storageGiB: 0 });
    expect((await placement({ size: "medium" })).json().asks).toEqual({ cpu: 0.2, memoryGiB: 0.125, gpu: 0, instances: 1, storageGiB: 0 });
    const detail = await inject({ url: "/api/v1/templates/static-site" });
    expect(detail.json().presets).toEqual({
      small: { cpu: 0.05, memoryGiB: 0.0625, gpu: 0 },
      medium: { cpu: 0.2, memoryGiB: 0.125, gpu: 0 },
      large: { cpu: 0.5, memoryGiB: 0.25, gpu: 0 },
    });
    // Persistent volumes count as storage; a preset of several components is their sum (WordPress and its database).
    const notebook = await inject({
      method: "POST",
      url: "/api/v1/projects/demo/placement",
      payload: { template: "jupyter-notebook", values: { storage: 7 } },
    });
    expect(notebook.json().asks).toEqual({ cpu: 0.5, memoryGiB: 1, gpu: 0, instances: 1, storageGiB: 7 });
    expect((await inject({ url: "/api/v1/templates/wordpress" })).json().presets.small).toEqual({ cpu: 0.5, memoryGiB: 0.5, gpu: 0 });
  });
});
