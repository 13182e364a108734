// An instance's backups through the API (ADR 0034), as its members and as hostile tenants see
// them: another lab's person (token or cookie) finds nothing, and nobody restores an instance
// from another instance's backup, even one they may read (the confused deputy).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createMemoryVolumeBackups } from "../../src/adapters/memory/memory-volume-backups.js";
import { CSRF_HEADER } from "../../src/server/access.js";
import { SESSION_COOKIE } from "../../src/server/cookies.js";
import { parseInstance } from "../../src/core/model.js";
import { instancePath } from "../../src/core/repository/layout.js";
import { memoryApp } from "../support/app.js";
import { runCli } from "../support/cli.js";

const backups = createMemoryVolumeBackups("local");
let fixture: Awaited<ReturnType<typeof memoryApp>>;
const api = (path: string) => `/api/v1${path}`;

beforeAll(async () => {
  fixture = await memoryApp({ adapters: { volumeBackups: { backupsFor: async (platform) => (platform === "local" ? backups : undefined) } } });
  const bob = await fixture.as("bob");
  expect(
    (await fixture.app.inject({ method: "POST", url: api("/projects"), headers: bob, payload: { name: "beta", lab: "lmbp", title: "Beta" } })).statusCode,
  ).toBe(201);
  for (const [project, headers] of [
    ["demo", await fixture.as("alice")],
    ["beta", bob],
  ] as const) {
    const launched = await fixture.app.inject({
      method: "POST",
      url: api(`/projects/${project}/instances`),
      headers,
      payload: { template: "static-site", name: "web" },
    });
    expect(launched.statusCode, launched.body).toBe(202);
  }
});
afterAll(async () => {
  await fixture?.app.close();
});

