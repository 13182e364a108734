// The API's codes (src/contracts/codes.ts, ADR 0018) as clients read them: through HTTP, past
// the response schemas that would drop a field they do not list.
import { describe, expect, it } from "vitest";
import { memoryApp } from "../support/app.js";

const launch = (body: object, project = "demo") => ({ method: "POST" as const, url: `/api/v1/projects/${project}/instances`, payload: body });

describe("codes in the API's answers", () => {
  it("names a taken name and a quota's figures as cases with their values, beside the sentence", async () => {
    const { inject } = await memoryApp();
    expect((await inject(launch({ template: "static-site", name: "hello" }))).statusCode).toBe(202);
    const taken = (await inject(launch({ template: "static-site", name: "hello" }))).json().error;
    expect(taken).toEqual({
      code: "conflict",
      reason: "name-taken",
      params: { project: "demo", name: "hello" },
      message: "instance demo/hello already exists; choose another name or remove it first",
    });
    const tooBig = await inject({ method: "PUT", url: "/api/v1/projects/demo/quota", payload: { quota: { instances: 1 } } });
    expect(tooBig.statusCode).toBe(403); // alice is no lab admin: a bare refusal, no case
    expect(Object.keys(tooBig.json().error).sort()).toEqual(["code", "message"]);
  });

  it("gives each event its kind and values, and members no more detail in the values than in the message", async () => {
    const { inject, reconciler, engine } = await memoryApp();
    expect((await inject(launch({ template: "static-site", name: "hello" }))).statusCode).toBe(202);
    await reconciler.reconcileOnce();
    const events = (await inject({ url: "/api/v1/projects/demo/instances/hello/events" })).json().items as { kind: string; params: object; message: string }[];
    expect(events.map(({ kind }) => kind)).toEqual(["applying", "starting", "running"]);
    expect(events[0]).toMatchObject({ kind: "applying", params: { revision: expect.stringMatching(/^[0-9a-f]{7}$/), platform: "local" } });
    expect(events[0]?.message).toBe(`applying revision ${(events[0]?.params as { revision: string }).revision} on local`);

    engine.failNext("broken", "the image docker.io/x/y:1 could not be pulled: dial tcp 10.0.0.1:443: connection refused");
    expect((await inject(launch({ template: "static-site", name: "broken" }))).statusCode).toBe(202);
    await reconciler.reconcileOnce();
    const failed = ((await inject({ url: "/api/v1/projects/demo/instances/broken/events" })).json().items as { kind: string; params: object }[]).at(-1);
    expect(failed).toEqual({
      at: expect.any(String),
      kind: "action-failed",
      params: { action: "apply", reason: "the image docker.io/x/y:1 could not be pulled" },
      message: "apply failed: the image docker.io/x/y:1 could not be pulled",
    });
  });

  it("says why an instance is in its phase as a code with its values, and members no more detail in the values than in the sentence", async () => {
    const { inject, reconciler, engine } = await memoryApp();
    const view = async (name: string) => (await inject({ url: `/api/v1/projects/demo/instances/${name}` })).json();
    expect((await inject(launch({ template: "static-site", name: "hello" }))).statusCode).toBe(202);
    expect(await view("hello")).toMatchObject({
      phase: "pending",
      reason: "committed; waiting for the platform to apply it",
      reasonCode: "committed",
      reasonParams: {},
    });
    engine.failNext("broken", "the image docker.io/x/y:1 could not be pulled: dial tcp 10.0.0.1:443: connection refused");
    expect((await inject(launch({ template: "static-site", name: "broken" }))).statusCode).toBe(202);
    await reconciler.reconcileOnce();
    expect(await view("hello")).toMatchObject({ phase: "running", reasonCode: "reported" });
    const pullFailed = { action: "apply", reason: "the image docker.io/x/y:1 could not be pulled" };
    expect(await view("broken")).toMatchObject({ phase: "failed", reason: pullFailed.reason, reasonCode: "action-failed", reasonParams: pullFailed });
    expect((await inject({ url: "/api/v1/projects/demo/instances/broken/status" })).json()).toMatchObject({
      reasonCode: "action-failed",
      reasonParams: pullFailed,
    });
    // The next pass waits for the retry, and says when.
    await reconciler.reconcileOnce();
    expect(await view("broken")).toMatchObject({
      reasonCode: "retry-scheduled",
      reasonParams: { reason: pullFailed.reason, seconds: expect.any(Number) },
      reason: expect.stringMatching(/^the image docker.io\/x\/y:1 could not be pulled \(next attempt in \d+s\)$/),
    });
    expect((await inject({ method: "POST", url: "/api/v1/projects/demo/instances/hello/stop" })).statusCode).toBe(202);
    expect(await view("hello")).toMatchObject({ phase: "stopping", reason: "stop requested", reasonCode: "stop-requested", reasonParams: {} });
  });

  it("says why placement excluded a platform and chose another, as codes", async () => {
    const { inject } = await memoryApp();
    const placement = (await inject({ method: "POST", url: "/api/v1/projects/demo/placement", payload: { template: "static-site" } })).json();
    expect(placement).toMatchObject({ platform: "local", reasons: [{ code: "only-eligible", params: {} }], excluded: [] });
    const pinned = await inject({ method: "POST", url: "/api/v1/projects/demo/placement", payload: { template: "static-site", platform: "local" } });
    expect(pinned.json().reasons).toEqual([{ code: "pinned", params: {} }]);
  });

  it("says in a project's view the caller's role and what they may do, as the server decides it", async () => {
    const { inject, as } = await memoryApp();
    const demo = (await inject({ url: "/api/v1/projects/demo" })).json();
    expect(demo).toMatchObject({
      role: "owner",
      roleWithoutLoginEntry: null,
      may: { read: true, launch: true, manageMembers: true, setQuota: false, setTiers: false },
    });
    const byAdmin = (await inject({ url: "/api/v1/projects/demo", headers: await as("ines") })).json();
    expect(byAdmin).toMatchObject({
      role: "owner",
      roleWithoutLoginEntry: "owner",
      may: { read: true, launch: true, manageMembers: true, setQuota: true, setTiers: false },
    });
    const listed = (await inject({ url: "/api/v1/projects", headers: await as("ines") })).json().items as { name: string; may: object }[];
    expect(listed.find((project) => project.name === "demo")?.may).toEqual({ read: true, launch: true, manageMembers: true, setQuota: true, setTiers: false });
    const saved = await inject({
      method: "PUT",
      url: "/api/v1/projects/demo/members",
      payload: {
        members: [
          { login: "alice", role: "editor" },
          { login: "ines", role: "owner" },
        ],
      },
    });
    expect(saved.json().project).toMatchObject({ role: "editor", may: { launch: true, manageMembers: false, setQuota: false, setTiers: false } });
  });
});
