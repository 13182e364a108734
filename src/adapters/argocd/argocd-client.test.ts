import { createHmac } from "node:crypto";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { NotFoundError } from "../../core/errors.js";
import { fakeApplication, startFakeArgoCd, type FakeArgoCd } from "../../../test/support/fake-argocd.js";
import { argoCdErrorMessage, createArgoCdClient, webUrlOf, type ArgoCdClient, type ArgoCdError } from "./argocd-client.js";

const REV_A = "a".repeat(40);
const REV_B = "b".repeat(40);

describe("Argo CD client against a fake held to Argo CD's API description", () => {
  let fake: FakeArgoCd;
  let client: ArgoCdClient;

  beforeEach(async () => {
    fake = await startFakeArgoCd({ webhookSecret: "hook-secret" });
    client = createArgoCdClient({ url: `${fake.url}/`, token: fake.token, timeoutMs: 2000, webhookSecret: "hook-secret" });
    fake.setApplications([
      fakeApplication({
        platform: "plmshift",
        project: "demo",
        instance: "web",
        revision: REV_A,
        sync: "Synced",
        health: "Healthy",
        operation: { phase: "Succeeded" },
      }),
      fakeApplication({ platform: "plmshift", project: "demo", instance: "notebook", revision: REV_A, sync: "OutOfSync", health: "Missing" }),
      fakeApplication({ platform: "plmshift", project: "other", instance: "site", revision: REV_A, sync: "Synced", health: "Healthy" }),
      fakeApplication({ platform: "plmapps", project: "demo", instance: "web", revision: REV_A, sync: "Synced", health: "Healthy", namespace: "apps-gitops" }),
      fakeApplication({ platform: "plmshift", name: "plateau-helm-instances", revision: REV_A, sync: "Synced", health: "Healthy", path: "rendered/plmshift" }),
    ]);
  });

  afterEach(async () => {
    await fake.close();
    expect(fake.violations).toEqual([]);
  });

  it("reads the version, and whether Argo CD took the token", async () => {
    expect(await client.version()).toEqual({ version: "v3.6.0+37ee009", signedIn: true });
    // Argo CD answers /api/version to anyone, with the version alone when the token is refused.
    const stranger = createArgoCdClient({ url: fake.url, token: "not-the-token" });
    expect(await stranger.version()).toEqual({ version: "v3.6.0+37ee009", signedIn: false });
    expect(fake.requests.at(-1)).toMatchObject({ method: "GET", path: "/api/version", operation: "VersionService_Version" });
  });

  it("lists the Applications a label selector picks (the server filters)", async () => {
    const names = (apps: { metadata: { name: string } }[]) => apps.map((app) => app.metadata.name);
    expect(names(await client.listApplications({ selector: "plateau.io/platform=plmshift" }))).toEqual([
      "demo.notebook",
      "demo.web",
      "other.site",
      "plateau-helm-instances",
    ]);
    expect(names(await client.listApplications({ selector: "plateau.io/platform=plmshift,plateau.io/project=demo" }))).toEqual(["demo.notebook", "demo.web"]);
    expect(names(await client.listApplications({ selector: "plateau.io/platform=plmshift,plateau.io/instance" }))).toHaveLength(3);
    expect(names(await client.listApplications({ selector: "plateau.io/platform=plmshift", projects: ["plateau-other", "plateau-none"] }))).toEqual([
      "other.site",
    ]);
    expect(names(await client.listApplications({ appNamespace: "apps-gitops" }))).toEqual(["demo.web"]);
    expect(await client.listApplications({ selector: "plateau.io/platform=nowhere" })).toEqual([]);
    const last = fake.requests.at(-1);
    expect(last?.operation).toBe("ApplicationService_List");
    expect(last?.query.get("selector")).toBe("plateau.io/platform=nowhere");
    const withProjects = fake.requests.find((request) => request.query.has("projects"));
    expect(withProjects?.query.getAll("projects")).toEqual(["plateau-other", "plateau-none"]);
  });

  it("reads an Application with the fields Plateau needs", async () => {
    const app = await client.getApplication("demo.web", { appNamespace: "argocd", project: "plateau-demo" });
    expect(app.metadata).toMatchObject({ name: "demo.web", namespace: "argocd", labels: { "plateau.io/project": "demo", "plateau.io/instance": "web" } });
    expect(app.spec?.source?.path).toBe("rendered/plmshift/demo/web");
    expect(app.status?.sync).toMatchObject({ status: "Synced", revision: REV_A });
    expect(app.status?.health?.status).toBe("Healthy");
    expect(app.status?.operationState?.phase).toBe("Succeeded");
    expect(fake.refreshes).toEqual([]);
  });

  it("refreshes an Application and answers what Argo CD compared", async () => {
    fake.onRefresh((app) => ({ ...app, status: { ...(app.status as object), sync: { status: "OutOfSync", revision: REV_B } } }));
    const refreshed = await client.getApplication("demo.web", { project: "plateau-demo", refresh: "normal" });
    expect(refreshed.status?.sync).toEqual({ status: "OutOfSync", revision: REV_B });
    await client.refresh("demo.notebook", { project: "plateau-demo", hard: true });
    expect(fake.refreshes).toEqual([
      { name: "demo.web", type: "normal" },
      { name: "demo.notebook", type: "hard" },
    ]);
    const get = fake.requests.find((request) => request.operation === "ApplicationService_Get");
    expect(get?.query.get("projects")).toBe("plateau-demo");
  });

  it("tells a missing Application (with its project) from a refusal (without)", async () => {
    const missing = await client.getApplication("demo.gone", { project: "plateau-demo" }).catch((error: unknown) => error);
    expect(missing).toBeInstanceOf(NotFoundError);
    // Without a project Argo CD never tells whether an Application it does not show exists.
    const refused = (await client.getApplication("demo.gone").catch((error: unknown) => error)) as ArgoCdError;
    expect(refused.kind).toBe("auth");
    expect(refused.status).toBe(403);
    expect(refused.message).toMatch(/^Argo CD refused the token \(permission denied; GET \/api\/v1\/applications\/demo.gone at http:\/\/127\.0\.0\.1:\d+\)/);
    // In another project: not there either.
    await expect(client.getApplication("demo.web", { project: "plateau-other" })).rejects.toBeInstanceOf(NotFoundError);
  });

  it("streams the last lines of the logs", async () => {
    fake.setLogs("demo.web", ["one", "two", "three", "four"]);
    const lines: string[] = [];
    for await (const line of client.streamLogs("demo.web", { project: "plateau-demo", follow: false, tailLines: 3 })) lines.push(line);
    expect(lines).toEqual(["two", "three", "four"]);
    const request = fake.requests.at(-1);
    expect(request?.operation).toBe("ApplicationService_PodLogs2");
    expect(Object.fromEntries(request?.query ?? [])).toEqual({ project: "plateau-demo", follow: "false", tailLines: "3" });
  });

  it("follows the logs until the caller stops, and closes the stream", async () => {
    fake.setLogs("demo.web", ["before"]);
    const controller = new AbortController();
    const lines: string[] = [];
    const reading = (async () => {
      for await (const line of client.streamLogs("demo.web", { follow: true, tailLines: 10, podName: "web-0", signal: controller.signal })) {
        lines.push(line);
        if (line === "before") fake.appendLog("demo.web", "after");
        if (line === "after") controller.abort();
      }
    })();
    await reading;
    expect(lines).toEqual(["before", "after"]);
    await expect.poll(() => fake.openLogStreams()).toBe(0);
  });

  it("stops following when the caller breaks out of the loop", async () => {
    fake.setLogs("demo.web", ["only"]);
    for await (const line of client.streamLogs("demo.web", { follow: true, tailLines: 10 })) {
      expect(line).toBe("only");
      break;
    }
    await expect.poll(() => fake.openLogStreams()).toBe(0);
  });

  it("reports a refused log stream with Argo CD's message", async () => {
    const stranger = createArgoCdClient({ url: fake.url, token: "wrong" });
    const consume = async () => {
      for await (const line of stranger.streamLogs("demo.web", { follow: false, tailLines: 1 })) expect(line).toBeUndefined();
    };
    await expect(consume()).rejects.toThrow(/Argo CD refused the token \(invalid session: token signature is invalid/);
    const missing = async () => {
      for await (const line of client.streamLogs("demo.gone", { project: "plateau-demo", follow: false, tailLines: 1 })) expect(line).toBeUndefined();
    };
    await expect(missing()).rejects.toBeInstanceOf(NotFoundError);
  });

  it("tells Argo CD about a push as GitHub does, signed", async () => {
    await client.notifyGitPush({
      repoURL: "https://git.example.org/plateau/desired-state.git",
      branch: "main",
      before: REV_A,
      after: REV_B,
      changed: { added: ["rendered/plmshift/demo/new/deployment-new.yaml"], modified: ["instances/demo/web.yaml"], removed: [] },
    });
    expect(fake.webhooks).toHaveLength(1);
    const [hook] = fake.webhooks;
    expect(hook?.status).toBe(200);
    expect(hook?.headers["x-github-event"]).toBe("push");
    expect(hook?.headers["content-type"]).toBe("application/json");
    expect(hook?.headers.authorization).toBeUndefined();
    expect(hook?.headers["x-hub-signature-256"]).toBe(
      `sha256=${createHmac("sha256", "hook-secret")
        .update(hook?.body ?? "")
        .digest("hex")}`,
    );
    expect(hook?.json).toEqual({
      ref: "refs/heads/main",
      before: REV_A,
      after: REV_B,
      repository: { html_url: "https://git.example.org/plateau/desired-state", default_branch: "main" },
      commits: [{ id: REV_B, added: ["rendered/plmshift/demo/new/deployment-new.yaml"], modified: ["instances/demo/web.yaml"], removed: [] }],
    });
  });

  it("says so when the webhook refuses the signature, and sends a first push as GitHub does", async () => {
    const wrongSecret = createArgoCdClient({ url: fake.url, token: fake.token, webhookSecret: "not-it" });
    const push = {
      repoURL: "git@git.example.org:plateau/desired-state.git",
      branch: "main",
      before: null,
      after: REV_A,
      changed: { added: [], modified: [], removed: [] },
    };
    await expect(wrongSecret.notifyGitPush(push)).rejects.toThrow(/webhook .*\/api\/webhook answered 400: Webhook processing failed: HMAC verification failed/);
    await client.notifyGitPush(push);
    expect(fake.webhooks.at(-1)?.json).toMatchObject({ before: "0".repeat(40), repository: { html_url: "https://git.example.org/plateau/desired-state" } });
  });

  it("names Argo CD and the refusal when the token is wrong", async () => {
    const stranger = createArgoCdClient({ url: fake.url, token: "not-the-token" });
    const error = (await stranger.listApplications({ selector: "plateau.io/platform=plmshift" }).catch((e: unknown) => e)) as ArgoCdError;
    expect(error.kind).toBe("auth");
    expect(error.status).toBe(401);
    expect(error.code).toBe("unavailable");
    expect(error.message).toBe(`Argo CD refused the token (invalid session: token signature is invalid; GET /api/v1/applications at ${fake.url})`);
  });

  it("names the URL when Argo CD does not answer in time", async () => {
    const impatient = createArgoCdClient({ url: fake.url, token: fake.token, timeoutMs: 100 });
    fake.slow(400);
    const error = (await impatient.version().catch((e: unknown) => e)) as ArgoCdError;
    expect(error.kind).toBe("timeout");
    expect(error.message).toBe(`Argo CD at ${fake.url} did not answer within 100 ms (GET /api/version)`);
    fake.slow(0);
  });

  it("names the URL when Argo CD is down, and works again once it is up", async () => {
    await fake.down();
    const error = (await client.listApplications().catch((e: unknown) => e)) as ArgoCdError;
    expect(error.kind).toBe("network");
    expect(error.message).toMatch(new RegExp(`^Argo CD at ${fake.url.replace(/\./g, "\\.")} is unreachable \\(GET /api/v1/applications: .*ECONNREFUSED`));
    await fake.up();
    expect(await client.listApplications()).toHaveLength(5);
  });

  it("reports Argo CD's own message when it fails", async () => {
    fake.failing(true);
    const error = (await client.getApplication("demo.web", { project: "plateau-demo" }).catch((e: unknown) => e)) as ArgoCdError;
    expect(error.kind).toBe("server");
    expect(error.status).toBe(500);
    expect(error.message).toBe(`Argo CD at ${fake.url} answered 500 to GET /api/v1/applications/demo.web: etcdserver: request timed out`);
    fake.failing(false);
  });
});

describe("the fake holds requests and fixtures to the API description", () => {
  it("records what the description does not declare", async () => {
    const fake = await startFakeArgoCd();
    try {
      const get = (path: string) => fetch(`${fake.url}${path}`, { headers: { authorization: `Bearer ${fake.token}` } });
      expect((await get("/api/v1/applications?labelSelector=x")).status).toBe(400);
      expect((await get("/api/v1/applications?refresh=normal&refresh=hard")).status).toBe(400);
      expect((await get("/api/v1/applications/x/logs?tailLines=ten")).status).toBe(400);
      expect((await get("/api/v1/nothing")).status).toBe(404);
      expect((await fetch(`${fake.url}/api/version`, { method: "DELETE" })).status).toBe(501);
      expect(fake.violations).toEqual([
        'GET /api/v1/applications?labelSelector=x: query parameter "labelSelector" is not declared for ApplicationService_List',
        'GET /api/v1/applications?refresh=normal&refresh=hard: query parameter "refresh" given 2 times',
        'GET /api/v1/applications/x/logs?tailLines=ten: query parameter "tailLines"="ten" is not an integer',
        "GET /api/v1/nothing: no path of the API description matches",
        "DELETE /api/version: /api/version has no DELETE operation",
      ]);
    } finally {
      await fake.close();
    }
  });

  it("refuses fixtures Argo CD would never send", async () => {
    const fake = await startFakeArgoCd();
    try {
      const app = fakeApplication({ platform: "p", project: "demo", instance: "web", revision: REV_A, sync: "Synced", health: "Healthy" });
      expect(() => fake.setApplications([{ ...app, status: { ...(app.status as object), helth: { status: "Healthy" } } }])).toThrow(/helth/);
      expect(() => fake.setApplications([{ ...app, status: { ...(app.status as object), sync: { status: "Synced", revision: 42 } } }])).toThrow(
        /\/status\/sync\/revision must be string/,
      );
      expect(() => fake.setApplications([app])).not.toThrow();
    } finally {
      await fake.close();
    }
  });
});

describe("helpers", () => {
  it("derives the web URL GitHub's push event carries from clone URLs", () => {
    expect(webUrlOf("https://git.example.org/plateau/state.git")).toBe("https://git.example.org/plateau/state");
    expect(webUrlOf("https://user@git.example.org:8443/plateau/state/")).toBe("https://git.example.org/plateau/state");
    expect(webUrlOf("http://git.local/state.git")).toBe("http://git.local/state");
    expect(webUrlOf("ssh://git@git.example.org:2222/plateau/state.git")).toBe("https://git.example.org/plateau/state");
    expect(webUrlOf("git@git.example.org:plateau/state.git")).toBe("https://git.example.org/plateau/state");
  });

  it("reads Argo CD's error bodies", () => {
    expect(argoCdErrorMessage('{"error":"permission denied","code":7,"message":"permission denied"}')).toBe("permission denied");
    expect(argoCdErrorMessage('{"error":{"grpc_code":16,"http_code":401,"message":"no session information","http_status":"Unauthorized"}}')).toBe(
      "no session information",
    );
    expect(argoCdErrorMessage('{"code":5,"message":"not found","details":[]}')).toBe("not found");
    expect(argoCdErrorMessage("Webhook processing failed: HMAC verification failed\n")).toBe("Webhook processing failed: HMAC verification failed");
  });
});