describe("an instance's backups through the API", () => {
  it("has a `backups <platform>` task for each podman platform whose backups this Plateau takes", () => {
    expect([...fixture.plateau.backupTasks.keys()]).toEqual(["local"]);
    expect(fixture.plateau.backupTasks.get("local")?.name).toBe("backups local");
  });

  it("lists, takes and restores for the instance's editors; another lab's person gets 404 by token and by cookie", async () => {
    const alice = await fixture.as("alice");
    backups.volumes.set("demo/web", new Map([["data", Buffer.from("alice's data")]]));
    const taken = await fixture.app.inject({ method: "POST", url: api("/projects/demo/instances/web/backups"), headers: alice });
    expect(taken.statusCode, taken.body).toBe(201);
    const record = taken.json() as { id: string; takenAt: string; project: string; instance: string };
    expect(record).toMatchObject({ project: "demo", instance: "web", platform: "local" });
    const listed = await fixture.app.inject({ url: api("/projects/demo/instances/web/backups"), headers: alice });
    expect(listed.json()).toMatchObject({ items: [{ id: record.id }] });

    // bob (lmbp): his token and his browser session see nothing of demo, and change nothing.
    const head = await fixture.adapters.repo.head();
    const bob = await fixture.as("bob");
    const session = await fixture.browserSession("bob");
    const cookie = { cookie: `${SESSION_COOKIE}=${session.id}`, [CSRF_HEADER]: session.csrf };
    for (const headers of [bob, cookie]) {
      const list = await fixture.app.inject({ url: api("/projects/demo/instances/web/backups"), headers });
      expect(list.statusCode).toBe(404);
      expect(list.body).not.toContain(record.id);
      expect((await fixture.app.inject({ method: "POST", url: api("/projects/demo/instances/web/backups"), headers })).statusCode).toBe(404);
      const restore = await fixture.app.inject({ method: "POST", url: api("/projects/demo/instances/web/restore"), headers, payload: { backup: record.id } });
      expect(restore.statusCode).toBe(404);
    }
    expect(await backups.list("demo", "web")).toHaveLength(1);
    expect(await fixture.adapters.repo.head()).toBe(head);

    // The editor restores: one commit, with an idempotency key a retry answers the same.
    const restore = () =>
      fixture.app.inject({
        method: "POST",
        url: api("/projects/demo/instances/web/restore"),
        headers: { ...alice, "idempotency-key": "restore-1" },
        payload: {},
      });
    const first = await restore();
    expect(first.statusCode, first.body).toBe(202);
    expect(first.json()).toMatchObject({ backup: { id: record.id, platform: "local", takenAt: record.takenAt } });
    expect((await restore()).json()).toMatchObject({ commit: first.json().commit });
  });

  it("never restores another project's backup into an instance, whoever names it (the confused deputy)", async () => {
    // bob backs up his own beta/web, then names that backup for alice's demo/web, and for his own.
    backups.volumes.set("beta/web", new Map([["data", Buffer.from("bob's data")]]));
    const bob = await fixture.as("bob");
    const bobs = (await fixture.app.inject({ method: "POST", url: api("/projects/beta/instances/web/backups"), headers: bob })).json() as { id: string };
    expect(
      (await fixture.app.inject({ method: "POST", url: api("/projects/demo/instances/web/restore"), headers: bob, payload: { backup: bobs.id } })).statusCode,
    ).toBe(404);
    // An operator sees both projects: the id of beta's backup is still not demo/web's.
    const head = await fixture.adapters.repo.head();
    const oscar = await fixture.as("oscar");
    const crossed = await fixture.app.inject({
      method: "POST",
      url: api("/projects/demo/instances/web/restore"),
      headers: oscar,
      payload: { backup: bobs.id },
    });
    expect(crossed.statusCode).toBe(400);
    expect(crossed.json()).toMatchObject({ error: { issues: [{ pointer: "/backup", rule: "exists" }] } });
    // Nor can alice, who may edit demo/web, name it.
    const alice = await fixture.as("alice");
    expect(
      (await fixture.app.inject({ method: "POST", url: api("/projects/demo/instances/web/restore"), headers: alice, payload: { backup: bobs.id } })).statusCode,
    ).toBe(400);
    expect(await fixture.adapters.repo.head()).toBe(head);
    const intent = parseInstance((await fixture.adapters.repo.readFile(head as string, instancePath("demo", "web"))) ?? "", "web");
    expect(intent.spec.restore?.backup).not.toBe(bobs.id);
  });
});

describe("plateau recovery backups|backup|restore", () => {
  it("lists an instance's backups, takes one, and restores only with --yes without a terminal, saying the data is replaced", async () => {
    const server = await fixture.app.listen({ host: "127.0.0.1", port: 0 });
    const plateau = async (...args: string[]) => runCli(server, await fixture.tokenOf("alice"), ...args);
    const taken = await plateau("recovery", "backup", "demo/web");
    expect(taken.stderr).toBe("");
    expect(taken.stdout).toMatch(/^✓ demo\/web backed up: \d{8}t\d{6}z-[a-z0-9]{6}, 1 volume, 12 B stored/);
    const id = /backed up: (\S+),/.exec(taken.stdout)?.[1] as string;
    const listed = await plateau("recovery", "backups", "demo");
    expect(listed.stdout).toMatch(/INSTANCE\s+BACKUP\s+TAKEN\s+AGE\s+SIZE/);
    expect(listed.stdout).toContain(id);
    const refused = await plateau("recovery", "restore", "demo/web", "--backup", id);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain("Its current data is replaced by the backup's");
    const restored = await plateau("recovery", "restore", "demo/web", "--backup", id, "--yes");
    expect(restored.stderr).toBe("");
    expect(restored.stdout).toMatch(new RegExp(`^✓ demo/web restores backup ${id} \\(taken .*; commit [0-9a-f]{7}\\)`));
    const unknown = await plateau("recovery", "restore", "demo/web", "--backup", "20990101t000000z-nope00", "--yes");
    expect(unknown.code).not.toBe(0);
    expect(unknown.stderr).toContain("/backup");
  });
});
